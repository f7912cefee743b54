"""The benchmark table's types: a row, a goal, and the run's options."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Row:
    """One line of the table: the median of `runs`, and its ratio to the section's baseline."""

    section: str
    name: str
    unit: str
    value: float
    runs: list[float] = field(default_factory=list)
    p50_ms: float | None = None
    p99_ms: float | None = None
    baseline: str | None = None
    ratio: float | None = None
    note: str = ""
    cpu_us: float | None = None
    """CPU microseconds the server process spent per request (load rows that measure it)."""


@dataclass
class Target:
    """A goal from issue 5, reported (never asserted)."""

    what: str
    ratio: float | None
    goal: str
    passed: bool | None


@dataclass
class Options:
    quick: bool
    duration: float
    warmup: float
    reps: int
    connections: int
    wrk_threads: int
    mcp_calls: int
    build_reps: int
    corpus_stride: int
    use_wrk: bool
    profile: bool
    adapter_package: Path | None
    out: Path
    work: Path
