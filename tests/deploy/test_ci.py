"""naftiko-gen in a user's CI, run for real as the README shows it (issue 12).

The tests marked `registry` install naftiko-gen into new environments from the package registry
(about 30 s each here, mostly the registry's latency): they run only with
`NAFTIKO_TEST_REGISTRY=1`. The others use this checkout's naftiko-gen and take a few seconds.

- The GitHub Action (`action.yml`): there is no runner here, so its `run:` steps are run through
  bash the way a runner runs them (`bash --noprofile --norc -eo pipefail`, each step's `env:`
  with its `${{ … }}` expressions filled in). Its install step (`registry`) builds naftiko-gen
  from the action's own checkout into a fresh virtual environment standing for the one
  `actions/setup-python` gives; the validate and check steps also run with this checkout's
  naftiko-gen.
- The isolated install (`pipx install ./naftiko-gen`, `uv tool install ./naftiko-gen`): that same
  environment sees none of this machine's packages; its `naftiko-gen` builds the seed exactly as
  the generator in this process does, with its own pinned black.
- The pre-commit hooks (`.pre-commit-hooks.yaml`): a user repository's
  `.pre-commit-config.yaml` names a git clone of this tree and a commit, as the README says;
  `pre-commit run` builds the hooks' environment (`registry`) and runs both hooks, which pass on
  an up-to-date package and fail on a hand-edited one. Without the registry, the same hook
  definitions run as `language: system` hooks with this checkout's naftiko-gen.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from naftiko_codegen.pipeline import build_spec, generate

REPO = Path(__file__).resolve().parents[2]
REGISTRY = os.environ.get("NAFTIKO_TEST_REGISTRY") == "1"
registry = pytest.mark.skipif(
    not REGISTRY, reason="installs from the package registry (slow): NAFTIKO_TEST_REGISTRY=1"
)
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


@pytest.fixture(scope="module")
def isolated(checkout: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment of its own, naftiko-gen installed by the action's install step
    from the checkout (a wheel built from it, dependencies from the registry or pip's cache)."""
    venv = tmp_path_factory.mktemp("isolated") / "venv"
    subprocess.run(
        [sys.executable, "-m", "virtualenv", "-q", str(venv)], check=True, env=_environ()
    )
    done = run_action(venv.parent, {"specs": str(SPEC)}, checkout[0], venv)
    assert done.returncode == 0, done.stdout
    assert (venv / "bin" / "naftiko-gen").is_file(), done.stdout
    return venv


@registry
def test_isolated_install_builds_the_seed(isolated: Path, tmp_path: Path) -> None:
    """`pipx`/`uv tool` make exactly this: naftiko-gen and its black in their own venv."""
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


@registry
def test_action_runs_from_its_own_install(
    isolated: Path, user_repo: Path, checkout: tuple[Path, str]
) -> None:
    inputs = {"specs": "capabilities/", "output": "generated/"}
    passed = run_action(user_repo, inputs, checkout[0], isolated)
    assert passed.returncode == 0, passed.stdout


@registry
def test_pre_commit_hooks_run_from_a_clone(
    checkout: tuple[Path, str], user_repo: Path, tmp_path: Path
) -> None:
    clone, commit = checkout
    hooks = [{"id": "naftiko-gen-validate"}, {"id": "naftiko-gen-check"}]
    env = _environ(PRE_COMMIT_HOME=str(tmp_path / "home"), PRE_COMMIT_COLOR="never")
    _assert_hooks_ran(*_pre_commit(user_repo, _pre_commit_config(hooks, str(clone), commit), env))
