"""Part of stage 1, load: the schema files that consumed operations name in `outputSchema`.

An Avro (`.avsc`) or Protocol Buffers (`.proto`) body is read with the schema file the
operation names; naftiko-gen ships a copy inside the package. The file is untrusted input like
the spec: it must be a regular UTF-8 file inside the spec's folder, reached without a symbolic
link, and no larger than `NAFTIKO_GEN_MAX_SPEC_BYTES`. Each problem is a located NAF131.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .diagnostics import Diagnostic, DiagnosticError, Severity
from .load import LoadedSpec, NodePath, read_spec_file
from .runtime.formats import SCHEMA_FORMATS

__all__ = ["load_schema_files"]


def load_schema_files(spec: LoadedSpec, spec_path: Path) -> dict[str, str]:
    """The text of every schema file named by an avro/protobuf operation, by `outputSchema`.

    Raise `DiagnosticError` (located at each `outputSchema` value) when one cannot be read.
    """
    loaded: dict[str, str] = {}
    problems: list[Diagnostic] = []
    folder = spec_path.parent.resolve()
    for path, name in _schema_references(spec.data):
        if name in loaded:
            continue
        problem = _outside(folder, name)
        if problem is None:
            try:
                loaded[name] = read_spec_file(folder / name, name)
                continue
            except DiagnosticError as error:
                problem = error.diagnostics[0].message.removeprefix("cannot read the file: ")
        problems.append(
            Diagnostic(
                spec.locate(path),
                "NAF131",
                Severity.ERROR,
                f"cannot read the schema file {name!r}: {problem}",
                "name a .avsc or .proto file inside this spec's folder, relative to it",
            )
        )
    if problems:
        raise DiagnosticError(problems)
    return loaded


def _outside(folder: Path, name: str) -> str | None:
    """Why `name` may not be read (outside the folder, through a link), or None."""
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        return "the path must be relative to the spec's folder and stay inside it"
    current = folder
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            return f"{part!r} is a symbolic link, which naftiko-gen does not follow"
    return None


def _schema_references(data: object) -> Iterator[tuple[NodePath, str]]:
    """`(path of the outputSchema value, value)` of each avro/protobuf consumed operation."""
    capability = data.get("capability") if isinstance(data, dict) else None
    consumes = capability.get("consumes") if isinstance(capability, dict) else None
    for a, api in enumerate(consumes if isinstance(consumes, list) else []):
        resources = api.get("resources") if isinstance(api, dict) else None
        for r, resource in enumerate(resources if isinstance(resources, list) else []):
            operations = resource.get("operations") if isinstance(resource, dict) else None
            for o, operation in enumerate(operations if isinstance(operations, list) else []):
                if not isinstance(operation, dict):
                    continue
                raw_format = str(operation.get("outputRawFormat") or "").lower()
                schema = operation.get("outputSchema")
                if raw_format in SCHEMA_FORMATS and isinstance(schema, str) and schema.strip():
                    path = ("capability", "consumes", a, "resources", r, "operations", o)
                    yield (*path, "outputSchema"), schema.strip()
