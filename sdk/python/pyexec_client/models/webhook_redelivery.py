from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_redelivery_message import WebhookRedeliveryMessage

T = TypeVar("T", bound="WebhookRedelivery")


@_attrs_define
class WebhookRedelivery:
    """A new delivery of the job's webhook is queued.

    Attributes:
        job_id (str): The job. Example: 6f1c2a9e-8d4b-4a51-9a1e-3c2f0b7d5e10.
        message (WebhookRedeliveryMessage): Always `redelivering`. Example: redelivering.
    """

    job_id: str
    message: WebhookRedeliveryMessage
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        job_id = self.job_id

        message = self.message.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "job_id": job_id,
                "message": message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        job_id = d.pop("job_id")

        message = WebhookRedeliveryMessage(d.pop("message"))

        webhook_redelivery = cls(
            job_id=job_id,
            message=message,
        )

        webhook_redelivery.additional_properties = d
        return webhook_redelivery

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
