"""Stage 1, load: a YAML file's text → plain data plus the line and column of every node."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, DiagnosticError, Location, Severity

__all__ = ["LoadedSpec", "NodePath", "load_imports", "load_spec"]

NodePath = tuple[str | int, ...]
"""Keys and indexes from the document root to a node, e.g. `("capability", "consumes", 0)`."""

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class LoadedSpec:
    """A parsed capability document and where each of its nodes stands in the file."""

    source: str
    """The file name diagnostics print (as the user gave it)."""
    data: Any
    """The document as plain dicts, lists, strings, numbers, booleans and None."""
    text: str
    """The raw file text (hashed into generated manifests)."""
    positions: Mapping[NodePath, tuple[int, int]] = field(repr=False)
    """1-based (line, column) of each value node."""
    key_positions: Mapping[NodePath, tuple[int, int]] = field(repr=False)
    """1-based (line, column) of each mapping key, by the path of its value."""

    def locate(self, path: NodePath, *, key: bool = False) -> Location:
        """Return the position of `path`, or of its nearest located ancestor."""
        table = self.key_positions if key else self.positions
        probe = tuple(path)
        while probe:
            if probe in table:
                line, column = table[probe]
                return Location(self.source, line, column)
            if key and probe in self.positions:
                line, column = self.positions[probe]
                return Location(self.source, line, column)
            probe = probe[:-1]
        line, column = self.positions.get((), (1, 1))
        return Location(self.source, line, column)


class _Builder:
    """Turns a composed YAML node tree into plain data, recording positions on the way."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.positions: dict[NodePath, tuple[int, int]] = {}
        self.key_positions: dict[NodePath, tuple[int, int]] = {}
        self.problems: list[Diagnostic] = []
        self._scalars = yaml.constructor.SafeConstructor()

    def _mark(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def build(self, node: yaml.Node, path: NodePath) -> Any:
        self.positions[path] = self._mark(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        return self._scalar(node)

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag == "tag:yaml.org,2002:timestamp":
            # Dates stay text: the spec types `created`/`modified` as YYYY-MM-DD strings.
            return str(node.value)
        if node.tag in ("tag:yaml.org,2002:binary", "tag:yaml.org,2002:set"):
            return str(node.value)
        if not node.tag.startswith("tag:yaml.org,2002:"):
            # Local tags (`!foo`) carry no meaning in a capability: keep the text.
            return str(node.value) if isinstance(node, yaml.ScalarNode) else None
        return self._scalars.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: NodePath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        # Keys taken from `<<:` merges; an explicit key of the mapping overrides them (YAML 1.1).
        merged_keys: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged = self.build(value_node, (*path, "<<"))
                if isinstance(merged, dict):
                    for merged_key, merged_value in merged.items():
                        if merged_key not in result:
                            merged_keys.add(merged_key)
                            result[merged_key] = merged_value
                continue
            raw_key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            key = "" if raw_key is None else str(raw_key)
            child: NodePath = (*path, key)
            if key in merged_keys:
                merged_keys.discard(key)
                del result[key]
            if key in result:
                line, column = self._mark(key_node)
                first_line = self.key_positions.get(child, (0, 0))[0]
                self.problems.append(
                    Diagnostic(
                        Location(self.source, line, column),
                        "NAF102",
                        Severity.ERROR,
                        f"duplicate key {key!r} (first defined on line {first_line})",
                        "remove one of the two entries; YAML keeps only the last one",
                    )
                )
                continue
            self.key_positions[child] = self._mark(key_node)
            result[key] = self.build(value_node, child)
        return result


def load_spec(text: str, source: str) -> LoadedSpec:
    """Parse capability YAML text; raise `DiagnosticError` for unreadable or empty input."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = error.problem or "invalid YAML"
        context = f" ({error.context})" if error.context else ""
        raise DiagnosticError(
            [
                Diagnostic(
                    Location(source, line, column),
                    "NAF101",
                    Severity.ERROR,
                    f"YAML syntax error: {problem}{context}",
                    "check indentation and quoting around this position",
                )
            ]
        ) from None
    except yaml.YAMLError as error:
        raise DiagnosticError(
            [
                Diagnostic(
                    Location(source, 1, 1),
                    "NAF101",
                    Severity.ERROR,
                    f"YAML error: {error}",
                    "a capability file holds exactly one YAML document",
                )
            ]
        ) from None
    if node is None:
        raise DiagnosticError(
            [
                Diagnostic(
                    Location(source, 1, 1),
                    "NAF103",
                    Severity.ERROR,
                    "the file is empty",
                    "start the file with `naftiko: 1.0.0-alpha2` and a `capability:` block",
                )
            ]
        )
    builder = _Builder(source)
    data = builder.build(node, ())
    if builder.problems:
        raise DiagnosticError(builder.problems)
    if data is None:
        # A document of only `---` (or `~`) holds nothing, like an empty file.
        raise DiagnosticError(
            [
                Diagnostic(
                    Location(source, 1, 1),
                    "NAF103",
                    Severity.ERROR,
                    "the file is empty",
                    "start the file with `naftiko: 1.0.0-alpha2` and a `capability:` block",
                )
            ]
        )
    if not isinstance(data, dict):
        raise DiagnosticError(
            [
                Diagnostic(
                    Location(source, *builder.positions[()]),
                    "NAF104",
                    Severity.ERROR,
                    f"the document is a {type(data).__name__}; expected a mapping",
                    "a capability file is a YAML mapping with `naftiko:` and `capability:` keys",
                )
            ]
        )
    return LoadedSpec(source, data, text, builder.positions, builder.key_positions)


def load_imports(spec: LoadedSpec, spec_path: Path) -> dict[str, LoadedSpec]:
    """Load the shared-consumes files that `consumes[].location` names, relative to the spec.

    Raise `DiagnosticError` (located at the `location` value) when one cannot be read.
    """
    capability = spec.data.get("capability")
    entries = capability.get("consumes") if isinstance(capability, dict) else None
    loaded: dict[str, LoadedSpec] = {}
    problems: list[Diagnostic] = []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict) or not isinstance(entry.get("location"), str):
            continue
        location = entry["location"]
        if location in loaded:
            continue
        # The engine reads `location` as a path relative to the capability's folder.
        relative = location.removeprefix("file://")
        target = spec_path.parent / relative
        shown = str(Path(spec.source).parent / relative)
        try:
            text = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(
                Diagnostic(
                    spec.locate(("capability", "consumes", index, "location")),
                    "NAF120",
                    Severity.ERROR,
                    f"cannot read imported consumes file {location!r}: {error.__class__.__name__}",
                    "the path is relative to this file's folder, e.g. `./shared/api.yaml`",
                )
            )
            continue
        try:
            loaded[location] = load_spec(text, shown)
        except DiagnosticError as error:
            problems.extend(error.diagnostics)
    if problems:
        raise DiagnosticError(problems)
    return loaded
