from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RuntimeNetwork")


@_attrs_define
class RuntimeNetwork:
    """Whether runs can reach the network.

    Attributes:
        egress (bool): False: runs have no network at all. Example: False.
        allowed_hosts (list[str]): Hosts runs may reach when egress is on. Example: [].
    """

    egress: bool
    allowed_hosts: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        egress = self.egress

        allowed_hosts = self.allowed_hosts

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "egress": egress,
                "allowed_hosts": allowed_hosts,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        egress = d.pop("egress")

        allowed_hosts = cast(list[str], d.pop("allowed_hosts"))

        runtime_network = cls(
            egress=egress,
            allowed_hosts=allowed_hosts,
        )

        runtime_network.additional_properties = d
        return runtime_network

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
