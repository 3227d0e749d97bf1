from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="QueueFull")


@_attrs_define
class QueueFull:
    """`MAX_QUEUE_LENGTH` jobs are already waiting.

    Attributes:
        error (str): Names the limit. Example: Queue is full: 100 jobs waiting (MAX_QUEUE_LENGTH 100).
        queue_length (int): Jobs waiting for a worker. Example: 100.
        max_queue_length (int): The `MAX_QUEUE_LENGTH` in force. Example: 100.
    """

    error: str
    queue_length: int
    max_queue_length: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error = self.error

        queue_length = self.queue_length

        max_queue_length = self.max_queue_length

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "error": error,
                "queue_length": queue_length,
                "max_queue_length": max_queue_length,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        error = d.pop("error")

        queue_length = d.pop("queue_length")

        max_queue_length = d.pop("max_queue_length")

        queue_full = cls(
            error=error,
            queue_length=queue_length,
            max_queue_length=max_queue_length,
        )

        queue_full.additional_properties = d
        return queue_full

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
