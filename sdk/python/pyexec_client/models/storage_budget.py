from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="StorageBudget")


@_attrs_define
class StorageBudget:
    """This API key's unexpired results hold `MAX_STORED_BYTES_PER_KEY` bytes or more in Redis; they expire
    `JOB_TTL_SECONDS` after their jobs ended.

        Attributes:
            error (str): Names the limit. Example: Storage budget exceeded: this API key's results hold 268500000 bytes
                (MAX_STORED_BYTES_PER_KEY 268435456); they expire JOB_TTL_SECONDS after their jobs ended.
            stored_bytes (int): Bytes the key's unexpired results hold (an upper bound). Example: 268500000.
            max_stored_bytes (int): The `MAX_STORED_BYTES_PER_KEY` in force. Example: 268435456.
    """

    error: str
    stored_bytes: int
    max_stored_bytes: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error = self.error

        stored_bytes = self.stored_bytes

        max_stored_bytes = self.max_stored_bytes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "error": error,
                "stored_bytes": stored_bytes,
                "max_stored_bytes": max_stored_bytes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        error = d.pop("error")

        stored_bytes = d.pop("stored_bytes")

        max_stored_bytes = d.pop("max_stored_bytes")

        storage_budget = cls(
            error=error,
            stored_bytes=stored_bytes,
            max_stored_bytes=max_stored_bytes,
        )

        storage_budget.additional_properties = d
        return storage_budget

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
