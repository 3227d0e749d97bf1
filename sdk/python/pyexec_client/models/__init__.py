"""Contains all the data models used in inputs/outputs"""

from .env_var import EnvVar
from .error_response import ErrorResponse
from .execute_accepted import ExecuteAccepted
from .execute_accepted_message import ExecuteAcceptedMessage
from .execute_request import ExecuteRequest
from .execute_result import ExecuteResult
from .execution_error import ExecutionError
from .execution_timeout import ExecutionTimeout
from .input_file import InputFile
from .job_error import JobError
from .job_status import JobStatus
from .job_status_status import JobStatusStatus
from .key_jobs_limit import KeyJobsLimit
from .output_file import OutputFile
from .queue_full import QueueFull
from .request_error import RequestError
from .run_limits import RunLimits
from .runtime import Runtime
from .runtime_files import RuntimeFiles
from .runtime_limit_values import RuntimeLimitValues
from .runtime_limits import RuntimeLimits
from .runtime_network import RuntimeNetwork
from .runtime_package import RuntimePackage
from .runtime_python import RuntimePython
from .storage_budget import StorageBudget
from .webhook_redelivery import WebhookRedelivery
from .webhook_redelivery_message import WebhookRedeliveryMessage
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
    "InputFile",
    "JobError",
    "JobStatus",
    "JobStatusStatus",
    "KeyJobsLimit",
    "OutputFile",
    "QueueFull",
    "RequestError",
    "RunLimits",
    "Runtime",
    "RuntimeFiles",
    "RuntimeLimits",
    "RuntimeLimitValues",
    "RuntimeNetwork",
    "RuntimePackage",
    "RuntimePython",
    "StorageBudget",
    "WebhookRedelivery",
    "WebhookRedeliveryMessage",
    "WebhookState",
    "WebhookStateStatus",
)
