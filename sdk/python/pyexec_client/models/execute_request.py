from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.env_var import EnvVar
    from ..models.input_file import InputFile
    from ..models.run_limits import RunLimits


T = TypeVar("T", bound="ExecuteRequest")


@_attrs_define
class ExecuteRequest:
    """Python code to run, and how. Unknown fields are rejected (400).

    Attributes:
        code (str): Python 3 source, required, 1 byte to 1 MiB (UTF-8). It runs as the body of a function: a top-level
            `return` sets `result`; tracebacks name the file `<code>` with the line numbers as written. Example:
            print('Hello, World!').
        timeout (int | Unset): Wall-clock limit in seconds, an integer from 1 to 300; default 30. At the deadline the
            whole process tree is killed and the call answers 408. Default: 30. Example: 10.
        webhook_url (str | Unset): Optional absolute http or https URL. When given, the call answers 202 at once and the
            result is POSTed to this URL when the job ends. Hosts that are or resolve to loopback, private, link-local or
            metadata addresses are refused (400) unless the server sets `WEBHOOK_ALLOW_PRIVATE_HOSTS`. Example:
            https://example.com/webhook.
        id (str | Unset): Optional identifier of your own, at most 256 characters, echoed back in the answer, the job
            and the webhook. Example: request-123.
        env (list[EnvVar] | Unset): Optional environment variables for the program, at most 64. The program sees only
            these plus `PATH`, `HOME` and `LANG`: nothing of the server's environment.
        stdin (str | Unset): Optional standard input of the program, at most 1 MiB. Without it stdin is empty (`input()`
            raises `EOFError` at once). Example: Ada
            .
        files (list[InputFile] | Unset): Optional files written into the program's working directory before it runs, at
            most 64, at most `MAX_INPUT_FILES_BYTES` decoded in all (default 10 MiB). Files the program creates or changes
            there come back in the answer's `files`.
        network (bool | Unset): Optional: `true` lets the program reach the hosts the operator allows
            (`EGRESS_ALLOWED_HOSTS`) over HTTP and HTTPS, through the egress proxy (`HTTP_PROXY`/`HTTPS_PROXY` are set;
            requests, httpx and urllib use them). 400 when the server has egress off. Without it the program has no network.
            Example: False.
        limits (RunLimits | Unset): Limits of this run, each optional: omitted ones get the server's defaults. Each may
            be at most the server's cap (400 naming the cap otherwise); `GET /v1/runtime` lists defaults and caps.
    """

    code: str
    timeout: int | Unset = 30
    webhook_url: str | Unset = UNSET
    id: str | Unset = UNSET
    env: list[EnvVar] | Unset = UNSET
    stdin: str | Unset = UNSET
    files: list[InputFile] | Unset = UNSET
    network: bool | Unset = UNSET
    limits: RunLimits | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        timeout = self.timeout

        webhook_url = self.webhook_url

        id = self.id

        env: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.env, Unset):
            env = []
            for env_item_data in self.env:
                env_item = env_item_data.to_dict()
                env.append(env_item)

        stdin = self.stdin

        files: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.files, Unset):
            files = []
            for files_item_data in self.files:
                files_item = files_item_data.to_dict()
                files.append(files_item)

        network = self.network

        limits: dict[str, Any] | Unset = UNSET
        if not isinstance(self.limits, Unset):
            limits = self.limits.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "code": code,
            }
        )
        if timeout is not UNSET:
            field_dict["timeout"] = timeout
        if webhook_url is not UNSET:
            field_dict["webhook_url"] = webhook_url
        if id is not UNSET:
            field_dict["id"] = id
        if env is not UNSET:
            field_dict["env"] = env
        if stdin is not UNSET:
            field_dict["stdin"] = stdin
        if files is not UNSET:
            field_dict["files"] = files
        if network is not UNSET:
            field_dict["network"] = network
        if limits is not UNSET:
            field_dict["limits"] = limits

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.env_var import EnvVar  # noqa: PLC0415
        from ..models.input_file import InputFile  # noqa: PLC0415
        from ..models.run_limits import RunLimits  # noqa: PLC0415

        d = dict(src_dict)
        code = d.pop("code")

        timeout = d.pop("timeout", UNSET)

        webhook_url = d.pop("webhook_url", UNSET)

        id = d.pop("id", UNSET)

        _env = d.pop("env", UNSET)
        env: list[EnvVar] | Unset = UNSET
        if _env is not UNSET:
            env = []
            for env_item_data in _env:
                env_item = EnvVar.from_dict(env_item_data)

                env.append(env_item)

        stdin = d.pop("stdin", UNSET)

        _files = d.pop("files", UNSET)
        files: list[InputFile] | Unset = UNSET
        if _files is not UNSET:
            files = []
            for files_item_data in _files:
                files_item = InputFile.from_dict(files_item_data)

                files.append(files_item)

        network = d.pop("network", UNSET)

        _limits = d.pop("limits", UNSET)
        limits: RunLimits | Unset
        if isinstance(_limits, Unset):
            limits = UNSET
        else:
            limits = RunLimits.from_dict(_limits)

        execute_request = cls(
            code=code,
            timeout=timeout,
            webhook_url=webhook_url,
            id=id,
            env=env,
            stdin=stdin,
            files=files,
            network=network,
            limits=limits,
        )

        return execute_request
