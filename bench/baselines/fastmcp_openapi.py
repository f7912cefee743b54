"""The competitor: `FastMCP.from_openapi` over a one-operation OpenAPI document.

`GET /api/sessions` (operationId `listsessions`) on the same upstream, through the `httpx2`
client FastMCP requires; Streamable HTTP at `/mcp`, stateless, JSON responses, WARNING logs.
"""

from __future__ import annotations

import os

os.environ.setdefault("FASTMCP_LOG_LEVEL", "WARNING")

import httpx2
from _serve import parse_args, run
from fastmcp import FastMCP

args = parse_args(__doc__ or "")
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Jupyter sessions", "version": "1"},
    "servers": [{"url": args.upstream}],
    "paths": {
        "/api/sessions": {
            "get": {
                "operationId": "listsessions",
                "summary": "List running sessions",
                "responses": {
                    "200": {
                        "description": "The sessions",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"type": "object"}}
                            }
                        },
                    }
                },
            }
        }
    },
}
client = httpx2.AsyncClient(
    base_url=args.upstream, params={"token": args.token} if args.token else None, timeout=30
)
server = FastMCP.from_openapi(SPEC, client=client, name="bench-fastmcp")
app = server.http_app(path="/mcp", json_response=True, stateless_http=True)

if __name__ == "__main__":
    run(app, args.host, args.port)
