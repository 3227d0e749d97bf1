from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.output_file import OutputFile


T = TypeVar("T", bound="ExecuteResult")


@_attrs_define
class ExecuteResult:
    """The program finished with exit status 0.

    Attributes:
        result (Any): Any JSON value: the value of the top-level `return` (`null` without one). Values JSON cannot hold
            become their `str()`, NaN and infinities become `null`, tuples become lists.
        stdout (str): Standard output, at most the run's `max_output_bytes` in the bytes of its JSON; bytes that are not
            UTF-8 become U+FFFD. Example: Hello, World!
            .
        stderr (str): Standard error, at most the run's `max_output_bytes` in the bytes of its JSON; bytes that are not
            UTF-8 become U+FFFD.
        exit_code (int): Always 0 here (`sys.exit(0)` included). Example: 0.
        files (list[OutputFile]): Every regular file the program created or changed under its working directory
            (symlinks are never followed), by path, then the matplotlib figures it showed or left open as `figure-1.png`,
            `figure-2.png`, ... At most `MAX_OUTPUT_FILES` files and `MAX_OUTPUT_FILES_BYTES` bytes: past either the answer
            is 400 naming it, with no files.
        job_id (str): The job that ran the code (see GET /v1/jobs/{job_id}). Example:
            6f1c2a9e-8d4b-4a51-9a1e-3c2f0b7d5e10.
        run_time (float): Time the program ran, in seconds with 3 decimals. Example: 0.038.
        queue_time (float): Time the job waited for a worker, in seconds with 3 decimals. Example: 0.002.
        total_time (float): Time from submission to the end of the run, in seconds with 3 decimals. Example: 0.041.
        id (str | Unset): The request's `id`, echoed back; absent when the request had none. Example: request-123.
    """

    result: Any
    stdout: str
    stderr: str
    exit_code: int
    files: list[OutputFile]
    job_id: str
    run_time: float
    queue_time: float
    total_time: float
    id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        result = self.result

        stdout = self.stdout

        stderr = self.stderr

        exit_code = self.exit_code

        files = []
        for files_item_data in self.files:
            files_item = files_item_data.to_dict()
            files.append(files_item)

        job_id = self.job_id

        run_time = self.run_time

        queue_time = self.queue_time

        total_time = self.total_time

        id = self.id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "result": result,
                "stdout": stdout,
                "stderr": stderr,
                "exit_code": exit_code,
                "files": files,
                "job_id": job_id,
                "run_time": run_time,
                "queue_time": queue_time,
                "total_time": total_time,
            }
        )
        if id is not UNSET:
            field_dict["id"] = id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.output_file import OutputFile  # noqa: PLC0415

        d = dict(src_dict)
        result = d.pop("result")

        stdout = d.pop("stdout")

        stderr = d.pop("stderr")

        exit_code = d.pop("exit_code")

        files = []
        _files = d.pop("files")
        for files_item_data in _files:
            files_item = OutputFile.from_dict(files_item_data)

            files.append(files_item)

        job_id = d.pop("job_id")

        run_time = d.pop("run_time")

        queue_time = d.pop("queue_time")

        total_time = d.pop("total_time")

        id = d.pop("id", UNSET)

        execute_result = cls(
            result=result,
            stdout=stdout,
            stderr=stderr,
            exit_code=exit_code,
            files=files,
            job_id=job_id,
            run_time=run_time,
            queue_time=queue_time,
            total_time=total_time,
            id=id,
        )

        execute_result.additional_properties = d
        return execute_result

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
