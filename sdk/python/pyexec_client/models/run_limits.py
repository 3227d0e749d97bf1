from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RunLimits")


@_attrs_define
class RunLimits:
    """Limits of this run, each optional: omitted ones get the server's defaults. Each may be at most the server's cap (400
    naming the cap otherwise); `GET /v1/runtime` lists defaults and caps.

        Attributes:
            memory_mb (int | Unset): Memory of the whole run in MiB (default `SANDBOX_MEMORY_MB`, cap
                `SANDBOX_MEMORY_MB_CAP`). Example: 512.
            max_processes (int | Unset): Processes and threads (default `SANDBOX_MAX_PIDS`, cap `SANDBOX_MAX_PIDS_CAP`).
                Example: 64.
            cpus (float | Unset): CPU time per wall second, in cores, 2 decimals at most (default `SANDBOX_CPUS`, cap
                `SANDBOX_CPUS_CAP`); thread pools of numeric libraries are sized to it. Example: 1.
            max_output_bytes (int | Unset): Cap on stdout, on stderr and on the return value (or the exception's message),
                each, in the bytes of their JSON in the answer (default `MAX_OUTPUT_BYTES`, cap `MAX_OUTPUT_BYTES_CAP`).
                Example: 1048576.
    """

    memory_mb: int | Unset = UNSET
    max_processes: int | Unset = UNSET
    cpus: float | Unset = UNSET
    max_output_bytes: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        memory_mb = self.memory_mb

        max_processes = self.max_processes

        cpus = self.cpus

        max_output_bytes = self.max_output_bytes

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if memory_mb is not UNSET:
            field_dict["memory_mb"] = memory_mb
        if max_processes is not UNSET:
            field_dict["max_processes"] = max_processes
        if cpus is not UNSET:
            field_dict["cpus"] = cpus
        if max_output_bytes is not UNSET:
            field_dict["max_output_bytes"] = max_output_bytes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        memory_mb = d.pop("memory_mb", UNSET)

        max_processes = d.pop("max_processes", UNSET)

        cpus = d.pop("cpus", UNSET)

        max_output_bytes = d.pop("max_output_bytes", UNSET)

        run_limits = cls(
            memory_mb=memory_mb,
            max_processes=max_processes,
            cpus=cpus,
            max_output_bytes=max_output_bytes,
        )

        return run_limits
