from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.runtime_files import RuntimeFiles
    from ..models.runtime_limits import RuntimeLimits
    from ..models.runtime_network import RuntimeNetwork
    from ..models.runtime_package import RuntimePackage
    from ..models.runtime_python import RuntimePython


T = TypeVar("T", bound="Runtime")


@_attrs_define
class Runtime:
    """What code runs with here: the Python, its packages, the limits and the files.

    Attributes:
        python (RuntimePython): The interpreter user code runs on.
        packages (list[RuntimePackage]): Every installed distribution, by name.
        limits (RuntimeLimits): What a request gets by default and the most it may ask for.
        files (RuntimeFiles): Files in (`files` of the request) and out (`files` of the answer).
        network (RuntimeNetwork): Whether runs can reach the network.
    """

    python: RuntimePython
    packages: list[RuntimePackage]
    limits: RuntimeLimits
    files: RuntimeFiles
    network: RuntimeNetwork
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        python = self.python.to_dict()

        packages = []
        for packages_item_data in self.packages:
            packages_item = packages_item_data.to_dict()
            packages.append(packages_item)

        limits = self.limits.to_dict()

        files = self.files.to_dict()

        network = self.network.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "python": python,
                "packages": packages,
                "limits": limits,
                "files": files,
                "network": network,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.runtime_files import RuntimeFiles  # noqa: PLC0415
        from ..models.runtime_limits import RuntimeLimits  # noqa: PLC0415
        from ..models.runtime_network import RuntimeNetwork  # noqa: PLC0415
        from ..models.runtime_package import RuntimePackage  # noqa: PLC0415
        from ..models.runtime_python import RuntimePython  # noqa: PLC0415

        d = dict(src_dict)
        python = RuntimePython.from_dict(d.pop("python"))

        packages = []
        _packages = d.pop("packages")
        for packages_item_data in _packages:
            packages_item = RuntimePackage.from_dict(packages_item_data)

            packages.append(packages_item)

        limits = RuntimeLimits.from_dict(d.pop("limits"))

        files = RuntimeFiles.from_dict(d.pop("files"))

        network = RuntimeNetwork.from_dict(d.pop("network"))

        runtime = cls(
            python=python,
            packages=packages,
            limits=limits,
            files=files,
            network=network,
        )

        runtime.additional_properties = d
        return runtime

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
