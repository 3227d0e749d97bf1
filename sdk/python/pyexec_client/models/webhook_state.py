from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_state_status import WebhookStateStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookState")


@_attrs_define
class WebhookState:
    """Delivery state of a job's webhook.

    Attributes:
        status (WebhookStateStatus): `pending` until the first attempt succeeds or attempts run out (retries included);
            `delivered` after a 2xx; `failed` when no attempt succeeded. Example: delivered.
        attempts (int): Delivery attempts made so far (at most `WEBHOOK_MAX_ATTEMPTS`). Example: 1.
        last_error (str | Unset): Why the last attempt failed. Example: HTTP 503.
    """

    status: WebhookStateStatus
    attempts: int
    last_error: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

        attempts = self.attempts

        last_error = self.last_error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "attempts": attempts,
            }
        )
        if last_error is not UNSET:
            field_dict["last_error"] = last_error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = WebhookStateStatus(d.pop("status"))

        attempts = d.pop("attempts")

        last_error = d.pop("last_error", UNSET)

        webhook_state = cls(
            status=status,
            attempts=attempts,
            last_error=last_error,
        )

        webhook_state.additional_properties = d
        return webhook_state

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
