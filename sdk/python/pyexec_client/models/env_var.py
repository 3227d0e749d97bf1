from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="EnvVar")


@_attrs_define
class EnvVar:
    """One environment variable of the program.

    Attributes:
        name (str): Variable name: a letter or `_`, then letters, digits or `_`; at most 256 characters. Example:
            GREETING.
        value (str): Variable value: any string without NUL characters, at most 1 MiB. Example: hello.
    """

    name: str
    value: str

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        value = self.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "value": value,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        value = d.pop("value")

        env_var = cls(
            name=name,
            value=value,
        )

        return env_var
