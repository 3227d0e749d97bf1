"""Contains all the data models used in inputs/outputs"""

from .env_var import EnvVar
from .error_response import ErrorResponse
from .execute_accepted import ExecuteAccepted
from .execute_accepted_message import ExecuteAcceptedMessage
from .execute_request import ExecuteRequest
from .execute_result import ExecuteResult
from .execution_error import ExecutionError
from .execution_timeout import ExecutionTimeout
from .job_error import JobError
from .job_status import JobStatus
from .job_status_status import JobStatusStatus
from .queue_full import QueueFull
from .request_error import RequestError
from .webhook_state import WebhookState
from .webhook_state_status import WebhookStateStatus

__all__ = (
    "EnvVar",
    "ErrorResponse",
    "ExecuteAccepted",
    "ExecuteAcceptedMessage",
    "ExecuteRequest",
    "ExecuteResult",
    "ExecutionError",
    "ExecutionTimeout",
    "JobError",
    "JobStatus",
    "JobStatusStatus",
    "QueueFull",
    "RequestError",
    "WebhookState",
    "WebhookStateStatus",
)
