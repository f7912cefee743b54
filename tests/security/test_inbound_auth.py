"""A declared inbound authentication is enforced by the running package, or it is never served.

Two small capabilities are built, installed in one venv and run as real processes in front of a
recording upstream: `jwt-items` (oauth2 on REST and MCP: JWT bearer tokens checked against a JWKS
file, and in a second process a JWKS URL) and `static-items` (an api key on REST, a bearer token
on MCP, basic credentials on the control port). Probes: no credential and every kind of bad token
get 401 and never reach the upstream; a valid token gets through. Without keys the package
refuses to start; auth kinds the generator cannot enforce are refused at build time, located.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from servers.adapter import REPO_ROOT, install_in_venv
from servers.processes import free_port, stop_process, tail
from servers.recording import RecordingUpstream

ISSUER = "https://auth.example.com"
RESOURCE = "https://items.example.com"
POINTER = f'resource_metadata="{RESOURCE}/.well-known/oauth-protected-resource"'
"""Every challenge names the RFC 9728 metadata, where MCP clients find the issuer."""
SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
STATIC_SECRETS = {"REST_KEY": "k-3x@mple/+&=", "MCP_TOKEN": "t0ken", "CONTROL_PASSWORD": "pw"}

_SPEC = """\
naftiko: "1.0.0-alpha2"
info:
  label: "Guarded items {name}"
  description: "Items behind inbound authentication."
binds:
  - namespace: "env"
    keys:
      ITEMS_KEY: "ITEMS_KEY"
{binds}
capability:
  consumes:
    - type: "http"
      namespace: "items"
      description: "Items API"
      baseUri: "http://127.0.0.1:9/api"
      authentication: {{type: "apikey", key: "token", placement: "query", value: "{{{{ITEMS_KEY}}}}"}}
      resources:
        - name: "items"
          path: "/items"
          operations:
            - name: "list-items"
              method: "GET"
              outputRawFormat: "json"
  exposes:
    - type: "rest"
      namespace: "items-rest"
      port: 8080
      authentication: {rest}
      resources:
        - name: "items"
          path: "/items"
          description: "Items"
          operations:
            - name: "list-items"
              method: "GET"
              description: "List items"
              call: "items.list-items"
    - type: "mcp"
      namespace: "items-mcp"
      port: 9090
      description: "Items tools"
      authentication: {mcp}
      tools:
        - name: "list-items"
          description: "List items"
          call: "items.list-items"
{control}"""

_OAUTH2 = (
    f'{{type: "oauth2", authorizationServerUri: "{ISSUER}", resource: "{RESOURCE}", '
    'scopes: ["items:read"]}'
)


def spec(name: str, rest: str, mcp: str, *, binds: str = "", control: str = "") -> str:
    return _SPEC.format(name=name, rest=rest, mcp=mcp, binds=binds, control=control)


JWT_SPEC = spec("jwt", _OAUTH2, _OAUTH2)
STATIC_SPEC = spec(
    "static",
    '{type: "apikey", key: "items_key", placement: "query", value: "{{REST_KEY}}"}',
    '{type: "bearer", token: "{{MCP_TOKEN}}"}',
    binds='      REST_KEY: "REST_KEY"\n      MCP_TOKEN: "MCP_TOKEN"\n'
    '      CONTROL_PASSWORD: "CONTROL_PASSWORD"',
    control="""\
    - type: "control"
      port: 9199
      authentication: {type: "basic", username: "ops", password: "{{CONTROL_PASSWORD}}"}
      management: {health: true}
""",
)


def jwks(*keys: tuple[Any, str]) -> dict[str, Any]:
    return {
        "keys": [
            {**jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid}
            for key, kid in keys
        ]
    }


def token(key: Any = SIGNING_KEY, *, kid: str | None = "main", **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": RESOURCE, "exp": now + 300, "scope": "items:read"} | claims
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid} if kid else None)


# ----------------------------------------------------------------------------- processes

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def send(method: str, url: str, headers: dict[str, str], body: Any = None) -> Reply:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with _OPENER.open(request, timeout=15) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read())


@dataclass
class Running:
    proc: subprocess.Popen[bytes]
    ports: dict[str, int]
    log: Path

    def url(self, adapter: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[adapter]}{path}"

    def rest(self, headers: dict[str, str], query: str = "") -> Reply:
        return send("GET", self.url("rest", "/items" + query), headers)

    def mcp(self, headers: dict[str, str]) -> Reply:
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
        call["params"] = {"name": "list-items", "arguments": {}}
        accept = {"Accept": "application/json, text/event-stream"}
        return send("POST", self.url("mcp", "/mcp"), accept | headers, call)


def environment(upstream: RecordingUpstream, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAFTIKO_")}
    env |= {"ITEMS_BASE_URL": upstream.url + "/api", "ITEMS_KEY": "upstream-key"}
    env |= {"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1", "PYTHONUNBUFFERED": "1"}
    env["NAFTIKO_OPS_PORT"] = "0"  # packages started side by side: no shared operations port
    return env | extra


def wait_ready(running: Running) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if running.proc.poll() is not None:
            pytest.fail(f"exited with {running.proc.returncode}:\n{tail(running.log)}")
        with contextlib.suppress(OSError):
            for port in running.ports.values():
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        time.sleep(0.1)
    pytest.fail(f"not ready:\n{tail(running.log)}")


@contextlib.contextmanager
def serve(
    executable: Path, env: dict[str, str], log: Path, *options: str, control: bool = False
) -> Iterator[Running]:
    ports = {"rest": free_port(), "mcp": free_port()} | (
        {"control": free_port()} if control else {}
    )
    cmd = [str(executable), "serve", "--host", "127.0.0.1", *options]
    cmd += [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env)
    running = Running(proc, ports, log)
    try:
        yield running
    finally:
        stop_process(proc, signal.SIGINT)


@dataclass
class Deployment:
    bin_dir: Path
    upstream: RecordingUpstream
    jwks_file: Path
    jwt_file: Running
    jwt_url: Running
    static: Running


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """Both packages built in one run, installed in one venv, and three processes serving."""
    work = tmp_path_factory.mktemp("inbound-auth")
    (work / "jwt-items.yaml").write_text(JWT_SPEC)
    (work / "static-items.yaml").write_text(STATIC_SPEC)
    build = [sys.executable, "-m", "naftiko_codegen", "build", "-o", str(work / "out")]
    build += [str(work / "jwt-items.yaml"), str(work / "static-items.yaml")]
    done = subprocess.run(build, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    bin_dir = install_in_venv(work / "out" / "jwt-items", work / "venv")
    pip = [str(bin_dir / "python"), "-m", "pip", "install", "--no-deps", "--no-index", "-q"]
    pip += ["--no-build-isolation", "--disable-pip-version-check", "--root-user-action=ignore"]
    subprocess.run([*pip, str(work / "out" / "static-items")], check=True, capture_output=True)
    jwks_file = work / "jwks.json"
    jwks_file.write_text(json.dumps(jwks((SIGNING_KEY, "main"))))
    upstream = RecordingUpstream()
    upstream.answer_json("/api/items", [{"id": 1}])
    upstream.answer_json("/keys", jwks((SIGNING_KEY, "main")))
    # Refreshing at once on an unknown `kid` lets a test rotate keys without waiting.
    by_url = {"NAFTIKO_JWKS_URL": upstream.url + "/keys", "NAFTIKO_JWKS_REFRESH_SECONDS": "0"}
    with contextlib.ExitStack() as stack:
        stack.callback(upstream.close)
        jwt_file = stack.enter_context(  # the keys given by the serve option
            serve(
                bin_dir / "jwt-items",
                environment(upstream),
                work / "file.log",
                "--jwks-file",
                str(jwks_file),
            )
        )
        jwt_url = stack.enter_context(
            serve(bin_dir / "jwt-items", environment(upstream, **by_url), work / "url.log")
        )
        static = stack.enter_context(
            serve(
                bin_dir / "static-items",
                environment(upstream, **STATIC_SECRETS),
                work / "static.log",
                "--access-log",
                "--log-level",
                "info",
                control=True,
            )
        )
        for running in (jwt_file, jwt_url, static):  # all three start at once
            wait_ready(running)
        yield Deployment(bin_dir, upstream, jwks_file, jwt_file, jwt_url, static)


@pytest.fixture
def upstream(deployment: Deployment) -> RecordingUpstream:
    """The recording upstream, its request list emptied for this test."""
    deployment.upstream.requests.clear()
    return deployment.upstream


# ----------------------------------------------------------------------------- oauth2 (JWT)


def _hs256_with_the_public_key() -> str:
    """The algorithm-confusion forgery: HMAC keyed with the public key's PEM."""
    pem = SIGNING_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": "main"}
    claims = {"iss": ISSUER, "aud": RESOURCE, "exp": int(time.time()) + 300, "scope": "items:read"}
    signing_input = b".".join(
        jwt.utils.base64url_encode(json.dumps(part).encode()) for part in (header, claims)
    )
    mac = jwt.algorithms.HMACAlgorithm(jwt.algorithms.HMACAlgorithm.SHA256).sign(signing_input, pem)
    return (signing_input + b"." + jwt.utils.base64url_encode(mac)).decode()


BAD_TOKENS = {
    "wrong key": lambda: token(OTHER_KEY),
    "expired": lambda: token(exp=int(time.time()) - 600),
    "wrong audience": lambda: token(aud="https://elsewhere.example.com"),
    "wrong issuer": lambda: token(iss="https://evil.example.com"),
    "alg none": lambda: jwt.encode({"iss": ISSUER, "aud": RESOURCE, "exp": 2**40}, "", "none"),
    "HS256 with the public key": _hs256_with_the_public_key,
    "EC key not in the JWKS": lambda: jwt.encode(
        {"iss": ISSUER, "aud": RESOURCE, "exp": 2**40}, EC_KEY, "ES256", {"kid": "main"}
    ),
    "garbage": lambda: "not-a-jwt",
}


@pytest.mark.parametrize("adapter", ["rest", "mcp"])
def test_without_a_token_rest_and_mcp_answer_401(
    deployment: Deployment, upstream: RecordingUpstream, adapter: str
) -> None:
    for running in (deployment.jwt_file, deployment.jwt_url):
        reply = running.rest({}) if adapter == "rest" else running.mcp({})
        assert reply.status == 401, reply
        assert reply.headers["www-authenticate"] == f"Bearer {POINTER}"
    assert upstream.requests == []


def test_the_protected_resource_metadata_is_public(deployment: Deployment) -> None:
    for adapter in ("rest", "mcp"):
        url = deployment.jwt_file.url(adapter, "/.well-known/oauth-protected-resource")
        reply = send("GET", url, {})
        assert reply.status == 200
        assert json.loads(reply.body) == {
            "resource": RESOURCE,
            "authorization_servers": [ISSUER],
            "bearer_methods_supported": ["header"],
            "scopes_supported": ["items:read"],
        }


@pytest.mark.parametrize("adapter", ["rest", "mcp"])
def test_bad_tokens_are_refused_and_never_echoed(
    deployment: Deployment, upstream: RecordingUpstream, adapter: str
) -> None:
    running = deployment.jwt_file
    for name, make in BAD_TOKENS.items():
        bad = make()
        headers = {"Authorization": "Bearer " + bad}
        reply = running.rest(headers) if adapter == "rest" else running.mcp(headers)
        assert reply.status == 401, name
        challenge = reply.headers["www-authenticate"]
        assert challenge == f'Bearer error="invalid_token", {POINTER}', name
        assert bad[-20:].encode() not in reply.body, name
    assert upstream.requests == []
    assert "Bearer ey" not in tail(running.log) and "eyJ" not in tail(running.log)


def test_a_valid_token_reaches_the_upstream_over_rest_and_mcp(
    deployment: Deployment, upstream: RecordingUpstream
) -> None:
    headers = {"Authorization": "Bearer " + token()}
    for running in (deployment.jwt_file, deployment.jwt_url):
        rest = running.rest(headers)
        assert (rest.status, json.loads(rest.body)) == (200, [{"id": 1}])
        mcp = running.mcp(headers)
        result = json.loads(mcp.body)["result"]
        assert (mcp.status, result["isError"], result["structuredContent"]) == (
            200,
            False,
            {"result": [{"id": 1}]},
        )
    seen = [r for r in upstream.requests if r.path == "/api/items"]
    assert len(seen) == 4
    # The caller's token is not forwarded upstream: the consumed API has its own credential.
    assert all(r.header("authorization") is None for r in seen)


def test_a_token_without_the_declared_scope_gets_403(deployment: Deployment) -> None:
    reply = deployment.jwt_file.rest({"Authorization": "Bearer " + token(scope="other")})
    assert reply.status == 403
    expected = f'Bearer error="insufficient_scope", scope="items:read", {POINTER}'
    assert reply.headers["www-authenticate"] == expected


def test_jwks_url_keys_are_refreshed_for_a_new_kid(
    deployment: Deployment, upstream: RecordingUpstream
) -> None:
    rotated = token(OTHER_KEY, kid="next")
    assert deployment.jwt_url.rest({"Authorization": "Bearer " + rotated}).status == 401
    upstream.answer_json("/keys", jwks((SIGNING_KEY, "main"), (OTHER_KEY, "next")))
    assert deployment.jwt_url.rest({"Authorization": "Bearer " + rotated}).status == 200


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "neither NAFTIKO_JWKS_FILE nor NAFTIKO_JWKS_URL is set"),
        ({"NAFTIKO_JWKS_FILE": "/nonexistent/jwks.json"}, "cannot be used: No such file"),
        ({"NAFTIKO_JWKS_URL": "http://idp.example.com/keys"}, "must be an https URL"),
        ({"NAFTIKO_JWKS_FILE": "{jwks}", "NAFTIKO_JWT_ALGORITHMS": "HS256"}, "'HS256': only"),
    ],
    ids=["no keys", "missing file", "plain http", "HMAC allowed"],
)
def test_without_usable_keys_the_package_refuses_to_start(
    deployment: Deployment, env: dict[str, str], message: str
) -> None:
    env = {name: value.format(jwks=deployment.jwks_file) for name, value in env.items()}
    cmd = [str(deployment.bin_dir / "jwt-items"), "serve", "--host", "127.0.0.1"]
    cmd += ["--rest-port", str(free_port()), "--mcp-port", str(free_port())]
    done = subprocess.run(
        cmd,
        env=environment(deployment.upstream, **env),
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("jwt-items: error: cannot start: ") and message in done.stderr
    assert "Traceback" not in done.stderr


# ----------------------------------------------------------------------------- static secrets


def test_static_credentials_are_enforced_on_rest_mcp_and_control(
    deployment: Deployment, upstream: RecordingUpstream
) -> None:
    running = deployment.static
    key = urllib.parse.quote(STATIC_SECRETS["REST_KEY"], safe="")
    for query in ("", "?items_key=k-3x%40mple%2F%2B%26", "?other=x", "?items_key="):
        assert running.rest({}, query).status == 401
    assert running.rest({"Authorization": "Bearer t0ken"}).status == 401
    assert running.rest({}, "?items_key=" + key).status == 200
    assert running.rest({}, "?items%5Fkey=" + key).status == 200  # the name spelled encoded
    for headers in ({}, {"Authorization": "Bearer t0ke"}, {"Authorization": "t0ken"}):
        assert running.mcp(headers).status == 401
    assert running.mcp({"Authorization": "Bearer t0ken"}).status == 200
    live = running.url("control", "/health/live")
    basic = "Basic " + base64.b64encode(b"ops:pw").decode()
    assert send("GET", live, {}).status == 401
    assert (
        send("GET", live, {"Authorization": "Basic " + base64.b64encode(b"ops:no").decode()}).status
        == 401
    )
    assert send("GET", live, {"Authorization": basic}).status == 200
    assert len([r for r in upstream.requests if r.path == "/api/items"]) == 3
    # The access log (on for this process) shows the requests, never the key, in any spelling.
    log = tail(running.log)
    assert "GET /items?items_key=*** HTTP/1.1" in log and "/items?items%5Fkey=***" in log
    assert key not in log and "k-3x" not in log and "t0ken" not in log


# ----------------------------------------------------------------------------- refused builds


def test_what_the_generator_cannot_enforce_is_refused_with_a_located_error(
    tmp_path: Path,
) -> None:
    digest = spec("digest", '{type: "digest", username: "u"}', _OAUTH2)
    introspection = spec(
        "introspect",
        _OAUTH2,
        _OAUTH2[:-1] + ', tokenValidation: "introspection"}',
    )
    empty = spec("empty", '{type: "bearer"}', _OAUTH2)
    files = []
    for name, text in (("digest", digest), ("introspection", introspection), ("empty", empty)):
        (tmp_path / f"{name}.yaml").write_text(text)
        files.append(str(tmp_path / f"{name}.yaml"))
    cmd = [sys.executable, "-m", "naftiko_codegen", "build", "-o", str(tmp_path / "out"), *files]
    done = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "error[NAF344]" in line]

    def at(text: str, needle: str) -> str:
        """`line:column` of the first `needle` in `text`: where the error must point."""
        (number, line), *_ = ((n, ln) for n, ln in enumerate(text.splitlines(), 1) if needle in ln)
        return f"{number}:{line.index(needle) + 1}"

    where = {
        "digest": at(digest, '{type: "digest"'),
        "empty": at(empty, '{type: "bearer"}'),
        "introspection": at(introspection, '"introspection"'),
    }
    assert sorted(errors) == [
        f"{tmp_path}/digest.yaml:{where['digest']}: error[NAF344]: inbound digest "
        "authentication has no `password`: there is no credential to check callers against",
        f"{tmp_path}/empty.yaml:{where['empty']}: error[NAF344]: inbound bearer "
        "authentication has no `token`: there is no credential to check callers against",
        f"{tmp_path}/introspection.yaml:{where['introspection']}: "
        "error[NAF344]: oauth2 token validation 'introspection' cannot be enforced: the "
        "generated adapters validate JWTs against the issuer's keys (jwks)",
    ]
    assert "hint:" in done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
