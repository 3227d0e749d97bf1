from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.runtime_limit_values import RuntimeLimitValues


T = TypeVar("T", bound="RuntimeLimits")


@_attrs_define
class RuntimeLimits:
    """What a request gets by default and the most it may ask for.

    Attributes:
        default (RuntimeLimitValues): Values of the limits a request can set (`timeout` and the fields of `limits`).
        maximum (RuntimeLimitValues): Values of the limits a request can set (`timeout` and the fields of `limits`).
    """

    default: RuntimeLimitValues
    maximum: RuntimeLimitValues
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        default = self.default.to_dict()

        maximum = self.maximum.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "default": default,
                "maximum": maximum,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.runtime_limit_values import RuntimeLimitValues  # noqa: PLC0415

        d = dict(src_dict)
        default = RuntimeLimitValues.from_dict(d.pop("default"))

        maximum = RuntimeLimitValues.from_dict(d.pop("maximum"))

        runtime_limits = cls(
            default=default,
            maximum=maximum,
        )

        runtime_limits.additional_properties = d
        return runtime_limits

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
