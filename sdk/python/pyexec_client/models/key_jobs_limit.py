from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="KeyJobsLimit")


@_attrs_define
class KeyJobsLimit:
    """This API key already has `MAX_JOBS_PER_KEY` jobs in flight (waiting or running).

    Attributes:
        error (str): Names the limit. Example: Too many jobs in flight for this API key: 4 (MAX_JOBS_PER_KEY 4).
        jobs_in_flight (int): The key's jobs waiting or running. Example: 4.
        max_jobs_per_key (int): The `MAX_JOBS_PER_KEY` in force. Example: 4.
    """

    error: str
    jobs_in_flight: int
    max_jobs_per_key: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error = self.error

        jobs_in_flight = self.jobs_in_flight

        max_jobs_per_key = self.max_jobs_per_key

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "error": error,
                "jobs_in_flight": jobs_in_flight,
                "max_jobs_per_key": max_jobs_per_key,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        error = d.pop("error")

        jobs_in_flight = d.pop("jobs_in_flight")

        max_jobs_per_key = d.pop("max_jobs_per_key")

        key_jobs_limit = cls(
            error=error,
            jobs_in_flight=jobs_in_flight,
            max_jobs_per_key=max_jobs_per_key,
        )

        key_jobs_limit.additional_properties = d
        return key_jobs_limit

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
