"""naftiko-gen: turn a Naftiko capability file into a standalone FastAPI + MCP server package."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
