from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.output_file import OutputFile


T = TypeVar("T", bound="ExecutionError")


@_attrs_define
class ExecutionError:
    """The program failed, or (500) left no valid result record; with its output.

    Attributes:
        error (str): The exception's last traceback line (`ValueError: boom`), `Process exited with code N`, `Process
            killed by SIGSEGV`, the limit that was hit (`Memory limit of 256 MiB exceeded`, `Process limit of 64 exceeded`,
            `Output limit of N bytes exceeded on stdout`, `Return value of N bytes exceeds the limit of M bytes`), a system
            call the sandbox forbids (`Forbidden operation attempted: ...`), or, with 500, `Failed to parse execution
            result`. Example: ValueError: boom.
        stdout (str): Standard output produced before the end. Example: before
            .
        stderr (str): Standard error (the traceback, for an exception).
        exit_code (int | None): Exit status; 128 + N for a process killed by signal N; `null` when the run was stopped
            at the output limit. Example: 1.
        job_id (str): The job that ran the code (see GET /v1/jobs/{job_id}). Example:
            6f1c2a9e-8d4b-4a51-9a1e-3c2f0b7d5e10.
        files (list[OutputFile] | Unset): Every regular file the program created or changed under its working directory
            (symlinks are never followed), by path, then the matplotlib figures it showed or left open as `figure-1.png`,
            `figure-2.png`, ... At most `MAX_OUTPUT_FILES` files and `MAX_OUTPUT_FILES_BYTES` bytes: past either the answer
            is 400 naming it, with no files. Absent from a 500.
        id (str | Unset): The request's `id`, echoed back; absent when the request had none. Example: request-123.
    """

    error: str
    stdout: str
    stderr: str
    exit_code: int | None
    job_id: str
    files: list[OutputFile] | Unset = UNSET
    id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error = self.error

        stdout = self.stdout

        stderr = self.stderr

        exit_code: int | None
        exit_code = self.exit_code

        job_id = self.job_id

        files: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.files, Unset):
            files = []
            for files_item_data in self.files:
                files_item = files_item_data.to_dict()
                files.append(files_item)

        id = self.id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "error": error,
                "stdout": stdout,
                "stderr": stderr,
                "exit_code": exit_code,
                "job_id": job_id,
            }
        )
        if files is not UNSET:
            field_dict["files"] = files
        if id is not UNSET:
            field_dict["id"] = id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.output_file import OutputFile  # noqa: PLC0415

        d = dict(src_dict)
        error = d.pop("error")

        stdout = d.pop("stdout")

        stderr = d.pop("stderr")

        def _parse_exit_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        exit_code = _parse_exit_code(d.pop("exit_code"))

        job_id = d.pop("job_id")

        _files = d.pop("files", UNSET)
        files: list[OutputFile] | Unset = UNSET
        if _files is not UNSET:
            files = []
            for files_item_data in _files:
                files_item = OutputFile.from_dict(files_item_data)

                files.append(files_item)

        id = d.pop("id", UNSET)

        execution_error = cls(
            error=error,
            stdout=stdout,
            stderr=stderr,
            exit_code=exit_code,
            job_id=job_id,
            files=files,
            id=id,
        )

        execution_error.additional_properties = d
        return execution_error

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
