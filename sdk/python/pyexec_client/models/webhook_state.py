from __future__ import annotations

import datetime
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
        status (WebhookStateStatus): `pending` until an attempt succeeds or attempts run out (retries included);
            `delivered` after a 2xx; `failed` when no attempt succeeded (terminal, until a redelivery). Example: delivered.
        attempts (int): Delivery attempts made so far in the current series (at most `WEBHOOK_MAX_ATTEMPTS`; a
            redelivery starts a new series). Example: 1.
        last_error (str | Unset): Why the last attempt failed. Example: receiver answered 503.
        next_attempt_at (datetime.datetime | Unset): While `pending` and a retry is scheduled: when the next attempt is
            due. Absent once `delivered` or `failed`. Example: 2026-11-28T19:20:09.160Z.
    """

    status: WebhookStateStatus
    attempts: int
    last_error: str | Unset = UNSET
    next_attempt_at: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

        attempts = self.attempts

        last_error = self.last_error

        next_attempt_at: str | Unset = UNSET
        if not isinstance(self.next_attempt_at, Unset):
            next_attempt_at = self.next_attempt_at.isoformat()

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
        if next_attempt_at is not UNSET:
            field_dict["next_attempt_at"] = next_attempt_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = WebhookStateStatus(d.pop("status"))

        attempts = d.pop("attempts")

        last_error = d.pop("last_error", UNSET)

        _next_attempt_at = d.pop("next_attempt_at", UNSET)
        next_attempt_at: datetime.datetime | Unset
        if isinstance(_next_attempt_at, Unset):
            next_attempt_at = UNSET
        else:
            next_attempt_at = datetime.datetime.fromisoformat(_next_attempt_at)

        webhook_state = cls(
            status=status,
            attempts=attempts,
            last_error=last_error,
            next_attempt_at=next_attempt_at,
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
