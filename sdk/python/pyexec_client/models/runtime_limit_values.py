from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RuntimeLimitValues")


@_attrs_define
class RuntimeLimitValues:
    """Values of the limits a request can set (`timeout` and the fields of `limits`).

    Attributes:
        timeout (int): Seconds of wall time. Example: 30.
        memory_mb (int): MiB of memory for the whole run. Example: 256.
        max_processes (int): Processes and threads. Example: 64.
        cpus (float): CPU cores. Example: 1.
        max_output_bytes (int): Bytes of stdout, of stderr and of the return value, each. Example: 1048576.
    """

    timeout: int
    memory_mb: int
    max_processes: int
    cpus: float
    max_output_bytes: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        timeout = self.timeout

        memory_mb = self.memory_mb

        max_processes = self.max_processes

        cpus = self.cpus

        max_output_bytes = self.max_output_bytes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "timeout": timeout,
                "memory_mb": memory_mb,
                "max_processes": max_processes,
                "cpus": cpus,
                "max_output_bytes": max_output_bytes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        timeout = d.pop("timeout")

        memory_mb = d.pop("memory_mb")

        max_processes = d.pop("max_processes")

        cpus = d.pop("cpus")

        max_output_bytes = d.pop("max_output_bytes")

        runtime_limit_values = cls(
            timeout=timeout,
            memory_mb=memory_mb,
            max_processes=max_processes,
            cpus=cpus,
            max_output_bytes=max_output_bytes,
        )

        runtime_limit_values.additional_properties = d
        return runtime_limit_values

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
