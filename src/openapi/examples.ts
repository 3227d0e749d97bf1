/**
 * Request and response examples of the OpenAPI document. The first request example is what
 * Swagger UI pre-fills: the seed's example without `webhook_url`, so "Try it out" → "Execute"
 * answers 200 with `Hello, World!` at once. The seed's full example (with the webhook) follows.
 */

const JOB_ID = '6f1c2a9e-8d4b-4a51-9a1e-3c2f0b7d5e10';

const RATE_LIMITED = {
  summary: 'Rate limit of the key',
  value: { error: 'Rate limit exceeded: too many requests for this API key' },
};

/** The original example body of this endpoint (from the service pyexec replaces), exactly. */
export const SEED_REQUEST = {
  code: "print('Hello, World!')",
  timeout: 10,
  webhook_url: 'https://example.com/webhook',
  id: 'request-123',
};

/** The seed's example answered synchronously: the same body without `webhook_url`. */
export const HELLO_REQUEST = { code: SEED_REQUEST.code, timeout: SEED_REQUEST.timeout, id: SEED_REQUEST.id };

export const EXECUTE_REQUEST_EXAMPLES = {
  hello: {
    summary: "The seed's example, answered at once (200)",
    description: 'Without `webhook_url` the call waits for the run and answers its result.',
    value: HELLO_REQUEST,
  },
  seed: {
    summary: "The seed's example with its webhook (202)",
    description: 'With `webhook_url` the call answers 202 at once and POSTs the result to the URL when the job ends.',
    value: SEED_REQUEST,
  },
  return_value: {
    summary: 'A return value, stdin and env',
    value: {
      code: 'import os\nname = input()\nreturn {"hello": name, "lang": os.environ["LANG_CHOICE"]}',
      stdin: 'Ada\n',
      env: [{ name: 'LANG_CHOICE', value: 'fr' }],
    },
  },
  csv_chart: {
    summary: 'A CSV in, pandas, a chart out',
    description:
      'Uploads `sales.csv` (base64), sums it by region with pandas and plots the sums; the chart comes back in `files` as `figure-1.png`, and `totals.csv`, written by the program, comes back too.',
    value: {
      code: [
        'import pandas as pd',
        'import matplotlib.pyplot as plt',
        'totals = pd.read_csv("sales.csv").groupby("region")["amount"].sum()',
        'totals.to_csv("totals.csv")',
        'totals.plot.bar(title="Sales by region")',
        'plt.show()',
        'return totals.to_dict()',
      ].join('\n'),
      files: [{ path: 'sales.csv', content: 'cmVnaW9uLGFtb3VudApub3J0aCwxMApzb3V0aCwzMgpub3J0aCw1Cg==' }],
      limits: { memory_mb: 512 },
    },
  },
  exception: { summary: 'An exception (400)', value: { code: 'print("before")\nraise ValueError("boom")' } },
  timeout: { summary: 'An endless loop (408)', value: { code: 'while True:\n    pass', timeout: 1 } },
};

export const EXECUTE_RESPONSE_EXAMPLES = {
  200: {
    hello: {
      summary: "The seed's example",
      value: {
        result: null,
        stdout: 'Hello, World!\n',
        stderr: '',
        exit_code: 0,
        files: [],
        job_id: JOB_ID,
        id: 'request-123',
        run_time: 0.038,
        queue_time: 0.002,
        total_time: 0.041,
      },
    },
    return_value: {
      summary: 'A return value',
      value: {
        result: { hello: 'Ada', lang: 'fr' },
        stdout: '',
        stderr: '',
        exit_code: 0,
        files: [],
        job_id: JOB_ID,
        run_time: 0.021,
        queue_time: 0.001,
        total_time: 0.023,
      },
    },
    csv_chart: {
      summary: 'Files and a figure',
      value: {
        result: { north: 15, south: 32 },
        stdout: '',
        stderr: '',
        exit_code: 0,
        files: [
          { path: 'totals.csv', size: 32, mime_type: 'text/csv', content: 'cmVnaW9uLGFtb3VudApub3J0aCwxNQpzb3V0aCwzMgo=' },
          { path: 'figure-1.png', size: 16384, mime_type: 'image/png', content: 'iVBORw0KGgoAAAANSUhEUgAA' },
        ],
        job_id: JOB_ID,
        run_time: 0.912,
        queue_time: 0.001,
        total_time: 0.915,
      },
    },
  },
  202: {
    seed: {
      summary: "The seed's example with its webhook",
      value: { job_id: JOB_ID, id: 'request-123', message: 'processing', queue_length: 1, max_queue_length: null },
    },
  },
  400: {
    exception: {
      summary: 'The code raised',
      value: {
        error: 'ValueError: boom',
        stdout: 'before\n',
        stderr: 'Traceback (most recent call last):\n  File "<code>", line 2, in <module>\nValueError: boom\n',
        exit_code: 1,
        files: [],
        job_id: JOB_ID,
      },
    },
    over_cap: {
      summary: 'A limit above its cap',
      value: {
        error: 'Invalid request: limits.memory_mb 4096 is above SANDBOX_MEMORY_MB_CAP (1024)',
        details: ['limits.memory_mb 4096 is above SANDBOX_MEMORY_MB_CAP (1024)'],
      },
    },
    invalid: {
      summary: 'Invalid request',
      value: {
        error: 'Invalid request: timeout must not be greater than 300',
        details: ['timeout must not be greater than 300'],
      },
    },
    bad_idempotency_key: {
      summary: 'An Idempotency-Key that is not 1 to 255 printable ASCII characters',
      value: { error: 'Invalid Idempotency-Key header: it must be 1 to 255 printable ASCII characters' },
    },
  },
  401: { missing: { summary: 'No key', value: { error: 'Missing API key (header x-api-key)' } } },
  408: {
    timeout: {
      summary: 'Wall time exceeded',
      value: { error: 'Execution timed out after 1 seconds', stdout: '', stderr: '', job_id: JOB_ID },
    },
  },
  413: { too_large: { summary: 'Body too large', value: { error: 'Request body too large' } } },
  422: {
    key_reused: {
      summary: 'An Idempotency-Key used before with a different request',
      value: { error: 'This Idempotency-Key was already used with a different request' },
    },
  },
  429: {
    queue_full: {
      summary: 'Queue full',
      value: { error: 'Queue is full: 100 jobs waiting (MAX_QUEUE_LENGTH 100)', queue_length: 100, max_queue_length: 100 },
    },
    key_jobs_limit: {
      summary: 'This API key has MAX_JOBS_PER_KEY jobs in flight',
      value: { error: 'Too many jobs in flight for this API key: 4 (MAX_JOBS_PER_KEY 4)', jobs_in_flight: 4, max_jobs_per_key: 4 },
    },
    storage_budget: {
      summary: "This API key's stored results hold MAX_STORED_BYTES_PER_KEY",
      value: {
        error: "Storage budget exceeded: this API key's results hold 268500000 bytes (MAX_STORED_BYTES_PER_KEY 268435456); they expire JOB_TTL_SECONDS after their jobs ended",
        stored_bytes: 268500000,
        max_stored_bytes: 268435456,
      },
    },
    rate_limit: RATE_LIMITED,
  },
  500: {
    unparsable: {
      summary: 'Exit status 0 without a result record',
      value: { error: 'Failed to parse execution result', stdout: '', stderr: '', exit_code: 0, job_id: JOB_ID },
    },
    sandbox: { summary: 'The sandbox failed', value: { error: 'The sandbox failed to run the program', job_id: JOB_ID } },
  },
  503: {
    redis: { summary: 'Redis unreachable', value: { error: 'Queue unavailable: Redis is not reachable' } },
    redis_full: { summary: 'Redis full (maxmemory)', value: { error: 'Queue unavailable: Redis is full (maxmemory reached); try again later' } },
    no_worker: {
      summary: 'No worker started the job in time',
      value: { error: 'No worker started the job within 300 seconds', job_id: JOB_ID },
    },
    lost: {
      summary: 'The job vanished from Redis',
      value: {
        error: 'The job was lost: its record is gone from Redis (Redis restarted without persistence, or its keys were deleted); send the request again',
        job_id: JOB_ID,
      },
    },
  },
};

export const JOB_RESPONSE_EXAMPLES = {
  200: {
    completed: {
      summary: 'An asynchronous job whose webhook was delivered',
      value: {
        job_id: JOB_ID,
        id: 'request-123',
        status: 'completed',
        code: 200,
        response: {
          result: null,
          stdout: 'Hello, World!\n',
          stderr: '',
          exit_code: 0,
          files: [],
          job_id: JOB_ID,
          id: 'request-123',
          run_time: 0.038,
          queue_time: 0.002,
          total_time: 0.041,
        },
        webhook: { status: 'delivered', attempts: 1 },
        created_at: '2026-11-28T19:20:01.120Z',
        started_at: '2026-11-28T19:20:01.122Z',
        finished_at: '2026-11-28T19:20:01.160Z',
      },
    },
    retrying: {
      summary: 'An asynchronous job whose receiver is down: a retry is scheduled',
      value: {
        job_id: JOB_ID,
        id: 'request-123',
        status: 'completed',
        code: 200,
        response: {
          result: null,
          stdout: 'Hello, World!\n',
          stderr: '',
          exit_code: 0,
          files: [],
          job_id: JOB_ID,
          id: 'request-123',
          run_time: 0.038,
          queue_time: 0.002,
          total_time: 0.041,
        },
        webhook: { status: 'pending', attempts: 3, last_error: 'receiver answered 503', next_attempt_at: '2026-11-28T19:20:09.160Z' },
        created_at: '2026-11-28T19:20:01.120Z',
        started_at: '2026-11-28T19:20:01.122Z',
        finished_at: '2026-11-28T19:20:01.160Z',
      },
    },
    queued: {
      summary: 'A job waiting for a worker',
      value: { job_id: JOB_ID, id: null, status: 'queued', created_at: '2026-11-28T19:20:01.120Z' },
    },
  },
  401: { invalid: { summary: 'Unknown key', value: { error: 'Invalid API key' } } },
  429: { rate_limit: RATE_LIMITED },
  503: { redis: { summary: 'Redis unreachable', value: { error: 'Queue unavailable: Redis is not reachable' } } },
  404: { unknown: { summary: 'Unknown job, or one submitted with another key', value: { error: `Job ${JOB_ID} not found` } } },
};

export const WEBHOOK_REDELIVERY_EXAMPLES = {
  202: { redelivering: { summary: 'A new attempt series is queued', value: { job_id: JOB_ID, message: 'redelivering' } } },
  401: JOB_RESPONSE_EXAMPLES[401],
  404: JOB_RESPONSE_EXAMPLES[404],
  409: {
    no_webhook: { summary: 'The job was submitted without a webhook_url', value: { error: `Job ${JOB_ID} was submitted without a webhook_url` } },
    not_finished: { summary: 'The job is queued or running', value: { error: `Job ${JOB_ID} has not finished yet` } },
    pending: { summary: 'A delivery is under way', value: { error: `The webhook of job ${JOB_ID} is being delivered: see its status` } },
  },
  429: JOB_RESPONSE_EXAMPLES[429],
  503: JOB_RESPONSE_EXAMPLES[503],
};
