from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status_status import JobStatusStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.execute_result import ExecuteResult
    from ..models.execution_error import ExecutionError
    from ..models.execution_timeout import ExecutionTimeout
    from ..models.job_error import JobError
    from ..models.webhook_state import WebhookState


T = TypeVar("T", bound="JobStatus")


@_attrs_define
class JobStatus:
    """A job, synchronous or not.

    Attributes:
        job_id (str): The job. Example: 6f1c2a9e-8d4b-4a51-9a1e-3c2f0b7d5e10.
        id (None | str): The request's `id`; `null` when it had none. Example: request-123.
        status (JobStatusStatus): `queued` (waiting for a worker), `running`, `completed` (the code ran, whatever its
            outcome: see `code` and `response`) or `failed` (the worker itself failed). Example: completed.
        created_at (datetime.datetime): When the job was submitted. Example: 2026-11-28T19:20:01.120Z.
        code (int | Unset): Once completed: the HTTP status the synchronous call answered (200, 400, 408 or 500).
            Example: 200.
        response (ExecuteResult | ExecutionError | ExecutionTimeout | JobError | Unset): Once completed: the body the
            synchronous call answered, with the same schema as that status of executePython.
        webhook (WebhookState | Unset): Delivery state of a job's webhook.
        started_at (datetime.datetime | Unset): When a worker started it. Example: 2026-11-28T19:20:01.122Z.
        finished_at (datetime.datetime | Unset): When it ended. Example: 2026-11-28T19:20:01.160Z.
    """

    job_id: str
    id: None | str
    status: JobStatusStatus
    created_at: datetime.datetime
    code: int | Unset = UNSET
    response: ExecuteResult | ExecutionError | ExecutionTimeout | JobError | Unset = UNSET
    webhook: WebhookState | Unset = UNSET
    started_at: datetime.datetime | Unset = UNSET
    finished_at: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.execute_result import ExecuteResult  # noqa: PLC0415
        from ..models.execution_error import ExecutionError  # noqa: PLC0415
        from ..models.execution_timeout import ExecutionTimeout  # noqa: PLC0415

        job_id = self.job_id

        id: None | str
        id = self.id

        status = self.status.value

        created_at = self.created_at.isoformat()

        code = self.code

        response: dict[str, Any] | Unset
        if isinstance(self.response, Unset):
            response = UNSET
        elif isinstance(self.response, ExecuteResult):
            response = self.response.to_dict()
        elif isinstance(self.response, ExecutionError):
            response = self.response.to_dict()
        elif isinstance(self.response, ExecutionTimeout):
            response = self.response.to_dict()
        else:
            response = self.response.to_dict()

        webhook: dict[str, Any] | Unset = UNSET
        if not isinstance(self.webhook, Unset):
            webhook = self.webhook.to_dict()

        started_at: str | Unset = UNSET
        if not isinstance(self.started_at, Unset):
            started_at = self.started_at.isoformat()

        finished_at: str | Unset = UNSET
        if not isinstance(self.finished_at, Unset):
            finished_at = self.finished_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "job_id": job_id,
                "id": id,
                "status": status,
                "created_at": created_at,
            }
        )
        if code is not UNSET:
            field_dict["code"] = code
        if response is not UNSET:
            field_dict["response"] = response
        if webhook is not UNSET:
            field_dict["webhook"] = webhook
        if started_at is not UNSET:
            field_dict["started_at"] = started_at
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.execute_result import ExecuteResult  # noqa: PLC0415
        from ..models.execution_error import ExecutionError  # noqa: PLC0415
        from ..models.execution_timeout import ExecutionTimeout  # noqa: PLC0415
        from ..models.job_error import JobError  # noqa: PLC0415
        from ..models.webhook_state import WebhookState  # noqa: PLC0415

        d = dict(src_dict)
        job_id = d.pop("job_id")

        def _parse_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        id = _parse_id(d.pop("id"))

        status = JobStatusStatus(d.pop("status"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        code = d.pop("code", UNSET)

        def _parse_response(data: object) -> ExecuteResult | ExecutionError | ExecutionTimeout | JobError | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_type_0 = ExecuteResult.from_dict(data)

                return response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_type_1 = ExecutionError.from_dict(data)

                return response_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_type_2 = ExecutionTimeout.from_dict(data)

                return response_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            response_type_3 = JobError.from_dict(data)

            return response_type_3

        response = _parse_response(d.pop("response", UNSET))

        _webhook = d.pop("webhook", UNSET)
        webhook: WebhookState | Unset
        if isinstance(_webhook, Unset):
            webhook = UNSET
        else:
            webhook = WebhookState.from_dict(_webhook)

        _started_at = d.pop("started_at", UNSET)
        started_at: datetime.datetime | Unset
        if isinstance(_started_at, Unset):
            started_at = UNSET
        else:
            started_at = datetime.datetime.fromisoformat(_started_at)

        _finished_at = d.pop("finished_at", UNSET)
        finished_at: datetime.datetime | Unset
        if isinstance(_finished_at, Unset):
            finished_at = UNSET
        else:
            finished_at = datetime.datetime.fromisoformat(_finished_at)

        job_status = cls(
            job_id=job_id,
            id=id,
            status=status,
            created_at=created_at,
            code=code,
            response=response,
            webhook=webhook,
            started_at=started_at,
            finished_at=finished_at,
        )

        job_status.additional_properties = d
        return job_status

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
