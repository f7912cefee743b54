"""naftiko-gen in a user's CI, run for real as the README shows it (issue 12).

Three tests install naftiko-gen into new environments from the package registry: the action's
install step and pre-commit's hook environment, started together in the background when the
module's first test starts (about 25 s of waiting on the network each, 5 s of CPU), so the
module's other tests, which use this checkout's naftiko-gen, run meanwhile. When the registry is
out of reach they skip and say so, unless `NAFTIKO_REQUIRE_SYSTEM_TESTS` is set (CI), when they
fail; `NAFTIKO_TEST_REGISTRY=0` turns them off (a skip, again a failure under CI's variable).

- The GitHub Action (`action.yml`): there is no runner here, so its `run:` steps are run through
  bash the way a runner runs them (`bash --noprofile --norc -eo pipefail`, each step's `env:`
  with its `${{ … }}` expressions filled in). Its install step (registry) builds naftiko-gen
  from the action's own checkout into a fresh virtual environment standing for the one
  `actions/setup-python` gives, and the validate and check steps run from it; they also run
  with this checkout's naftiko-gen.
- The isolated install (`pipx install ./naftiko-gen`, `uv tool install ./naftiko-gen`): that same
  environment sees none of this machine's packages; its `naftiko-gen` builds the seed exactly as
  the generator in this process does, with its own pinned black.
- The pre-commit hooks (`.pre-commit-hooks.yaml`): a user repository's
  `.pre-commit-config.yaml` names a git clone of this tree and a commit, as the README says;
  `pre-commit install-hooks` builds the hooks' environment (registry) and `pre-commit run` runs
  both hooks, which pass on an up-to-date package and fail on a hand-edited one. The same hook
  definitions also run as `language: system` hooks with this checkout's naftiko-gen.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from servers.system import REQUIRE_VARIABLE

from naftiko_codegen.pipeline import build_spec, generate

REPO = Path(__file__).resolve().parents[2]
OPTED_OUT = os.environ.get("NAFTIKO_TEST_REGISTRY") == "0"
"""`NAFTIKO_TEST_REGISTRY=0` skips the tests that install from the registry (offline work)."""
_UNREACHABLE = re.compile(
    r"NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution"
    r"|Name or service not known|Network is unreachable|ConnectTimeoutError|ReadTimeoutError"
    r"|ProxyError|Max retries exceeded|No route to host"
)
"""pip's words for a registry it cannot reach (anything else failing is a failure)."""
SEED = REPO / "examples" / "rest-sessions.yaml"
SPEC = REPO / "golden" / "fleet-orchestration" / "capability.yaml"
"""A user's capability: valid even under `--strict` (the seed has dialect warnings)."""
INSTALLABLE = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "action.yml")
PACKAGES = ("naftiko_codegen", "templates", "schema", "examples")
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _environ(**extra: str) -> dict[str, str]:
    """This process's environment without what points Python at this worktree or a venv."""
    dropped = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV"}
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("COV")}
    return {**env, **extra}


def _this_checkout(**extra: str) -> dict[str, str]:
    """An environment whose `naftiko-gen` (the installed script) imports this checkout."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, **extra}


def _git(cwd: Path, *args: str) -> str:
    identity = ["-c", "user.name=naftiko-gen tests", "-c", "user.email=tests@example.invalid"]
    done = subprocess.run(
        ["git", *identity, *args], cwd=cwd, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


# ----------------------------------------------------------------------------- the action


def _action() -> dict[str, Any]:
    return yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _evaluate(expression: str, context: Mapping[str, str]) -> str:
    """The few expressions action.yml uses: a context value, or a comparison with ''."""
    compared = re.fullmatch(r"([\w.-]+)\s*(==|!=)\s*''", expression)
    if compared:
        empty = context[compared.group(1)] == ""
        return "true" if empty == (compared.group(2) == "==") else ""
    return context[expression]


def _fill(text: str, context: Mapping[str, str]) -> str:
    return _EXPRESSION.sub(lambda match: _evaluate(match.group(1), context), text)


def run_action(
    cwd: Path, inputs: Mapping[str, str], action_path: Path, venv: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the action's `run:` steps as a runner would; stop at the first failing step.

    With `venv`, the install step installs into it and the other steps run from it; without,
    the install step is left out and the steps run this checkout's naftiko-gen.
    """
    action = _action()
    context = {f"inputs.{name}": spec.get("default", "") for name, spec in action["inputs"].items()}
    context |= {f"inputs.{name}": value for name, value in inputs.items()}
    context["github.action_path"] = str(action_path)
    output: list[str] = []
    if venv is None:
        env_base = _this_checkout(GITHUB_ACTIONS="true")
    else:
        path = f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"
        env_base = _environ(PATH=path, VIRTUAL_ENV=str(venv), GITHUB_ACTIONS="true")
    for step in action["runs"]["steps"]:
        if "run" not in step or ("if" in step and not _fill(step["if"], context)):
            continue
        if "ACTION_PATH" in step.get("env", {}) and venv is None:
            continue
        env = env_base | {k: _fill(str(v), context) for k, v in step.get("env", {}).items()}
        assert step["shell"] == "bash"
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
        )
        output.append(done.stdout + done.stderr)
        if done.returncode:
            return subprocess.CompletedProcess(done.args, done.returncode, "".join(output), "")
    return subprocess.CompletedProcess([], 0, "".join(output), "")


@pytest.fixture(scope="module")
def user_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's git repository: one capability and its package, built and committed."""
    root = tmp_path_factory.mktemp("user")
    (root / "capabilities").mkdir()
    shutil.copy2(SPEC, root / "capabilities" / "fleet.yaml")
    # The schema files its avro/protobuf operations name (`outputSchema`) sit beside it.
    shutil.copytree(SPEC.parent / "schemas", root / "capabilities" / "schemas")
    outcome = build_spec(root / "capabilities" / "fleet.yaml", root / "generated")
    assert outcome.ok, outcome.diagnostics
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "capability and package")
    return root


@contextlib.contextmanager
def _hand_edited(user_repo: Path) -> Iterator[None]:
    readme = user_repo / "generated" / "fleet" / "README.md"
    original = readme.read_text(encoding="utf-8")
    readme.write_text(original + "edited\n", encoding="utf-8")
    try:
        yield
    finally:
        readme.write_text(original, encoding="utf-8")


def test_action_is_composite_and_installs_from_its_checkout() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    install = steps[1]
    assert install["env"] == {"ACTION_PATH": "${{ github.action_path }}"}
    assert '"$ACTION_PATH"' in install["run"]
    # No step pastes an input into its script: inputs arrive as environment variables.
    assert not any("${{" in step.get("run", "") for step in steps)
    assert action["inputs"]["specs"]["required"] is True


def test_action_validates_and_checks(user_repo: Path) -> None:
    inputs = {"specs": "capabilities/", "output": "generated/"}
    passed = run_action(user_repo, inputs, REPO)
    assert passed.returncode == 0, passed.stdout
    assert "up to date" in passed.stdout
    with _hand_edited(user_repo):
        stale = run_action(user_repo, inputs, REPO)
    assert stale.returncode == 1
    assert "::error title=naftiko-gen check::packages in generated/ are stale" in stale.stdout
    # Under `strict` (the default) a warning fails, shown as an inline annotation.
    warned = run_action(user_repo, {"specs": str(SEED)}, REPO)
    assert warned.returncode == 1
    assert f"::warning file={SEED},line=" in warned.stdout


def _pre_commit_config(hooks: list[dict[str, Any]], repo: str, rev: str | None) -> str:
    """The README's .pre-commit-config.yaml for `hooks` (each hook: id plus overrides)."""
    users = {"naftiko-gen-validate": {"files": "^capabilities/"}}
    users["naftiko-gen-check"] = {"args": ["capabilities/", "-o", "generated/"]}
    entry: dict[str, Any] = {"repo": repo, "hooks": [hook | users[hook["id"]] for hook in hooks]}
    if rev is not None:
        entry["rev"] = rev
    return yaml.safe_dump({"repos": [entry]}, sort_keys=False)


def _pre_commit(user_repo: Path, config: str, env: Mapping[str, str]) -> tuple[str, str]:
    """`pre-commit run --all-files` on a clean and on a hand-edited package: both outputs."""
    (user_repo / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    _git(user_repo, "add", "-A")
    command = [sys.executable, "-m", "pre_commit", "run", "--all-files"]
    passed = subprocess.run(command, cwd=user_repo, env=env, capture_output=True, text=True)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    with _hand_edited(user_repo):
        stale = subprocess.run(command, cwd=user_repo, env=env, capture_output=True, text=True)
    assert stale.returncode == 1, stale.stdout
    return passed.stdout, stale.stdout


def _assert_hooks_ran(passed: str, stale: str) -> None:
    assert re.search(r"naftiko-gen validate\.+Passed", passed), passed
    assert re.search(r"naftiko-gen check\.+Passed", passed), passed
    assert re.search(r"naftiko-gen validate\.+(Passed|\(no files to check\)Skipped)", stale)
    assert re.search(r"naftiko-gen check\.+Failed", stale), stale
    assert "fleet/README.md" in stale


def test_pre_commit_hook_definitions_run(user_repo: Path, tmp_path: Path) -> None:
    """The hooks as defined, run with this checkout's naftiko-gen (`language: system`)."""
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [hook["id"] for hook in hooks] == ["naftiko-gen-validate", "naftiko-gen-check"]
    assert {hook["language"] for hook in hooks} == {"python"}
    local = [hook | {"language": "system"} for hook in hooks]
    env = _this_checkout(PRE_COMMIT_HOME=str(tmp_path / "home"), PRE_COMMIT_COLOR="never")
    _assert_hooks_ran(*_pre_commit(user_repo, _pre_commit_config(local, "local", None), env))


# ----------------------------------------------------------------------------- from the registry


def _registry_off() -> None:
    """Skip a registry test on request (`NAFTIKO_TEST_REGISTRY=0`); a failure under CI's variable."""
    if OPTED_OUT:
        _skip_or_fail("NAFTIKO_TEST_REGISTRY=0 turns off the tests that install from the registry")


def _skip_or_fail(reason: str) -> None:
    if os.environ.get(REQUIRE_VARIABLE):
        pytest.fail(f"{reason}; {REQUIRE_VARIABLE} is set, so this test may not skip")
    pytest.skip(reason)


def _installed_or_skip(output: str, what: str) -> None:
    """After a failed install: skip (fail in CI) when the registry was out of reach, else fail."""
    lines = [line for line in output.splitlines() if _UNREACHABLE.search(line)]
    if lines:
        _skip_or_fail(f"the package registry is unreachable ({what}): {lines[-1].strip()[:300]}")
    pytest.fail(f"{what} failed:\n{output[-6000:]}")


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git repository of this tree's installable files, committed: what a user's CI clones."""
    root = tmp_path_factory.mktemp("clone") / "naftiko-gen"
    root.mkdir()
    for name in INSTALLABLE:
        shutil.copy2(REPO / name, root / name)
    for name in PACKAGES:
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "snapshot")
    return root, _git(root, "rev-parse", "HEAD")


def _clone_hooks(checkout: tuple[Path, str]) -> str:
    """The README's .pre-commit-config.yaml naming the clone and its commit."""
    hooks = [{"id": "naftiko-gen-validate"}, {"id": "naftiko-gen-check"}]
    return _pre_commit_config(hooks, str(checkout[0]), checkout[1])


def _action_from_its_install(
    root: Path, checkout: tuple[Path, str]
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The whole action (install, validate, check) on the copy of the user's repository in
    `root/user`, its install step putting naftiko-gen into a new virtual environment (standing
    for the one `actions/setup-python` gives): that venv and the action's outcome."""
    repo = root / "user"
    venv = root / "venv"
    subprocess.run(
        [sys.executable, "-m", "virtualenv", "-q", str(venv)], check=True, env=_environ()
    )
    inputs = {"specs": "capabilities/", "output": "generated/"}
    return venv, run_action(repo, inputs, checkout[0], venv)


def _hook_environment(root: Path, checkout: tuple[Path, str]) -> subprocess.CompletedProcess[str]:
    """`pre-commit install-hooks` for the clone's hooks in a repository of their own: pre-commit
    builds their environment (naftiko-gen from the clone, its dependencies from the registry)
    in `root/home`, where the test's `pre-commit run` finds it."""
    repo = root / "hooks-repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / ".pre-commit-config.yaml").write_text(_clone_hooks(checkout), encoding="utf-8")
    env = _environ(PRE_COMMIT_HOME=str(root / "home"), PRE_COMMIT_COLOR="never")
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install-hooks"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    log = root / "home" / "pre-commit.log"
    if done.returncode and log.is_file():  # pip's own output is in pre-commit's log
        done.stdout += log.read_text(encoding="utf-8", errors="replace")
    return done


class RegistryInstalls:
    """The installs from the registry, started together in the background when the module's
    first test starts (they wait on the network far more than they compute), so the module's
    other tests run meanwhile; each registry test waits only for what it uses."""

    def __init__(
        self, root: Path, checkout: tuple[Path, str], user_repo: Path, pool: ThreadPoolExecutor
    ) -> None:
        self.home = root / "hooks" / "home"
        (root / "hooks").mkdir()
        # Copied now, before the module's other tests hand-edit the original.
        shutil.copytree(user_repo, root / "action" / "user", symlinks=True)
        self.action = pool.submit(_action_from_its_install, root / "action", checkout)
        self.hooks = pool.submit(_hook_environment, root / "hooks", checkout)

    def venv(self) -> tuple[Path, subprocess.CompletedProcess[str]]:
        """The action's venv and its run; skips (fails in CI) when the registry is unreachable."""
        venv, done = self.action.result()
        if not (venv / "bin" / "naftiko-gen").is_file():
            _installed_or_skip(done.stdout, "the action's install step")
        return venv, done


_REGISTRY_TESTS = frozenset(
    {
        "test_isolated_install_builds_the_seed",
        "test_action_runs_from_its_own_install",
        "test_pre_commit_hooks_run_from_a_clone",
    }
)


@pytest.fixture(scope="module", autouse=True)
def registry(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RegistryInstalls | None]:
    """The registry installs, started before the module's first test when a registry test is
    selected (and `NAFTIKO_TEST_REGISTRY` is not `0`)."""
    wanted = any(item.name in _REGISTRY_TESTS for item in request.session.items)
    if OPTED_OUT or not wanted:
        yield None
        return
    with ThreadPoolExecutor(2, thread_name_prefix="registry") as pool:
        yield RegistryInstalls(
            tmp_path_factory.mktemp("registry"),
            request.getfixturevalue("checkout"),
            request.getfixturevalue("user_repo"),
            pool,
        )


def test_isolated_install_builds_the_seed(registry: RegistryInstalls, tmp_path: Path) -> None:
    """`pipx`/`uv tool` make exactly this: naftiko-gen and its black in their own venv."""
    _registry_off()
    isolated, _ = registry.venv()
    where = subprocess.run(
        [
            str(isolated / "bin" / "python"),
            "-c",
            "import black, naftiko_codegen; print(naftiko_codegen.__file__, black.__version__)",
        ],
        capture_output=True,
        text=True,
        check=True,
        env=_environ(),
        cwd=tmp_path,  # not this worktree: `python -c` imports from its working directory
    ).stdout.split()
    assert Path(where[0]).is_relative_to(isolated)
    assert where[1] == "26.10.1"
    subprocess.run(
        [str(isolated / "bin" / "naftiko-gen"), "build", str(SEED), "-o", str(tmp_path), "-q"],
        check=True,
        env=_environ(),
    )
    expected = generate(SEED).files
    built = tmp_path / "rest-sessions"
    assert {path: (built / path).read_text(encoding="utf-8") for path in expected} == expected


def test_action_runs_from_its_own_install(registry: RegistryInstalls) -> None:
    """The action as a runner runs it: install from its checkout, then validate and check."""
    _registry_off()
    _, done = registry.venv()
    assert done.returncode == 0, done.stdout
    assert re.search(r"Successfully installed .*naftiko-gen-", done.stdout), done.stdout
    assert "up to date" in done.stdout


def test_pre_commit_hooks_run_from_a_clone(
    registry: RegistryInstalls, checkout: tuple[Path, str], user_repo: Path
) -> None:
    _registry_off()
    installed = registry.hooks.result()
    if installed.returncode:
        _installed_or_skip(installed.stdout + installed.stderr, "pre-commit's hook environment")
    env = _environ(PRE_COMMIT_HOME=str(registry.home), PRE_COMMIT_COLOR="never")
    passed, stale = _pre_commit(user_repo, _clone_hooks(checkout), env)
    assert "Installing environment" not in passed, passed  # `install-hooks` made it
    _assert_hooks_ran(passed, stale)
