from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.execute_accepted_message import ExecuteAcceptedMessage
from ..types import UNSET, Unset

T = TypeVar("T", bound="ExecuteAccepted")


@_attrs_define
class ExecuteAccepted:
    """Queued; the result will be POSTed to `webhook_url`.

    Attributes:
        job_id (str): The job that ran the code (see GET /v1/jobs/{job_id}). Example:
            6f1c2a9e-8d4b-4a51-9a1e-3c2f0b7d5e10.
        message (ExecuteAcceptedMessage): Always `processing`. Example: processing.
        queue_length (int): Jobs waiting for a worker, this one included. Example: 1.
        max_queue_length (int | None): The `MAX_QUEUE_LENGTH` in force; `null` when the queue is unlimited.
        id (str | Unset): The request's `id`, echoed back; absent when the request had none. Example: request-123.
    """

    job_id: str
    message: ExecuteAcceptedMessage
    queue_length: int
    max_queue_length: int | None
    id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        job_id = self.job_id

        message = self.message.value

        queue_length = self.queue_length

        max_queue_length: int | None
        max_queue_length = self.max_queue_length

        id = self.id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "job_id": job_id,
                "message": message,
                "queue_length": queue_length,
                "max_queue_length": max_queue_length,
            }
        )
        if id is not UNSET:
            field_dict["id"] = id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        job_id = d.pop("job_id")

        message = ExecuteAcceptedMessage(d.pop("message"))

        queue_length = d.pop("queue_length")

        def _parse_max_queue_length(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_queue_length = _parse_max_queue_length(d.pop("max_queue_length"))

        id = d.pop("id", UNSET)

        execute_accepted = cls(
            job_id=job_id,
            message=message,
            queue_length=queue_length,
            max_queue_length=max_queue_length,
            id=id,
        )

        execute_accepted.additional_properties = d
        return execute_accepted

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
