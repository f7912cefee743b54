"""The consumed operations: one coroutine per upstream HTTP operation the adapters call."""

from __future__ import annotations

from .upstream import UpstreamClient, UpstreamResponse, header_items, path_segment, query_items

__all__ = [
    "get_thing",
]


async def get_thing(
    client: UpstreamClient,
    *,
    thing_id: str,
    q: str | None = None,
) -> UpstreamResponse:
    """Upstream op \"\"\" ''' \\ {{ x }} # | ` </script>
    second line

    Sends `GET /things/{{thing_id}}` to the hostile API.

    Args:
        thing_id: path parameter thing_id
        q: query parameter q
    """
    return await client.send(
        "hostile",
        "GET",
        "/things/" + path_segment(thing_id),
        query=query_items(
            ("q", q),
        ),
        headers=header_items(
            ("X-Client", 'naftiko "gen" \\ # ✓'),
        ),
        operation="get-thing",
    )
