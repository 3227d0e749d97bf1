from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RuntimeFiles")


@_attrs_define
class RuntimeFiles:
    """Files in (`files` of the request) and out (`files` of the answer).

    Attributes:
        working_directory (str): The working directory the files are relative to. Example: /workspace.
        max_input_files (int):  Example: 64.
        max_input_files_bytes (int): Decoded bytes of all input files together. Example: 10485760.
        max_output_files (int):  Example: 64.
        max_output_files_bytes (int): Bytes of all output files together (figures included). Example: 10485760.
    """

    working_directory: str
    max_input_files: int
    max_input_files_bytes: int
    max_output_files: int
    max_output_files_bytes: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        working_directory = self.working_directory

        max_input_files = self.max_input_files

        max_input_files_bytes = self.max_input_files_bytes

        max_output_files = self.max_output_files

        max_output_files_bytes = self.max_output_files_bytes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "working_directory": working_directory,
                "max_input_files": max_input_files,
                "max_input_files_bytes": max_input_files_bytes,
                "max_output_files": max_output_files,
                "max_output_files_bytes": max_output_files_bytes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        working_directory = d.pop("working_directory")

        max_input_files = d.pop("max_input_files")

        max_input_files_bytes = d.pop("max_input_files_bytes")

        max_output_files = d.pop("max_output_files")

        max_output_files_bytes = d.pop("max_output_files_bytes")

        runtime_files = cls(
            working_directory=working_directory,
            max_input_files=max_input_files,
            max_input_files_bytes=max_input_files_bytes,
            max_output_files=max_output_files,
            max_output_files_bytes=max_output_files_bytes,
        )

        runtime_files.additional_properties = d
        return runtime_files

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
