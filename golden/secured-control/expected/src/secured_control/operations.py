"""The consumed operations: one coroutine per upstream HTTP operation the adapters call."""

from __future__ import annotations

from .upstream import UpstreamClient, UpstreamResponse, query_items, without_none

__all__ = [
    "list_vessels",
    "register_vessel",
]


async def list_vessels(
    client: UpstreamClient,
    *,
    status: str | None = None,
) -> UpstreamResponse:
    """GET /vessels

    Sends `GET /vessels` to the dockyard API.

    Args:
        status: query parameter status
    """
    return await client.send(
        "dockyard",
        "GET",
        "/vessels",
        query=query_items(
            ("status", status),
        ),
        operation="list-vessels",
    )


async def register_vessel(
    client: UpstreamClient,
    *,
    vessel_code: str | None = None,
    vessel_name: str | None = None,
) -> UpstreamResponse:
    """POST /vessels

    Sends `POST /vessels` to the dockyard API.

    Args:
        vessel_code: body parameter vesselCode
        vessel_name: body parameter vesselName
    """
    return await client.send(
        "dockyard",
        "POST",
        "/vessels",
        json_body=without_none({"vesselCode": vessel_code, "vesselName": vessel_name}),
        operation="register-vessel",
    )
