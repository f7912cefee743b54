"""Stage 1, load: a YAML file's bytes → plain data plus the line and column of every node.

The file is untrusted: it is read only when it is a regular file no larger than
`NAFTIKO_GEN_MAX_SPEC_BYTES`, decoded as UTF-8 (a bad byte or another encoding's byte-order mark
is a located error), and composed by our own composer over libyaml's events, which bounds nesting
(`NAFTIKO_GEN_MAX_DEPTH`) and what `*alias` references may add (`NAFTIKO_GEN_MAX_ALIAS_NODES`).
Every refusal is a `DiagnosticError` located at its line and column, never a crash.
"""

from __future__ import annotations

import codecs
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.resolver import Resolver

from .diagnostics import Diagnostic, DiagnosticError, Location, Severity
from .limits import MAX_ALIAS_NODES, MAX_DEPTH, MAX_SPEC_BYTES, Limit

try:  # libyaml's parser (events in C); the pure-Python one when PyYAML was built without it
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - every supported wheel ships libyaml
    from yaml.parser import Parser as _PyParser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, _PyParser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            _PyParser.__init__(self)


__all__ = ["LoadedSpec", "NodePath", "decode_text", "load_imports", "load_spec", "read_spec_file"]

NodePath = tuple[str | int, ...]
"""Keys and indexes from the document root to a node, e.g. `("capability", "consumes", 0)`."""

_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _error(
    source: str, line: int, column: int, code: str, message: str, hint: str
) -> DiagnosticError:
    return DiagnosticError(
        [Diagnostic(Location(source, line, column), code, Severity.ERROR, message, hint)]
    )


def _over(limit: Limit, source: str, line: int, column: int, found: str) -> DiagnosticError:
    return _error(
        source,
        line,
        column,
        "NAF107",
        f"{found}: the limit is {limit.value:,} {limit.what}",
        limit.hint(),
    )


def read_spec_file(path: Path, source: str) -> str:
    """Read a spec (or imported) file as text; raise a located `DiagnosticError` when it cannot.

    Only a regular file is read (a FIFO, a device such as /dev/zero or a folder is refused
    without blocking on it), and no more than `NAFTIKO_GEN_MAX_SPEC_BYTES` of it.
    """
    limit = MAX_SPEC_BYTES.value
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise _unreadable(source, f"cannot read the file: {error}") from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO, device or socket"
        raise _unreadable(source, f"cannot read the file: it is {kind}, not a regular file")
    with os.fdopen(descriptor, "rb") as stream:
        try:
            data = stream.read(limit + 1)
        except OSError as error:
            raise _unreadable(source, f"cannot read the file: {error}") from None
    if len(data) > limit:
        raise _over(MAX_SPEC_BYTES, source, 1, 1, "the file is too large")
    return decode_text(data, source)


def _unreadable(source: str, message: str) -> DiagnosticError:
    return _error(source, 1, 1, "NAF100", message, "check the path and that the file is UTF-8 text")


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 bytes → text; another encoding's byte-order mark or a bad byte is a located error."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            raise _error(
                source,
                1,
                1,
                "NAF108",
                f"the file is {encoding} (it starts with a {encoding} byte-order mark); "
                "naftiko-gen reads UTF-8",
                "save the file as UTF-8 (without a byte-order mark)",
            )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _position(data, error.start)
        raise _error(
            source,
            line,
            column,
            "NAF108",
            f"invalid UTF-8: byte 0x{data[error.start]:02x} ({error.reason})",
            "save the file as UTF-8, or fix the character at this position",
        ) from None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of byte `offset` of UTF-8 `data`."""
    offset = max(0, min(offset, len(data)))
    start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, len(data[start:offset].decode("utf-8", "replace")) + 1


class _LimitReached(Exception):
    """Raised inside the composer or builder; `load_spec` turns it into a located NAF107."""

    def __init__(self, limit: Limit, mark: Any, found: str) -> None:
        super().__init__(found)
        self.limit, self.mark, self.found = limit, mark, found


class _Composer(Composer, _Parser, Resolver):
    """PyYAML's composer over libyaml's events, with a nesting bound and alias positions.

    libyaml's own composer recurses in C (100,000 nested brackets crash the process) and
    forgets where an alias stood; this one counts depth and copies each aliased node (same
    children) so the builder knows which nodes an `*alias` produced, and where it was written.
    """

    def __init__(self, text: str) -> None:
        _Parser.__init__(self, text)
        Resolver.__init__(self)
        Composer.__init__(self)
        self.alias_marks: dict[int, Any] = {}
        self._depth = 0
        self._max_depth = MAX_DEPTH.value

    def compose_node(self, parent: Any, index: Any) -> Any:
        event: Any = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            shared: Any = super().compose_node(parent, index)
            copy = type(shared)(shared.tag, shared.value, shared.start_mark, shared.end_mark)
            self.alias_marks[id(copy)] = mark
            return copy
        if not isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > self._max_depth:
            raise _LimitReached(MAX_DEPTH, event.start_mark, "this value is nested too deeply")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


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

    def __init__(self, source: str, alias_marks: Mapping[int, Any]) -> None:
        self.source = source
        self.positions: dict[NodePath, tuple[int, int]] = {}
        self.key_positions: dict[NodePath, tuple[int, int]] = {}
        self.problems: list[Diagnostic] = []
        self._scalars = yaml.constructor.SafeConstructor()
        self._alias_marks = alias_marks
        # Where the outermost alias being expanded was written, and what aliases produced so
        # far: a few hundred bytes of nested aliases can otherwise expand to billions of values.
        self._alias_mark: Any = None
        self._alias_budget = MAX_ALIAS_NODES.value
        self._max_depth = MAX_DEPTH.value

    def _mark(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def build(self, node: yaml.Node, path: NodePath) -> Any:
        alias_mark = self._alias_marks.get(id(node))
        if alias_mark is None or self._alias_mark is not None:
            return self._build(node, path)
        self._alias_mark = alias_mark
        try:
            return self._build(node, path)
        finally:
            self._alias_mark = None

    def _build(self, node: yaml.Node, path: NodePath) -> Any:
        self.positions[path] = self._mark(node)
        if self._alias_mark is not None:
            # A value costs one unit, and its text one more per KiB.
            size = len(node.value) // 1024 if isinstance(node, yaml.ScalarNode) else 0
            self._alias_budget -= 1 + size
            if self._alias_budget < 0:
                raise _LimitReached(
                    MAX_ALIAS_NODES,
                    self._alias_mark,
                    "this alias expands to too many values (or too much text)",
                )
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and len(path) >= self._max_depth:
            # Aliases of aliases nest deeper than the text does: check the built depth too.
            mark = self._alias_mark or node.start_mark
            raise _LimitReached(MAX_DEPTH, mark, "this value is nested too deeply")
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
        try:
            return self._scalars.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError) as error:
            # e.g. an integer over Python's 4,300-digit limit, or `!!int abc`.
            line, column = self._mark(node)
            tag = node.tag.rsplit(":", 1)[-1]
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            if "int_max_str_digits" in reason:
                digits = sum(c.isdigit() for c in str(node.value))
                reason = f"{digits:,} digits; Python reads at most {sys.get_int_max_str_digits():,}"
            self.problems.append(
                Diagnostic(
                    Location(self.source, line, column),
                    "NAF106",
                    Severity.ERROR,
                    f"cannot read this value as {tag}: {reason[:120]}",
                    "quote the value to keep it as text, or shorten it",
                )
            )
            return str(node.value) if isinstance(node, yaml.ScalarNode) else None

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


def _syntax_error(source: str, error: yaml.YAMLError, text: str) -> DiagnosticError:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        problem = error.problem or "invalid YAML"
        context = f" ({error.context})" if error.context else ""
        if error.context_mark is not None and "quoted scalar" in (error.context or ""):
            # An unclosed quote runs to the end of the file: point at where it opens.
            mark = error.context_mark
            problem = f"the quote opened here is never closed ({problem}"
            context = f" {error.context})"
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return _error(
            source,
            line,
            column,
            "NAF101",
            f"YAML syntax error: {problem}{context}",
            "check indentation and quoting around this position",
        )
    if isinstance(error, yaml.reader.ReaderError):
        # libyaml counts the byte offset of the UTF-8 text (a NUL, a control character).
        line, column = _position(text.encode("utf-8", "surrogatepass"), error.position)
        code = f"#x{error.character:04x}" if isinstance(error.character, int) else "a character"
        return _error(
            source,
            line,
            column,
            "NAF101",
            f"YAML syntax error: {code} is not allowed here ({error.reason})",
            "remove the character, or write it as an escape inside a double-quoted string",
        )
    return _error(
        source,
        1,
        1,
        "NAF101",
        f"YAML error: {error}",
        "a capability file holds exactly one YAML document",
    )


def load_spec(text: str, source: str) -> LoadedSpec:
    """Parse capability YAML text; raise `DiagnosticError` for unreadable or empty input."""
    try:
        composer = _Composer(text)
        try:
            node = composer.get_single_node()
        finally:
            composer.dispose()
        if node is None:
            raise _empty(source)
        builder = _Builder(source, composer.alias_marks)
        data = builder.build(node, ())
    except yaml.YAMLError as error:
        raise _syntax_error(source, error, text) from None
    except _LimitReached as limit:
        line, column = limit.mark.line + 1, limit.mark.column + 1
        raise _over(limit.limit, source, line, column, limit.found) from None
    except UnicodeEncodeError:
        raise _error(
            source, 1, 1, "NAF108", "the text holds a lone surrogate", "save the file as UTF-8"
        ) from None
    if builder.problems:
        raise DiagnosticError(builder.problems)
    if data is None:
        # A document of only `---` (or `~`) holds nothing, like an empty file.
        raise _empty(source)
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


def _empty(source: str) -> DiagnosticError:
    return _error(
        source,
        1,
        1,
        "NAF103",
        "the file is empty",
        "start the file with `naftiko: 1.0.0-alpha2` and a `capability:` block",
    )


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
            text = read_spec_file(target, shown)
        except DiagnosticError as error:
            if error.diagnostics[0].code != "NAF100":
                problems.extend(error.diagnostics)  # located in the imported file
                continue
            problems.append(
                Diagnostic(
                    spec.locate(("capability", "consumes", index, "location")),
                    "NAF120",
                    Severity.ERROR,
                    f"cannot read imported consumes file {location!r}: "
                    + error.diagnostics[0].message.removeprefix("cannot read the file: "),
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
