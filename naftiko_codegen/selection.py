"""Which files a command line names: capability files to build, and the documents they use.

`select_specs` turns the paths given to `validate`, `build` or `check` into a `SpecSelection`:
files as given, folders searched for `*.yaml` / `*.yml` (sorted), each file once (by resolved
path; a repeat is noted, NAF122). In a folder walk, a document another capability file imports
(`consumes[].location`, a shared-consumes document) or reads its binds from (`binds[].location`)
is not a capability to build alone, nor is a document shaped as a shared-consumes document (a
top-level `consumes` list and no `capability`) that nothing imports: each is set apart as
`shared` (noted, NAF123), to be checked as what it is. A selection naming no file at all is an error (NAF121), so a mistyped path in CI
does not look green. Reads files, prints nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostic, DiagnosticError, Location, Severity
from .load import load_spec, read_spec_file

__all__ = ["SpecSelection", "select_specs"]

_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class SpecSelection:
    """The capability files to handle, the documents they use, and what was noted on the way."""

    specs: tuple[Path, ...]
    """Capability files, in command-line order (a folder's files sorted), each once."""
    shared: tuple[tuple[Path, Path | None, str], ...] = ()
    """Documents found in a folder walk that capability files use: (document, a user or None,
    kind), kind `consumes` (a shared-consumes document) or `binds` (a file of bind values)."""
    notes: tuple[Diagnostic, ...] = ()
    """NAF122 (a file named twice) and NAF123 (a document set apart)."""
    nothing: Diagnostic | None = None
    """The NAF121 error when no capability file was found (only `shared` documents, or none)."""


def _walk(paths: Iterable[Path]) -> Iterator[tuple[Path, bool]]:
    """(file, found by a folder walk), in command-line order."""
    for path in paths:
        if path.is_dir():
            for found in sorted(p for p in path.rglob("*") if p.suffix in _SUFFIXES):
                if found.is_file():
                    yield found, True
        else:
            yield path, False


def _key(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:  # pragma: no cover - a path that cannot be resolved is compared as given
        return path


def _used_documents(spec: Path) -> Iterator[tuple[Path, str]]:
    """The documents a capability file imports or reads binds from, resolved; none if unreadable.

    Only files that mention `location` are parsed (the others use no document).
    """
    try:
        text = read_spec_file(spec, str(spec))
        if "location" not in text:
            return
        data = load_spec(text, str(spec)).data
    except DiagnosticError:
        return  # its own build reports why it cannot be read
    capability = data.get("capability")
    consumes = capability.get("consumes") if isinstance(capability, dict) else None
    for kind, entries in (("consumes", consumes), ("binds", data.get("binds"))):
        for entry in entries if isinstance(entries, list) else []:
            location = entry.get("location") if isinstance(entry, dict) else None
            if not isinstance(location, str) or "://" in location.removeprefix("file://"):
                continue
            relative = location.removeprefix("file://")
            # `file:///./shared/x.yaml` (engine style) means `./shared/x.yaml`.
            relative = relative[1:] if relative.startswith("/./") else relative
            if relative.startswith("/"):
                continue
            yield _key(spec.parent / relative), kind


def _shared_shape(path: Path) -> bool:
    """Whether a file is a shared-consumes document: top-level `consumes`, no `capability`."""
    try:
        text = read_spec_file(path, str(path))
        if "capability" in text or "consumes" not in text:
            return False
        data = load_spec(text, str(path)).data
    except DiagnosticError:
        return False
    return "capability" not in data and isinstance(data.get("consumes"), list)


def select_specs(paths: Iterable[Path]) -> SpecSelection:
    """The files `paths` name, de-duplicated, with the documents capability files use set apart."""
    given = [Path(p) for p in paths]
    files: list[tuple[Path, bool]] = []
    seen: dict[Path, Path] = {}
    notes: list[Diagnostic] = []
    for path, walked in _walk(given):
        key = _key(path)
        if key in seen:
            notes.append(_note(path, "NAF122", f"named twice (also as {seen[key]}); handled once"))
            continue
        seen[key] = path
        files.append((path, walked))
    used: dict[Path, tuple[Path, str]] = {}
    for path, _ in files:
        for document, kind in _used_documents(path):
            used.setdefault(document, (path, kind))
    specs: list[Path] = []
    shared: list[tuple[Path, Path | None, str]] = []
    for path, walked in files:
        user = used.get(_key(path))
        if walked and user is not None and _key(user[0]) != _key(path):
            shared.append((path, user[0], user[1]))
            what = "shared-consumes document" if user[1] == "consumes" else "file of bind values"
            notes.append(
                _note(path, "NAF123", f"{what} used by {user[0]}: checked as such, not built alone")
            )
        elif walked and user is None and _shared_shape(path):
            shared.append((path, None, "consumes"))
            notes.append(
                _note(
                    path,
                    "NAF123",
                    "shared-consumes document (no capability file here imports it): checked as "
                    "such, not built alone",
                )
            )
        else:
            specs.append(path)
    nothing = None if specs else _nothing(given, bool(shared))
    return SpecSelection(tuple(specs), tuple(shared), tuple(notes), nothing)


def _note(path: Path, code: str, message: str) -> Diagnostic:
    return Diagnostic(Location(str(path)), code, Severity.INFO, message)


def _nothing(given: list[Path], shared: bool) -> Diagnostic:
    names = ", ".join(str(p) for p in given) or "(nothing)"
    message = (
        f"no capability file to handle in {names}: only documents that capability files use"
        if shared
        else f"no capability file found in {names} (no *.yaml or *.yml file)"
    )
    return Diagnostic(
        Location(names),
        "NAF121",
        Severity.ERROR,
        message,
        "check the path; a folder is searched for *.yaml and *.yml files at any depth",
    )
