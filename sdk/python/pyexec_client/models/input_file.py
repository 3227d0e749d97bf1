from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="InputFile")


@_attrs_define
class InputFile:
    """A file written into the working directory before the code runs.

    Attributes:
        path (str): Path relative to the working directory: not absolute, no `..` (nor `.` or empty) segment, no NUL, at
            most 255 bytes. Folders are created as needed. Example: data/sales.csv.
        content (str): The file's bytes, base64 (standard alphabet, with padding). All files together at most
            `MAX_INPUT_FILES_BYTES` decoded (default 10 MiB). Example:
            cmVnaW9uLGFtb3VudApub3J0aCwxMApzb3V0aCwzMgpub3J0aCw1Cg==.
    """

    path: str
    content: str

    def to_dict(self) -> dict[str, Any]:
        path = self.path

        content = self.content

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "path": path,
                "content": content,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        path = d.pop("path")

        content = d.pop("content")

        input_file = cls(
            path=path,
            content=content,
        )

        return input_file
