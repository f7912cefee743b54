"""The consumed APIs of Ticket Triage: where each lives and how its requests authenticate.

The pooled client core (bounded reads, no redirects, bulkhead, circuit breaker, retries, masking
of echoed secrets) is `http_client.py`; its request-building helpers are re-exported here, so the
adapters import from one module. The limits come from `settings.upstream` (`NAFTIKO_UPSTREAM_*`).
"""

from __future__ import annotations

from dataclasses import astuple

from .http_client import (
    HttpClient,
    InvalidArgument,
    UpstreamApi,
    UpstreamError,
    UpstreamResponse,
    basic_credentials,
    form_fields,
    forward_path,
    header_items,
    path_segment,
    query_items,
    text,
    user_hooks,
    without_none,
)
from .settings import Secrets, Settings

__all__ = [
    "InvalidArgument",
    "UpstreamApi",
    "UpstreamClient",
    "UpstreamError",
    "UpstreamResponse",
    "basic_credentials",
    "build_apis",
    "form_fields",
    "forward_path",
    "header_items",
    "path_segment",
    "query_items",
    "text",
    "user_hooks",
    "without_none",
]


class UpstreamClient(HttpClient):
    """Sends requests to the consumed APIs over one shared, pooled connection set."""

    def __init__(self, settings: Settings, *, connection_limit: int = 100) -> None:
        super().__init__(
            build_apis(settings),
            secrets=astuple(settings.secrets),
            connection_limit=connection_limit,
            limits=settings.upstream,
        )
        self.settings = settings
        self.secrets: Secrets = settings.secrets


def build_apis(settings: Settings) -> dict[str, UpstreamApi]:
    """Describe each consumed API, with its authentication applied from the secrets."""
    return {
        "helpdesk": UpstreamApi(
            name="helpdesk",
            base_url=settings.helpdesk.base_url,
            timeout=settings.helpdesk.timeout,
            strip_base_path=False,
            timeout_env="HELPDESK_TIMEOUT",
        ),
    }
