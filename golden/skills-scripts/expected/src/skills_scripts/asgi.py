"""App factories for other ASGI servers: `uvicorn --factory skills_scripts.asgi:create_…_app`.

Each factory reads the same settings as `serve` (the environment, `NAFTIKO_*` variables and
the secrets) and returns the app behind the same guard: request ids and access lines
(`NAFTIKO_ACCESS_LOG`), Host/Origin checks, the deployment's API key, the body limit (set `NAFTIKO_HOST` to the address the server binds, so Host names of
that address are answered), with metrics and request summaries as `NAFTIKO_METRICS` and
`NAFTIKO_TRACE_BUFFER` say. Connection limits and the drain are the server's own then.
"""

from __future__ import annotations

import argparse
from typing import cast

from starlette.types import ASGIApp

from .cli import DEFAULT_MCP_HOST, DEFAULT_REST_HOST, PROG, build_parser
from .control import adapter_states
from .mcp_server import create_http_app
from .metrics import instrument
from .ops import close_on_shutdown, enable_observability, ops_app, ops_routes
from .rest_app import create_app
from .serving import configure_hosted, http_server
from .settings import load_settings
from .upstream import UpstreamClient

__all__ = ["create_mcp_app", "create_ops_app", "create_rest_app"]


def _options() -> argparse.Namespace:
    """The `serve` options, from the environment only; logging and tracing set up by them."""
    options = build_parser().parse_args(["serve"])
    configure_hosted(PROG, options)
    return options


def _served(
    app: ASGIApp,
    client: UpstreamClient,
    host: str,
    port: int,
    options: argparse.Namespace,
    adapter: str,
) -> ASGIApp:
    """`app` as `serve` runs it: the guard, and request ids and access lines around it; its
    upstream client closed when the server's lifespan shuts down (not under `--lifespan off`)."""
    served = cast(ASGIApp, http_server(app, host, port, options, adapter=adapter).config.app)
    return close_on_shutdown(served, client.close)


def create_rest_app() -> ASGIApp:
    """The REST adapter, guarded and measured as under `serve`."""
    options = _options()
    client = UpstreamClient(load_settings())
    enable_observability(options, client.apis)
    app = instrument(create_app(client, otel=options.otel), "rest")
    host = options.host or DEFAULT_REST_HOST
    return _served(app, client, host, options.rest_port, options, "rest")


def create_mcp_app() -> ASGIApp:
    """The MCP adapter (Streamable HTTP at `/mcp`), guarded and measured as under `serve`."""
    options = _options()
    client = UpstreamClient(load_settings())
    enable_observability(options, client.apis)
    host = options.host or DEFAULT_MCP_HOST
    app = instrument(create_http_app(client, host=host), "mcp", default_route="/mcp")
    return _served(app, client, host, options.mcp_port, options, "mcp")


def create_ops_app() -> ASGIApp:
    """Liveness, readiness (the consumed upstreams), metrics and traces of this process."""
    options = _options()
    client = UpstreamClient(load_settings())
    probe = enable_observability(options, client.apis)
    routes = ops_routes(
        adapter_states([]),
        probe,
        metrics_endpoint=options.metrics,
        traces_endpoint=options.trace_buffer > 0,
    )
    return ops_app(routes, probe)
