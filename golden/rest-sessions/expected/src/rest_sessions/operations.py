"""The consumed operations: one coroutine per upstream HTTP operation the adapters call."""

from __future__ import annotations

from typing import Any

from .upstream import UpstreamClient, UpstreamResponse, path_segment

__all__ = [
    "createsession",
    "deletesession",
    "getsession",
    "listsessions",
    "updatesession",
]


async def listsessions(
    client: UpstreamClient,
) -> UpstreamResponse:
    """Jupyter Notebook List running sessions

    Sends `GET /api/sessions` to the rest-sessions API.
    """
    return await client.send(
        "rest-sessions",
        "GET",
        "/api/sessions",
        operation="listsessions",
    )


async def createsession(
    client: UpstreamClient,
    *,
    body: dict[str, Any],
) -> UpstreamResponse:
    """Jupyter Notebook Create a new session

    Sends `POST /api/sessions` to the rest-sessions API.

    Args:
        body: Request body (JSON).
    """
    return await client.send(
        "rest-sessions",
        "POST",
        "/api/sessions",
        json_body=body,
        operation="createsession",
    )


async def getsession(
    client: UpstreamClient,
    *,
    session_id: str,
) -> UpstreamResponse:
    """Jupyter Notebook Get a session

    Sends `GET /api/sessions/{session_id}` to the rest-sessions API.

    Args:
        session_id: Unique identifier for the session.
    """
    return await client.send(
        "rest-sessions",
        "GET",
        "/api/sessions/" + path_segment(session_id),
        operation="getsession",
    )


async def updatesession(
    client: UpstreamClient,
    *,
    session_id: str,
    body: dict[str, Any],
) -> UpstreamResponse:
    """Jupyter Notebook Update a session

    Sends `PATCH /api/sessions/{session_id}` to the rest-sessions API.

    Args:
        session_id: Unique identifier for the session.
        body: Request body (JSON).
    """
    return await client.send(
        "rest-sessions",
        "PATCH",
        "/api/sessions/" + path_segment(session_id),
        json_body=body,
        operation="updatesession",
    )


async def deletesession(
    client: UpstreamClient,
    *,
    session_id: str,
) -> UpstreamResponse:
    """Jupyter Notebook Delete a session

    Sends `DELETE /api/sessions/{session_id}` to the rest-sessions API.

    Args:
        session_id: Unique identifier for the session.
    """
    return await client.send(
        "rest-sessions",
        "DELETE",
        "/api/sessions/" + path_segment(session_id),
        operation="deletesession",
    )
