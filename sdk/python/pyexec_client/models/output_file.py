from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OutputFile")


@_attrs_define
class OutputFile:
    """A file the program created or changed in its working directory, or a matplotlib figure (`figure-N.png`).

    Attributes:
        path (str): Path relative to the working directory. Example: figure-1.png.
        size (int): Size in bytes. Example: 20543.
        mime_type (str): Media type from the file name extension (`application/octet-stream` when unknown). Example:
            image/png.
        content (str): The bytes, base64. Example: iVBORw0KGgo=.
    """

    path: str
    size: int
    mime_type: str
    content: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        path = self.path

        size = self.size

        mime_type = self.mime_type

        content = self.content

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "path": path,
                "size": size,
                "mime_type": mime_type,
                "content": content,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        path = d.pop("path")

        size = d.pop("size")

        mime_type = d.pop("mime_type")

        content = d.pop("content")

        output_file = cls(
            path=path,
            size=size,
            mime_type=mime_type,
            content=content,
        )

        output_file.additional_properties = d
        return output_file

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
