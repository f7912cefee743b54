"""Orchestrated units: each runs its spec `steps` in order, then answers with its `mappings`.

A `call` step calls one consumed operation and keeps its output for later steps; a `lookup` step
joins on an earlier output (the helpers are in `steps.py`). The first upstream error (status
>= 400) ends the run and is answered as is.
"""

from __future__ import annotations

from typing import Any

from . import operations
from .steps import answer, lookup, select, step_output
from .upstream import UpstreamClient, UpstreamResponse

__all__ = [
    "answer",
    "get_ship_with_crew",
    "get_ship_with_crew_2",
    "lookup",
    "select",
    "step_output",
]


async def get_ship_with_crew(
    client: UpstreamClient,
    *,
    imo: str,
) -> UpstreamResponse:
    """Orchestrated GET /ships/{imo}/crew

    Steps:
        1. get-ship: call registry.get-ship
        2. list-crew: call crew-export.list-crew
        3. resolve-crew: look up crewId in the output of list-crew
    """
    outputs: dict[str, Any] = {}
    reply = await operations.get_ship(
        client,
        imo_number=imo,
    )
    if reply.status >= 400:
        return reply
    outputs["get-ship"] = step_output(reply)
    reply = await operations.list_crew(
        client,
    )
    if reply.status >= 400:
        return reply
    outputs["list-crew"] = step_output(reply)
    outputs["resolve-crew"] = lookup(
        outputs.get("list-crew"),
        "crewId",
        select(outputs, ("get-ship", "assignedCrew")),
        ("fullName", "role"),
    )
    return answer(
        outputs,
        (
            (("imo",), ("get-ship", "imo_number")),
            (("name",), ("get-ship", "vessel_name")),
            (("crew",), ("resolve-crew",)),
        ),
        reply,
    )


async def get_ship_with_crew_2(
    client: UpstreamClient,
    *,
    imo: str,
) -> UpstreamResponse:
    """A ship with its crew's names and roles

    Steps:
        1. get-ship: call registry.get-ship
        2. list-crew: call crew-export.list-crew
        3. resolve-crew: look up crewId in the output of list-crew
    """
    outputs: dict[str, Any] = {}
    reply = await operations.get_ship(
        client,
        imo_number=imo,
    )
    if reply.status >= 400:
        return reply
    outputs["get-ship"] = step_output(reply)
    reply = await operations.list_crew(
        client,
    )
    if reply.status >= 400:
        return reply
    outputs["list-crew"] = step_output(reply)
    outputs["resolve-crew"] = lookup(
        outputs.get("list-crew"),
        "crewId",
        select(outputs, ("get-ship", "assignedCrew")),
        ("fullName",),
    )
    return answer(
        outputs, ((("name",), ("get-ship", "vessel_name")), (("crew",), ("resolve-crew",))), reply
    )
