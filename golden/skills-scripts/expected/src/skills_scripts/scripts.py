"""`script` steps: a Python script run in a child process, bounded in time and resources.

The engine runs scripts in GraalVM with no host access; a generated package has no such
interpreter, so it runs each `python` step as `python -I -S` in a subprocess:

- **input**: the script sees one variable, `context`, a JSON object holding the unit's inputs,
  every earlier step's output by step name and the step's `with` values (Mustache-rendered
  over the first two); it must assign `result`, which becomes the step's output (JSON);
- **files**: its working directory is a private copy of the step's `location` folder, shipped in
  the package when it was generated (the build machine's disk is never read at run time);
  `dependencies` run first, in order, in the same namespace;
- **environment**: empty (no secret of the server is inherited), isolated mode (`-I`: no
  `PYTHON*` variables, no user site, the script's folder not on `sys.path`), no `site` (`-S`:
  no third-party packages); the script's `print` output is discarded;
- **limits** (set by the child on itself, hard and soft, before the script runs): CPU seconds
  (`RLIMIT_CPU`), address space (`RLIMIT_AS`), open files (`RLIMIT_NOFILE`), no file written
  (`RLIMIT_FSIZE` 0), no new process (`RLIMIT_NPROC` 0, not enforced for root); the parent kills
  the child's whole process group at the wall-clock limit and reads at most
  `NAFTIKO_SCRIPT_MAX_OUTPUT_BYTES` of its answer;
- **audit hook** (`sys.addaudithook`, installed before the script runs and impossible to
  remove from Python): refuses sockets, subprocesses, `ctypes`, `os` calls that change files or
  processes, and `open` outside the script's folder and the standard library (writes refused).

- **statements**: a `sys.settrace` line counter (set before the hook, so the script cannot
  replace it: the hook refuses `sys.settrace`/`sys.setprofile`, `gc` walks and frames, except
  `sys._getframe` asked by `typing`, `enum`, `namedtuple` and `warnings`, which read a module
  name from it; `sys.gettrace` is removed) stops the child at `statementLimit` lines executed
  by the script, its dependencies and any code they compile (`exec`), not those of the standard
  library (imports would eat the budget; its loops over the script's callbacks count those);
  a one-line `while True: pass` executes no line and meets the time limit instead. The count
  covers the thread the script runs in (a new thread is
  refused by `RLIMIT_NPROC` unless the server runs as root; the CPU and wall-clock limits bound
  it anyway). Cost, measured on CPython 3.11: about 0.12 µs per counted line (a tight loop runs
  about 4 times slower), so the default 100,000 lines cost at most ~15 ms of counting.

This is defense in depth, not a sandbox: the hook and the limits hold against a script that
uses Python as written, not against one that exploits the interpreter itself (a crafted
bytecode object, a C-level bug). Run untrusted scripts in a container or VM with no network.
Which settings apply (`enabled`, `timeout`, `statementLimit`, `allowedLanguages`: the spec,
then `NAFTIKO_*` variables, then `PUT /scripting`) is `scripting.effective`; a step refused by
them answers 503 saying which setting refused it. `NAFTIKO_SCRIPT_MEMORY_BYTES` sets the address
space (512 MiB by default), `NAFTIKO_SCRIPT_MAX_OUTPUT_BYTES` the largest answer (4 MiB).
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import contextlib
import json
import math
import os
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .scripting import Scripting, effective
from .upstream_request import UpstreamError

__all__ = ["ScriptError", "render_with", "run_script", "script_folder"]

_DEFAULT_MEMORY = 512 * 1024 * 1024
_DEFAULT_OUTPUT = 4 * 1024 * 1024
_ENV = {"LC_ALL": "C.UTF-8"}
_TEMPLATE = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")

# Runs in the child, before the script: limits, the statement counter, the audit hook, the
# script. Everything lives in `main`'s closure: the script reaches no frame, so none of it.
_BOOTSTRAP = r"""
def main():
    import builtins, io, itertools, json, os, resource, sys, sysconfig
    request = json.loads(sys.stdin.buffer.read())
    for name, value in request["limits"].items():
        limit = getattr(resource, name, None)
        if limit is not None:
            try:
                resource.setrlimit(limit, (value, value))
            except (OSError, ValueError):
                pass
    here = os.path.realpath(os.getcwd())
    readable = tuple(
        os.path.realpath(p) for p in {sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib")}
    )
    names = [*request["dependencies"], request["file"]]
    sources = [(name, open(name, encoding="utf-8").read()) for name in names]
    refused = ("socket.", "subprocess.", "os.system", "os.exec", "os.spawn", "os.posix_spawn",
        "os.fork", "os.forkpty", "pty.", "ctypes.", "os.kill", "os.killpg", "os.remove", "os.unlink",
        "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.link", "os.symlink",
        "os.truncate", "os.utime", "os.putenv", "os.unsetenv", "os.chdir", "os.setxattr",
        "os.removexattr", "shutil.", "resource.setrlimit", "resource.prlimit", "sys.addaudithook",
        "webbrowser.", "urllib.Request", "http.client.", "ftplib.", "smtplib.", "imaplib.",
        "poplib.", "nntplib.", "telnetlib.", "_posixsubprocess.", "winreg.", "msvcrt.",
        "sys.settrace", "sys.setprofile", "sys._current_frames", "sys._current_exceptions",
        "gc.get_objects", "gc.get_referrers", "gc.get_referents")
    # Standard modules that look at their caller's frame only for its module name or warning
    # location, and hand no frame out (typing, enum, namedtuple, warnings need it at import).
    framing = tuple(
        os.path.join(root, name) for root in readable
        for name in ("typing.py", "enum.py", os.path.join("collections", "__init__.py"),
                     "warnings.py")
    )
    busy = [False]
    def asked_by_stdlib():
        busy[0] = True  # sys._getframe below raises this event again
        try:
            return sys._getframe(2).f_code.co_filename in framing
        finally:
            busy[0] = False
    def inside(path, roots):
        real = os.path.realpath(path)
        return any(real == root or real.startswith(root + os.sep) for root in roots)
    def hook(event, args):
        if event.startswith(refused):
            raise PermissionError(f"{event} is not allowed in a script step")
        if event == "sys._getframe" and not busy[0] and not asked_by_stdlib():
            raise PermissionError("sys._getframe is not allowed in a script step")
        if event == "object.__getattr__" and "frame" in str(args[1]):
            raise PermissionError("a script step cannot reach frames")
        if event == "open":
            path, mode, flags = args
            if isinstance(path, int):
                return
            writing = isinstance(mode, str) and any(c in mode for c in "wax+")
            if writing or (isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)):
                raise PermissionError("a script step cannot write files")
            if not inside(os.fsdecode(path), (here, *readable)):
                raise PermissionError(f"a script step cannot read {os.fsdecode(path)!r}")
        elif event in ("os.listdir", "os.scandir") and args and args[0] is not None:
            if not isinstance(args[0], int) and not inside(os.fsdecode(args[0]), (here, *readable)):
                raise PermissionError("a script step cannot list folders outside its own")
    answer = sys.stdout.buffer
    most = request["statements"]
    counted = itertools.count(1)  # can only go up, whoever holds it
    # The standard library's own lines (imports, the answer's encoding) are not the script's.
    unseen = ("<frozen ", *(root + os.sep for root in readable))
    def line(frame, event, arg):
        # Raising here would only unset the tracer (and the script could catch it): stop.
        if event == "line" and next(counted) > most:
            answer.write(json.dumps({"limit": "statements"}).encode())
            answer.flush()
            os._exit(0)
        return line
    def call(frame, event, arg):
        return None if frame.f_code.co_filename.startswith(unseen) else line
    sys.settrace(call)
    del sys.gettrace, sys.getprofile  # the tracer is out of the script's reach
    sys.addaudithook(hook)
    sys.stdout = io.StringIO()
    namespace = {"__name__": "__script__", "__builtins__": builtins, "context": request["context"]}
    try:
        for name, text in sources:
            exec(compile(text, name, "exec"), namespace)
        body = {"result": namespace.get("result")}
        text = json.dumps(body, allow_nan=False)
    except BaseException as error:
        text = json.dumps({"error": f"{type(error).__name__}: {error}"})
    answer.write(text.encode("utf-8", "replace"))
    answer.flush()
main()
"""

_folders: dict[int, tuple[Mapping[str, str], Path]] = {}
"""Folder copies by the id of their mapping, which is kept so that the id is never reused."""


def script_folder(files: Mapping[str, str]) -> Path:
    """A private copy of a script's folder (path → base64 content), made once per process."""
    key = id(files)
    if key not in _folders:
        root = Path(tempfile.mkdtemp(prefix="naftiko-script-"))
        atexit.register(shutil.rmtree, root, True)
        for relative, data in files.items():
            target = root.joinpath(*relative.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(base64.b64decode(data))
        _folders[key] = (files, root)
    return _folders[key][1]


def _lookup(name: str, values: Mapping[str, Any]) -> Any:
    node: Any = values
    for part in name.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def render_with(
    values: Mapping[str, Any], inputs: Mapping[str, Any], outputs: Mapping[str, Any]
) -> dict[str, Any]:
    """The step's `with` values: each `{{name}}` or `{{step.field}}` of a string is replaced by
    the input or step output it names (JSON text for objects and lists, empty when missing)."""
    scope = {**inputs, **outputs}

    def text(match: re.Match[str]) -> str:
        found = _lookup(match.group(1), scope)
        if found is None:
            return ""
        return found if isinstance(found, str) else json.dumps(found)

    return {
        key: _TEMPLATE.sub(text, value) if isinstance(value, str) else value
        for key, value in values.items()
    }


class ScriptError(UpstreamError):
    """A script step failed, was refused something or ran out of time (answers 500 or 504)."""


def _number(variable: str, default: int) -> int:
    """A positive whole number from `variable` (checked at start-up by `scripting_options`)."""
    try:
        value = int(os.environ.get(variable, "").strip() or default)
    except ValueError:
        return default
    return value if value > 0 else default


def _allowed(step: str, language: str, scripting: Scripting) -> Scripting:
    """The settings the step runs under; ScriptError (503) when they refuse it."""
    try:
        settings = effective(scripting)
    except ValueError as error:  # a variable changed after start-up: fail closed
        raise ScriptError(500, "Script settings invalid", str(error)) from None
    if not settings.enabled:
        why = (
            "NAFTIKO_SCRIPTING=false turns scripts off (unset it and restart)"
            if os.environ.get("NAFTIKO_SCRIPTING", "").strip().lower()
            in ("false", "0", "no", "off")
            else 'management.scripting.enabled is false (PUT /scripting {"enabled": true} '
            "on the control port turns scripts on)"
        )
        raise ScriptError(503, "Scripting disabled", f"script step {step!r} did not run: {why}")
    if settings.allowed_languages and language not in settings.allowed_languages:
        raise ScriptError(
            503,
            "Script language not allowed",
            f"script step {step!r} is written in {language}, which "
            f"management.scripting.allowedLanguages ({', '.join(settings.allowed_languages)}) "
            f"does not allow; add {language} to it (PUT /scripting on the control port)",
        )
    return settings


async def run_script(
    folder: Mapping[str, str],
    file: str,
    dependencies: Sequence[str],
    context: Mapping[str, Any],
    *,
    step: str,
    scripting: Scripting,
    language: str = "python",
) -> Any:
    """Run one script step; return its `result`, or raise `ScriptError` saying what went wrong.

    `scripting` is the spec's `management.scripting`; `scripting.effective` adds the environment
    (`NAFTIKO_SCRIPTING=false` turns script steps off, as in the engine) and `PUT /scripting`.
    """
    settings = _allowed(step, language, scripting)
    seconds = settings.timeout_ms / 1000
    memory = _number("NAFTIKO_SCRIPT_MEMORY_BYTES", _DEFAULT_MEMORY)
    most = _number("NAFTIKO_SCRIPT_MAX_OUTPUT_BYTES", _DEFAULT_OUTPUT)
    limits = {
        "RLIMIT_CPU": math.ceil(seconds) + 1,
        "RLIMIT_AS": memory,
        "RLIMIT_NOFILE": 32,
        "RLIMIT_FSIZE": 0,
        "RLIMIT_NPROC": 0,
    }
    request: dict[str, Any] = {"file": file, "dependencies": list(dependencies)}
    request |= {"limits": limits, "context": context, "statements": settings.statement_limit}
    try:
        payload = json.dumps(request, allow_nan=False).encode()
    except ValueError as error:
        raise ScriptError(500, "Script step failed", f"{step}: {error}") from None
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-I",
        "-S",
        "-c",
        _BOOTSTRAP,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        cwd=script_folder(folder),
        env=_ENV,
        start_new_session=True,
    )
    try:
        output = await asyncio.wait_for(_exchange(process, payload, most), seconds)
    except TimeoutError:
        raise ScriptError(
            504,
            "Script step timed out",
            f"script step {step!r} ran past its time limit of {seconds:g} s "
            "(management.scripting.timeout) and was stopped; raise it with --script-timeout / "
            'NAFTIKO_SCRIPT_TIMEOUT (seconds) or PUT /scripting {"timeout": ms}',
        ) from None
    finally:
        _stop(process)
        await process.wait()
    return _result(output, most, step, process.returncode, settings.statement_limit)


async def _exchange(process: asyncio.subprocess.Process, payload: bytes, most: int) -> bytes:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(payload)
    await process.stdin.drain()
    process.stdin.close()
    return await process.stdout.read(most + 1)


def _stop(process: asyncio.subprocess.Process) -> None:
    """Kill the child and anything it started (its own process group)."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


def _result(output: bytes, most: int, step: str, code: int | None, statements: int) -> Any:
    if len(output) > most:
        detail = f"script step {step!r} answered more than {most:,} bytes"
        raise ScriptError(
            500, "Script step failed", detail + "; raise NAFTIKO_SCRIPT_MAX_OUTPUT_BYTES"
        )
    try:
        answer = json.loads(output)
    except ValueError:
        detail = f"script step {step!r} stopped without an answer (exit status {code})"
        if code is not None and code < 0:
            detail += f", killed by signal {-code}: a CPU or memory limit"
        raise ScriptError(500, "Script step failed", detail) from None
    if not isinstance(answer, dict):
        raise ScriptError(500, "Script step failed", f"script step {step!r} answered no object")
    if answer.get("limit") == "statements":
        raise ScriptError(
            500,
            "Script statement limit reached",
            f"script step {step!r} ran more than {statements:,} statements "
            "(management.scripting.statementLimit) and was stopped; raise it with "
            "--script-statement-limit / NAFTIKO_SCRIPT_STATEMENT_LIMIT or "
            'PUT /scripting {"statementLimit": n}',
        )
    if "error" in answer:
        raise ScriptError(500, "Script step failed", f"script step {step!r}: {answer['error']}")
    return answer.get("result")
