"""The consumed operations: one coroutine per upstream HTTP operation the adapters call."""

from __future__ import annotations

from typing import Any

from .multipart import multipart_form
from .upstream import UpstreamClient, UpstreamResponse, header_items, path_segment

__all__ = [
    "berth_feed",
    "bulletin",
    "get_ship",
    "list_berths",
    "list_crew",
    "list_ports",
    "notice_table",
    "tide_feed",
    "upload_manifest",
]


async def upload_manifest(
    client: UpstreamClient,
    *,
    imo_number: str,
    body: Any = None,
) -> UpstreamResponse:
    """POST /ships/{{imo_number}}/manifests

    Sends `POST /ships/{{imo_number}}/manifests` to the archive API.

    Args:
        imo_number: path parameter imo_number
        body: the request body, built from the spec's body template
    """
    return await client.send(
        "archive",
        "POST",
        "/ships/" + path_segment(imo_number) + "/manifests",
        data=multipart_form(body),
        operation="upload-manifest",
    )


async def get_ship(
    client: UpstreamClient,
    *,
    imo_number: str,
) -> UpstreamResponse:
    """GET /ships/{{imo_number}}

    Sends `GET /ships/{{imo_number}}` to the registry API.

    Args:
        imo_number: path parameter imo_number
    """
    return await client.send(
        "registry",
        "GET",
        "/ships/" + path_segment(imo_number),
        operation="get-ship",
    )


async def list_crew(
    client: UpstreamClient,
) -> UpstreamResponse:
    """GET /exports/crew.csv

    Sends `GET /exports/crew.csv` to the crew-export API.
    """
    return await client.send(
        "crew-export",
        "GET",
        "/exports/crew.csv",
        raw_format="csv",
        operation="list-crew",
    )


async def list_ports(
    client: UpstreamClient,
) -> UpstreamResponse:
    """GET /ports.xml

    Sends `GET /ports.xml` to the port-feed API.
    """
    return await client.send(
        "port-feed",
        "GET",
        "/ports.xml",
        headers=header_items(
            ("User-Agent", "Naftiko/1.0.0-alpha2"),
        ),
        raw_format="xml",
        operation="list-ports",
    )


async def notice_table(
    client: UpstreamClient,
) -> UpstreamResponse:
    """GET /notices.html

    Sends `GET /notices.html` to the port-notices API.
    """
    return await client.send(
        "port-notices",
        "GET",
        "/notices.html",
        raw_format="html",
        output_schema="table.notices",
        operation="notice-table",
    )


async def bulletin(
    client: UpstreamClient,
) -> UpstreamResponse:
    """GET /bulletin.md

    Sends `GET /bulletin.md` to the port-notices API.
    """
    return await client.send(
        "port-notices",
        "GET",
        "/bulletin.md",
        raw_format="markdown",
        output_schema="Notice",
        operation="bulletin",
    )


async def berth_feed(
    client: UpstreamClient,
) -> UpstreamResponse:
    """GET /berths.avro

    Sends `GET /berths.avro` to the port-notices API.
    """
    return await client.send(
        "port-notices",
        "GET",
        "/berths.avro",
        raw_format="avro",
        output_schema="avro-95184eee968e709e.avsc",
        operation="berth-feed",
    )


async def tide_feed(
    client: UpstreamClient,
) -> UpstreamResponse:
    """GET /tides.pb

    Sends `GET /tides.pb` to the port-notices API.
    """
    return await client.send(
        "port-notices",
        "GET",
        "/tides.pb",
        raw_format="protobuf",
        output_schema="protobuf-1ee2d9753d40c359.proto",
        operation="tide-feed",
    )


async def list_berths(
    client: UpstreamClient,
    *,
    port: str,
) -> UpstreamResponse:
    """GET /ports/{{port}}/berths.yaml

    Sends `GET /ports/{{port}}/berths.yaml` to the port-feed API.

    Args:
        port: path parameter port
    """
    return await client.send(
        "port-feed",
        "GET",
        "/ports/" + path_segment(port) + "/berths.yaml",
        headers=header_items(
            ("User-Agent", "Naftiko/1.0.0-alpha2"),
        ),
        raw_format="yaml",
        operation="list-berths",
    )
