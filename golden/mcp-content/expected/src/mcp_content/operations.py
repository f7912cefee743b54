"""The consumed operations: one coroutine per upstream HTTP operation the adapters call."""

from __future__ import annotations

from typing import Any

from .upstream import UpstreamClient, UpstreamResponse, header_items, path_segment

__all__ = [
    "query_db",
]


async def query_db(
    client: UpstreamClient,
    *,
    datasource_id: str,
    body: Any = None,
) -> UpstreamResponse:
    """Query Database

    Sends `POST /databases/{{datasource_id}}/query` to the crm API.

    Args:
        datasource_id: path parameter datasource_id
        body: the request body, built from the spec's body template
    """
    return await client.send(
        "crm",
        "POST",
        "/databases/" + path_segment(datasource_id) + "/query",
        headers=header_items(
            ("Content-Type", "application/json"),
        ),
        json_body=body,
        operation="query-db",
    )
