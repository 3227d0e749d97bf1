import { ArgumentsHost, BadRequestException, HttpException, HttpStatus, Logger, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import * as bodyParser from 'body-parser';
import type { Request, Response } from 'express';
import { PassThrough } from 'node:stream';
import { AllExceptionsFilter, errorResponse, JsonTooDeepError, sendError } from './all-exceptions.filter';
import { ApiError } from './api-error';

/** The error body-parser itself raises for a JSON body (as app.setup.ts installs it). */
function bodyParserError(body: string, limit?: number): Promise<unknown> {
  return new Promise((resolve) => {
    const req = Object.assign(new PassThrough(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    });
    bodyParser.json(limit === undefined ? {} : { limit })(req as unknown as Request, {} as Response, (error?: unknown) => resolve(error));
    req.end(body);
  });
}

function fakeResponse(headersSent = false): Response & { status: jest.Mock; json: jest.Mock } {
  const response = { headersSent, status: jest.fn(), json: jest.fn() };
  response.status.mockReturnValue(response);
  response.json.mockReturnValue(response);
  return response as unknown as Response & { status: jest.Mock; json: jest.Mock };
}

const request = { id: 'req-42' } as unknown as Request;

describe('errorResponse', () => {
  it('passes an ApiError\'s body and status as they are, with its reason for the log', () => {
    const body = { error: 'Queue is full: 3 jobs waiting (MAX_QUEUE_LENGTH 3)', queue_length: 3, max_queue_length: 3 };
    expect(errorResponse(new ApiError(429, body))).toEqual({ status: 429, body, reason: undefined });
    expect(errorResponse(new ApiError(500, { error: 'The job failed: x', job_id: 'j' }, 'x'))).toEqual({ status: 500, body: { error: 'The job failed: x', job_id: 'j' }, reason: 'x' });
  });

  it('flattens an HttpException\'s message into `error`: a string, a list joined with "; ", or the exception\'s own message', () => {
    expect(errorResponse(new NotFoundException('Job not found'))).toEqual({ status: 404, body: { error: 'Job not found' } });
    expect(errorResponse(new BadRequestException(['code must be a string', 'timeout must not be greater than 300']))).toEqual({
      status: 400,
      body: { error: 'code must be a string; timeout must not be greater than 300' },
    });
    expect(errorResponse(new HttpException('plain string', HttpStatus.CONFLICT))).toEqual({ status: 409, body: { error: 'plain string' } });
    expect(errorResponse(new HttpException({ reason: 'no message field' }, HttpStatus.FORBIDDEN))).toEqual({ status: 403, body: { error: 'Http Exception' } });
    expect(errorResponse(new PayloadTooLargeException())).toEqual({ status: 413, body: { error: 'Payload Too Large' } });
  });

  it('maps body-parser\'s errors: too large is 413 "Request body too large", malformed JSON is 400', async () => {
    const tooLarge = await bodyParserError(JSON.stringify({ code: 'x'.repeat(200) }), 16);
    expect(errorResponse(tooLarge)).toEqual({ status: 413, body: { error: 'Request body too large' } });
    const malformed = await bodyParserError('{"code": ');
    expect(errorResponse(malformed)).toEqual({ status: 400, body: { error: 'Malformed JSON in request body' } });
  });

  it('maps a body nested too deep (thrown from the verify hook) to 400 with details', () => {
    const problem = 'JSON nested deeper than 64 levels';
    expect(errorResponse(new JsonTooDeepError(problem))).toEqual({ status: 400, body: { error: `Invalid request: ${problem}`, details: [problem] } });
  });

  it('names an unknown body-parser error type generically, and treats a 5xx "body-parser" error as unexpected', () => {
    expect(errorResponse({ status: 400, type: 'something.new' })).toEqual({ status: 400, body: { error: 'Unreadable request body' } });
    expect(errorResponse({ status: 500, type: 'stream.not.readable' })).toMatchObject({ status: 500, body: { error: 'Internal server error' } });
  });

  it('answers anything else with 500 "Internal server error", keeping the stack only as the reason', () => {
    const error = new TypeError('cannot read properties of undefined');
    const mapped = errorResponse(error);
    expect(mapped).toEqual({ status: 500, body: { error: 'Internal server error' }, reason: error.stack });
    expect(JSON.stringify(mapped.body)).not.toContain('undefined');
    expect(errorResponse('a thrown string')).toEqual({ status: 500, body: { error: 'Internal server error' }, reason: 'a thrown string' });
  });
});

describe('sendError', () => {
  let logged: jest.SpyInstance;
  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logged.mockRestore());

  it('sends the status and body', () => {
    const response = fakeResponse();
    sendError(request, response, new ApiError(400, { error: 'Invalid request: x', details: ['x'] }));
    expect(response.status).toHaveBeenCalledWith(400);
    expect(response.json).toHaveBeenCalledWith({ error: 'Invalid request: x', details: ['x'] });
  });

  it('logs an unknown error once, with the request id, and sends no detail of it', () => {
    const response = fakeResponse();
    const error = new Error('secret internals');
    sendError(request, response, error);
    expect(response.status).toHaveBeenCalledWith(500);
    expect(response.json).toHaveBeenCalledWith({ error: 'Internal server error' });
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0][0]).toEqual({ requestId: 'req-42', jobId: undefined, status: 500, error: 'Internal server error', reason: error.stack });
  });

  it('logs a 5xx ApiError once with its job id and reason', () => {
    sendError(request, fakeResponse(), new ApiError(500, { error: 'The job did not report a result', job_id: 'job-9' }, 'stalled'));
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0][0]).toMatchObject({ requestId: 'req-42', jobId: 'job-9', status: 500, error: 'The job did not report a result', reason: 'stalled' });
    sendError(request, fakeResponse(), new ApiError(503, { error: 'No worker started the job within 5 seconds', job_id: 'job-10' }));
    expect(logged).toHaveBeenCalledTimes(2);
    expect(logged.mock.calls[1][0]).toMatchObject({ jobId: 'job-10', status: 503 });
  });

  it('does not log a 4xx', async () => {
    sendError(request, fakeResponse(), new ApiError(429, { error: 'Queue is full' }));
    sendError(request, fakeResponse(), new NotFoundException());
    sendError(request, fakeResponse(), await bodyParserError('{', undefined));
    expect(logged).not.toHaveBeenCalled();
  });

  it('sends nothing once the headers are out, but still logs the 5xx', () => {
    const response = fakeResponse(true);
    sendError(request, response, new Error('after the headers'));
    expect(response.status).not.toHaveBeenCalled();
    expect(response.json).not.toHaveBeenCalled();
    expect(logged).toHaveBeenCalledTimes(1);
  });

  it('is what the global filter calls', () => {
    const response = fakeResponse();
    const host = { switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }) } as unknown as ArgumentsHost;
    new AllExceptionsFilter().catch(new Error('boom'), host);
    expect(response.status).toHaveBeenCalledWith(500);
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0][0]).toMatchObject({ requestId: 'req-42' });
  });
});
