from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.execute_accepted import ExecuteAccepted
from ...models.execute_request import ExecuteRequest
from ...models.execute_result import ExecuteResult
from ...models.execution_error import ExecutionError
from ...models.execution_timeout import ExecutionTimeout
from ...models.job_error import JobError
from ...models.key_jobs_limit import KeyJobsLimit
from ...models.queue_full import QueueFull
from ...models.request_error import RequestError
from ...models.storage_budget import StorageBudget
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: ExecuteRequest,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/code/execute/python",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> (
    ErrorResponse
    | ErrorResponse
    | KeyJobsLimit
    | QueueFull
    | StorageBudget
    | ExecuteAccepted
    | ExecuteResult
    | ExecutionError
    | JobError
    | ExecutionError
    | RequestError
    | ExecutionTimeout
    | JobError
    | None
):
    if response.status_code == 200:
        response_200 = ExecuteResult.from_dict(response.json())

        return response_200

    if response.status_code == 202:
        response_202 = ExecuteAccepted.from_dict(response.json())

        return response_202

    if response.status_code == 400:

        def _parse_response_400(data: object) -> ExecutionError | RequestError:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_400_type_0 = ExecutionError.from_dict(data)

                return response_400_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            response_400_type_1 = RequestError.from_dict(data)

            return response_400_type_1

        response_400 = _parse_response_400(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 408:
        response_408 = ExecutionTimeout.from_dict(response.json())

        return response_408

    if response.status_code == 413:
        response_413 = ErrorResponse.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = ErrorResponse.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = ErrorResponse.from_dict(response.json())

        return response_422

    if response.status_code == 429:

        def _parse_response_429(data: object) -> ErrorResponse | KeyJobsLimit | QueueFull | StorageBudget:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_429_type_0 = QueueFull.from_dict(data)

                return response_429_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_429_type_1 = KeyJobsLimit.from_dict(data)

                return response_429_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_429_type_2 = StorageBudget.from_dict(data)

                return response_429_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            response_429_type_3 = ErrorResponse.from_dict(data)

            return response_429_type_3

        response_429 = _parse_response_429(response.json())

        return response_429

    if response.status_code == 500:

        def _parse_response_500(data: object) -> ExecutionError | JobError:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_500_type_0 = ExecutionError.from_dict(data)

                return response_500_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            response_500_type_1 = JobError.from_dict(data)

            return response_500_type_1

        response_500 = _parse_response_500(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = JobError.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[
    ErrorResponse
    | ErrorResponse
    | KeyJobsLimit
    | QueueFull
    | StorageBudget
    | ExecuteAccepted
    | ExecuteResult
    | ExecutionError
    | JobError
    | ExecutionError
    | RequestError
    | ExecutionTimeout
    | JobError
]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: ExecuteRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[
    ErrorResponse
    | ErrorResponse
    | KeyJobsLimit
    | QueueFull
    | StorageBudget
    | ExecuteAccepted
    | ExecuteResult
    | ExecutionError
    | JobError
    | ExecutionError
    | RequestError
    | ExecutionTimeout
    | JobError
]:
    """Run Python code

     Runs `code` in a fresh sandbox. `code` is the body of a function: a top-level
    `return` sets `result`.

    Without `webhook_url` the call waits for the run: **200** when the program finished with exit status
    0,
    **400** when it raised, exited non-zero, was killed or hit a limit, **408** when `timeout` ran out.
    With `webhook_url` it answers **202** at once and POSTs `{endpoint, code, id, job_id, response,
    message,
    run_time, queue_time, total_time}` to the URL when the job ends, where `code` and `response` are the
    status and body the synchronous call would have given.

    With an `Idempotency-Key` header, a repeat of the same request with the same key (per API key, for
    `JOB_TTL_SECONDS`) gets the same job instead of a new run: the same `job_id` in its 202, or the same
    answer (waiting for it if needed), with `Idempotent-Replayed: true`; the same key with a different
    request is **422**.

    Unknown fields and `null` values are rejected (400). A `webhook_url` whose host is or resolves to a
    loopback, private,
    link-local or metadata address is refused (400) unless the server allows private hosts.

    Args:
        idempotency_key (str | Unset):  Example: order-42-attempt.
        body (ExecuteRequest): Python code to run, and how. Unknown fields are rejected (400).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | ErrorResponse | KeyJobsLimit | QueueFull | StorageBudget | ExecuteAccepted | ExecuteResult | ExecutionError | JobError | ExecutionError | RequestError | ExecutionTimeout | JobError]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: ExecuteRequest,
    idempotency_key: str | Unset = UNSET,
) -> (
    ErrorResponse
    | ErrorResponse
    | KeyJobsLimit
    | QueueFull
    | StorageBudget
    | ExecuteAccepted
    | ExecuteResult
    | ExecutionError
    | JobError
    | ExecutionError
    | RequestError
    | ExecutionTimeout
    | JobError
    | None
):
    """Run Python code

     Runs `code` in a fresh sandbox. `code` is the body of a function: a top-level
    `return` sets `result`.

    Without `webhook_url` the call waits for the run: **200** when the program finished with exit status
    0,
    **400** when it raised, exited non-zero, was killed or hit a limit, **408** when `timeout` ran out.
    With `webhook_url` it answers **202** at once and POSTs `{endpoint, code, id, job_id, response,
    message,
    run_time, queue_time, total_time}` to the URL when the job ends, where `code` and `response` are the
    status and body the synchronous call would have given.

    With an `Idempotency-Key` header, a repeat of the same request with the same key (per API key, for
    `JOB_TTL_SECONDS`) gets the same job instead of a new run: the same `job_id` in its 202, or the same
    answer (waiting for it if needed), with `Idempotent-Replayed: true`; the same key with a different
    request is **422**.

    Unknown fields and `null` values are rejected (400). A `webhook_url` whose host is or resolves to a
    loopback, private,
    link-local or metadata address is refused (400) unless the server allows private hosts.

    Args:
        idempotency_key (str | Unset):  Example: order-42-attempt.
        body (ExecuteRequest): Python code to run, and how. Unknown fields are rejected (400).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | ErrorResponse | KeyJobsLimit | QueueFull | StorageBudget | ExecuteAccepted | ExecuteResult | ExecutionError | JobError | ExecutionError | RequestError | ExecutionTimeout | JobError
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: ExecuteRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[
    ErrorResponse
    | ErrorResponse
    | KeyJobsLimit
    | QueueFull
    | StorageBudget
    | ExecuteAccepted
    | ExecuteResult
    | ExecutionError
    | JobError
    | ExecutionError
    | RequestError
    | ExecutionTimeout
    | JobError
]:
    """Run Python code

     Runs `code` in a fresh sandbox. `code` is the body of a function: a top-level
    `return` sets `result`.

    Without `webhook_url` the call waits for the run: **200** when the program finished with exit status
    0,
    **400** when it raised, exited non-zero, was killed or hit a limit, **408** when `timeout` ran out.
    With `webhook_url` it answers **202** at once and POSTs `{endpoint, code, id, job_id, response,
    message,
    run_time, queue_time, total_time}` to the URL when the job ends, where `code` and `response` are the
    status and body the synchronous call would have given.

    With an `Idempotency-Key` header, a repeat of the same request with the same key (per API key, for
    `JOB_TTL_SECONDS`) gets the same job instead of a new run: the same `job_id` in its 202, or the same
    answer (waiting for it if needed), with `Idempotent-Replayed: true`; the same key with a different
    request is **422**.

    Unknown fields and `null` values are rejected (400). A `webhook_url` whose host is or resolves to a
    loopback, private,
    link-local or metadata address is refused (400) unless the server allows private hosts.

    Args:
        idempotency_key (str | Unset):  Example: order-42-attempt.
        body (ExecuteRequest): Python code to run, and how. Unknown fields are rejected (400).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | ErrorResponse | KeyJobsLimit | QueueFull | StorageBudget | ExecuteAccepted | ExecuteResult | ExecutionError | JobError | ExecutionError | RequestError | ExecutionTimeout | JobError]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: ExecuteRequest,
    idempotency_key: str | Unset = UNSET,
) -> (
    ErrorResponse
    | ErrorResponse
    | KeyJobsLimit
    | QueueFull
    | StorageBudget
    | ExecuteAccepted
    | ExecuteResult
    | ExecutionError
    | JobError
    | ExecutionError
    | RequestError
    | ExecutionTimeout
    | JobError
    | None
):
    """Run Python code

     Runs `code` in a fresh sandbox. `code` is the body of a function: a top-level
    `return` sets `result`.

    Without `webhook_url` the call waits for the run: **200** when the program finished with exit status
    0,
    **400** when it raised, exited non-zero, was killed or hit a limit, **408** when `timeout` ran out.
    With `webhook_url` it answers **202** at once and POSTs `{endpoint, code, id, job_id, response,
    message,
    run_time, queue_time, total_time}` to the URL when the job ends, where `code` and `response` are the
    status and body the synchronous call would have given.

    With an `Idempotency-Key` header, a repeat of the same request with the same key (per API key, for
    `JOB_TTL_SECONDS`) gets the same job instead of a new run: the same `job_id` in its 202, or the same
    answer (waiting for it if needed), with `Idempotent-Replayed: true`; the same key with a different
    request is **422**.

    Unknown fields and `null` values are rejected (400). A `webhook_url` whose host is or resolves to a
    loopback, private,
    link-local or metadata address is refused (400) unless the server allows private hosts.

    Args:
        idempotency_key (str | Unset):  Example: order-42-attempt.
        body (ExecuteRequest): Python code to run, and how. Unknown fields are rejected (400).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | ErrorResponse | KeyJobsLimit | QueueFull | StorageBudget | ExecuteAccepted | ExecuteResult | ExecutionError | JobError | ExecutionError | RequestError | ExecutionTimeout | JobError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
