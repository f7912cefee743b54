"""The consumed APIs of Fleet Orchestration: where each lives and how its requests authenticate.

The pooled client core (bounded reads, no redirects, bulkhead, circuit breaker, retries, masking
of echoed secrets) is `http_client.py`; its request-building helpers are re-exported here, so the
adapters import from one module. The limits come from `settings.upstream` (`NAFTIKO_UPSTREAM_*`).
"""

from __future__ import annotations

from dataclasses import astuple

from .formats import parse_body
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
from .oauth_client import ClientCredentials
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
            parse_body=parse_body,
            connection_limit=connection_limit,
            limits=settings.upstream,
        )
        self.settings = settings
        self.secrets: Secrets = settings.secrets


def build_apis(settings: Settings) -> dict[str, UpstreamApi]:
    """Describe each consumed API, with its authentication applied from the secrets."""
    secrets = settings.secrets
    return {
        "registry": UpstreamApi(
            name="registry",
            base_url=settings.registry.base_url,
            timeout=settings.registry.timeout,
            strip_base_path=False,
            timeout_env="REGISTRY_TIMEOUT",
            headers={
                "Authorization": "Bearer " + text(secrets.registry_token),
            },
        ),
        "crew-export": UpstreamApi(
            name="crew-export",
            base_url=settings.crew_export.base_url,
            timeout=settings.crew_export.timeout,
            strip_base_path=False,
            timeout_env="CREW_EXPORT_TIMEOUT",
        ),
        "port-feed": UpstreamApi(
            name="port-feed",
            base_url=settings.port_feed.base_url,
            timeout=settings.port_feed.timeout,
            strip_base_path=False,
            timeout_env="PORT_FEED_TIMEOUT",
        ),
        "port-notices": UpstreamApi(
            name="port-notices",
            base_url=settings.port_notices.base_url,
            timeout=settings.port_notices.timeout,
            strip_base_path=False,
            timeout_env="PORT_NOTICES_TIMEOUT",
        ),
        "archive": UpstreamApi(
            name="archive",
            base_url=settings.archive.base_url,
            timeout=settings.archive.timeout,
            strip_base_path=False,
            timeout_env="ARCHIVE_TIMEOUT",
            middlewares=(
                ClientCredentials(
                    token_url=settings.archive.token_url,
                    client_id=text(secrets.archive_client_id),
                    client_secret=text(secrets.archive_client_secret),
                    scopes=("archive.write",),
                    audience="",
                    timeout=settings.archive.timeout,
                    auth_method=settings.archive.token_auth_method,
                ),
            ),
        ),
    }
