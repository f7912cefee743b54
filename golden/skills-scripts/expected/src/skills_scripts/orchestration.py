"""Orchestrated units: each runs its spec `steps` in order, then answers with its `mappings`.

A `call` step calls one consumed operation and keeps its output for later steps; a `lookup` step
joins on an earlier output (the helpers are in `steps.py`). The first upstream error (status
>= 400) ends the run and is answered as is.
"""

from __future__ import annotations

from typing import Any, Final

from . import operations
from .scripts import render_with, run_script
from .settings import SCRIPTING
from .steps import answer, lookup, select, step_output
from .upstream import UpstreamClient, UpstreamResponse

__all__ = [
    "answer",
    "lookup",
    "score_ticket",
    "select",
    "step_output",
]

SCRIPTS: Final[dict[str, dict[str, str]]] = {
    "file:///./scripts": {
        "score.py": "dGlja2V0ID0gY29udGV4dFsiZ2V0LXRpY2tldCJdCnJlc3VsdCA9IHsic2NvcmUiOiB3ZWlnaHQodGlja2V0LmdldCgic2V2ZXJpdHkiLCAibG93IikpICsgbGVuKGNvbnRleHRbInRhZ3MiXS5zcGxpdCgiLCIpKX0K",
        "weights.py": "V0VJR0hUUyA9IHsibG93IjogMSwgIm1lZGl1bSI6IDQsICJoaWdoIjogN30KCgpkZWYgd2VpZ2h0KHNldmVyaXR5KToKICAgIHJldHVybiBXRUlHSFRTLmdldChzZXZlcml0eSwgMCkK",
    }
}
"""The script steps' folders, by `location`: file path → base64 content (see `scripts.py`)."""


async def score_ticket(
    client: UpstreamClient,
    *,
    id_: str,
    tags: str,
) -> UpstreamResponse:
    """Score a ticket with the triage script and record the score

    Steps:
        1. get-ticket: call helpdesk.get-ticket
        2. score: run the Python script score.py
        3. record: call helpdesk.record-score
    """
    outputs: dict[str, Any] = {}
    inputs: dict[str, Any] = {
        "id": id_,
        "tags": tags,
    }
    reply = await operations.get_ticket(
        client,
        id_=id_,
    )
    if reply.status >= 400:
        return reply
    outputs["get-ticket"] = step_output(reply)
    outputs["score"] = await run_script(
        SCRIPTS["file:///./scripts"],
        "score.py",
        ("weights.py",),
        {**inputs, **outputs, **render_with({"ticket": "{{id}}"}, inputs, outputs)},
        step="score",
        scripting=SCRIPTING,
        language="python",
    )
    reply = await operations.record_score(
        client,
        id_=id_,
        score=select(outputs, ("score", "score")),
    )
    if reply.status >= 400:
        return reply
    outputs["record"] = step_output(reply)
    return answer(outputs, ((("score",), ("score", "score")),), reply)
