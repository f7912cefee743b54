"""Test helpers copied verbatim into every generated package's `tests/` folder (not its wheel)."""

__all__: list[str] = []
