"""Shared by the baseline servers: argument parsing and a quiet uvloop + httptools uvicorn."""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn


def parse_args(description: str, *, upstream: bool = True) -> argparse.Namespace:
    """`--port` always; `--upstream URL --token T` for the proxies."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    if upstream:
        parser.add_argument("--upstream", required=True, help="e.g. http://127.0.0.1:8888")
        parser.add_argument("--token", default="", help="sent as ?token= (Jupyter's auth)")
    return parser.parse_args()


def run(app: Any, host: str, port: int) -> None:
    """Serve `app` the way the generated adapter does: uvloop, httptools, no access log."""
    uvicorn.run(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
        server_header=False,
        lifespan="on",
    )
