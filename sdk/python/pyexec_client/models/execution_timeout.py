from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ExecutionTimeout")


@_attrs_define
class ExecutionTimeout:
    """The wall time ran out; with the output produced until then.

    Attributes:
        error (str): `Execution timed out after N seconds`. Example: Execution timed out after 1 seconds.
        stdout (str): Standard output produced before the deadline. Example: working
            .
        stderr (str): Standard error produced before the deadline.
        job_id (str): The job that ran the code (see GET /v1/jobs/{job_id}). Example:
            6f1c2a9e-8d4b-4a51-9a1e-3c2f0b7d5e10.
        id (str | Unset): The request's `id`, echoed back; absent when the request had none. Example: request-123.
    """

    error: str
    stdout: str
    stderr: str
    job_id: str
    id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error = self.error

        stdout = self.stdout

        stderr = self.stderr

        job_id = self.job_id

        id = self.id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "error": error,
                "stdout": stdout,
                "stderr": stderr,
                "job_id": job_id,
            }
        )
        if id is not UNSET:
            field_dict["id"] = id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        error = d.pop("error")

        stdout = d.pop("stdout")

        stderr = d.pop("stderr")

        job_id = d.pop("job_id")

        id = d.pop("id", UNSET)

        execution_timeout = cls(
            error=error,
            stdout=stdout,
            stderr=stderr,
            job_id=job_id,
            id=id,
        )

        execution_timeout.additional_properties = d
        return execution_timeout

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
