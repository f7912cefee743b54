"""The consumed operations: one coroutine per upstream HTTP operation the adapters call."""

from __future__ import annotations

from .upstream import UpstreamClient, UpstreamResponse, path_segment, query_items

__all__ = [
    "get_ticket",
    "list_tickets",
    "record_score",
]


async def list_tickets(
    client: UpstreamClient,
) -> UpstreamResponse:
    """GET /tickets

    Sends `GET /tickets` to the helpdesk API.
    """
    return await client.send(
        "helpdesk",
        "GET",
        "/tickets",
        operation="list-tickets",
    )


async def get_ticket(
    client: UpstreamClient,
    *,
    id_: str,
) -> UpstreamResponse:
    """GET /tickets/{{id}}

    Sends `GET /tickets/{{id}}` to the helpdesk API.

    Args:
        id_: path parameter id
    """
    return await client.send(
        "helpdesk",
        "GET",
        "/tickets/" + path_segment(id_),
        operation="get-ticket",
    )


async def record_score(
    client: UpstreamClient,
    *,
    id_: str,
    score: str | None = None,
) -> UpstreamResponse:
    """PUT /tickets/{{id}}/score

    Sends `PUT /tickets/{{id}}/score` to the helpdesk API.

    Args:
        id_: path parameter id
        score: query parameter score
    """
    return await client.send(
        "helpdesk",
        "PUT",
        "/tickets/" + path_segment(id_) + "/score",
        query=query_items(
            ("score", score),
        ),
        operation="record-score",
    )
