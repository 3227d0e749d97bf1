"""Drives a live pyexec through the generated Python client (sdk/python, openapi-python-client).

Usage: PYEXEC_URL=http://127.0.0.1:PORT PYEXEC_API_KEY=... python python_client_check.py CASE
Run by test/sdk-python.e2e-spec.ts with the SDK venv's interpreter and PYTHONPATH=sdk/python.
Every answer is read through the client's own typed objects (Response.parsed). Exits non-zero,
with the reason on stderr, when a check fails.
"""

import base64
import os
import sys

import httpx
from pyexec_client import AuthenticatedClient
from pyexec_client.api.execution import execute_python
from pyexec_client.api.jobs import get_job
from pyexec_client.api.runtime import get_runtime
from pyexec_client.models import (
    EnvVar,
    InputFile,
    RunLimits,
    Runtime,
    ExecuteRequest,
    ExecuteResult,
    ExecutionError,
    ExecutionTimeout,
    JobStatus,
    JobStatusStatus,
    RequestError,
)
from pyexec_client.types import UNSET


def client() -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=os.environ["PYEXEC_URL"],
        token=os.environ["PYEXEC_API_KEY"],
        prefix="",
        auth_header_name="x-api-key",
        timeout=httpx.Timeout(30.0),
        raise_on_unexpected_status=True,
    )


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def hello() -> None:
    """The seed's example without its webhook: 200, Hello, World!; then the job it left."""
    with client() as api:
        answer = execute_python.sync_detailed(
            client=api, body=ExecuteRequest(code="print('Hello, World!')", timeout=10, id="request-123")
        )
        check(answer.status_code == 200, f"status {answer.status_code}: {answer.content!r}")
        result = answer.parsed
        check(isinstance(result, ExecuteResult), f"parsed as {type(result).__name__}")
        check(result.stdout == "Hello, World!\n", f"stdout {result.stdout!r}")
        check(result.result is None, f"result {result.result!r}")
        check(result.exit_code == 0 and result.id == "request-123", f"{result!r}")
        check(isinstance(result.run_time, float) or isinstance(result.run_time, int), "run_time")

        job = get_job.sync_detailed(client=api, job_id=result.job_id)
        check(job.status_code == 200, f"job status {job.status_code}")
        check(isinstance(job.parsed, JobStatus), f"job parsed as {type(job.parsed).__name__}")
        check(job.parsed.status == JobStatusStatus.COMPLETED, f"job {job.parsed.status!r}")
        check(job.parsed.id == "request-123" and job.parsed.code == 200, f"job {job.parsed!r}")
        check(isinstance(job.parsed.response, ExecuteResult), f"job response {type(job.parsed.response).__name__}")


def return_value() -> None:
    with client() as api:
        answer = execute_python.sync_detailed(
            client=api,
            body=ExecuteRequest(
                code='import os\nreturn {"sum": 6 * 7, "lang": os.environ["LANG_CHOICE"], "line": input()}',
                stdin="Ada\n",
                env=[EnvVar(name="LANG_CHOICE", value="fr")],
            ),
        )
        check(answer.status_code == 200, f"status {answer.status_code}: {answer.content!r}")
        check(isinstance(answer.parsed, ExecuteResult), f"parsed as {type(answer.parsed).__name__}")
        check(answer.parsed.result == {"sum": 42, "lang": "fr", "line": "Ada"}, f"result {answer.parsed.result!r}")
        check(answer.parsed.id is UNSET, "no id was sent, none is echoed")


def bad_input() -> None:
    with client() as api:
        answer = execute_python.sync_detailed(client=api, body=ExecuteRequest(code="print(1)", timeout=301))
        check(answer.status_code == 400, f"status {answer.status_code}")
        refused = answer.parsed
        check(isinstance(refused, RequestError), f"parsed as {type(refused).__name__}")
        check(refused.error.startswith("Invalid request: "), refused.error)
        check("timeout must not be greater than 300" in refused.details, f"details {refused.details!r}")


def exception() -> None:
    with client() as api:
        answer = execute_python.sync_detailed(client=api, body=ExecuteRequest(code='raise ValueError("boom")'))
        check(answer.status_code == 400, f"status {answer.status_code}")
        failed = answer.parsed
        check(isinstance(failed, ExecutionError), f"parsed as {type(failed).__name__}")
        check(failed.error == "ValueError: boom" and failed.exit_code == 1, f"{failed!r}")


def timeout() -> None:
    with client() as api:
        answer = execute_python.sync_detailed(
            client=api, body=ExecuteRequest(code='print("started", flush=True)\nwhile True:\n    pass', timeout=1)
        )
        check(answer.status_code == 408, f"status {answer.status_code}")
        timed_out = answer.parsed
        check(isinstance(timed_out, ExecutionTimeout), f"parsed as {type(timed_out).__name__}")
        check(timed_out.error == "Execution timed out after 1 seconds", timed_out.error)
        check(timed_out.stdout == "started\n", f"stdout {timed_out.stdout!r}")


def files_and_runtime() -> None:
    with client() as api:
        runtime = get_runtime.sync_detailed(client=api)
        check(isinstance(runtime.parsed, Runtime), f"runtime parsed as {type(runtime.parsed).__name__}")
        check("pandas" in [p.name for p in runtime.parsed.packages], "pandas is listed")
        code = 'import pandas as pd\nt = pd.read_csv("in.csv")["n"].sum()\nopen("out.txt", "w").write(str(t))\nreturn int(t)'
        answer = execute_python.sync_detailed(
            client=api,
            body=ExecuteRequest(
                code=code,
                timeout=60,
                files=[InputFile(path="in.csv", content=base64.b64encode(b"n\n1\n2\n").decode())],
                limits=RunLimits(memory_mb=runtime.parsed.limits.maximum.memory_mb),
            ),
        )
        check(answer.status_code == 200, f"status {answer.status_code}: {answer.content!r}")
        result = answer.parsed
        check(isinstance(result, ExecuteResult) and result.result == 3, f"{result!r}")
        check([(f.path, base64.b64decode(f.content)) for f in result.files] == [("out.txt", b"3")], f"files {result.files!r}")


CASES = {case.__name__: case for case in (hello, return_value, bad_input, exception, timeout, files_and_runtime)}

if __name__ == "__main__":
    CASES[sys.argv[1]]()
    print(f"ok {sys.argv[1]}")
