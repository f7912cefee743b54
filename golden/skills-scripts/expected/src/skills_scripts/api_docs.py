"""The REST adapter's documentation pages, `/docs` (Swagger UI) and `/redoc` (ReDoc), served offline.

FastAPI's own pages load Swagger UI and ReDoc from a CDN and their icon from FastAPI's site, so
they stay blank on a network without internet access. `add_docs` serves the same pages with
every script, style sheet and icon taken from the `fastapi-offline` distribution installed with
the package (Swagger UI 5, Apache-2.0; ReDoc 2, MIT; the files only, not its app factory), at
`/docs/assets/`. Links honour the ASGI `root_path` (an ingress serving the adapter under a
prefix). Each page carries a Content-Security-Policy that lets it load from the adapter alone:
its inline start-up script runs by a nonce drawn per response, the styles the two libraries
inject are allowed inline, and Swagger UI's online validator is off (it would call out).
"""

from __future__ import annotations

import secrets
from typing import Final

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

__all__ = [
    "ASSETS_PACKAGE",
    "ASSETS_PATH",
    "DOCS_PATH",
    "OAUTH2_REDIRECT_PATH",
    "REDOC_PATH",
    "add_docs",
    "content_security_policy",
]

DOCS_PATH: Final = "/docs"
REDOC_PATH: Final = "/redoc"
OAUTH2_REDIRECT_PATH: Final = "/docs/oauth2-redirect"
ASSETS_PATH: Final = "/docs/assets"
ASSETS_PACKAGE: Final = ("fastapi_offline", "static")
"""The installed distribution's folder holding the pages' files (package, folder)."""

_SWAGGER_JS: Final = "swagger-ui-bundle.js"
_SWAGGER_CSS: Final = "swagger-ui.css"
_REDOC_JS: Final = "redoc.standalone.js"
_FAVICON: Final = "favicon.png"


def content_security_policy(nonce: str) -> str:
    """The policy of a docs page: everything from this origin, inline scripts only by `nonce`.

    Styles may be inline (both libraries set `style` attributes and inject `<style>`), images
    may be `data:` URLs (Swagger UI's icons), and ReDoc's search runs in a `blob:` worker.
    """
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        )
    )


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    """`page` with a nonce on each `<script>` and the policy that admits exactly those."""
    nonce = secrets.token_urlsafe(16)
    html = bytes(page.body).decode().replace("<script", f'<script nonce="{nonce}"')
    headers = {
        "Content-Security-Policy": content_security_policy(nonce),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    return HTMLResponse(html, headers=headers)


def _root(request: Request) -> str:
    """The prefix the adapter is served under (uvicorn's `--root-path`, an ingress), or ''."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def add_docs(app: FastAPI) -> None:
    """Serve `/docs`, its OAuth2 redirect page, `/redoc` and their files on `app`.

    `app` is built with `docs_url=None, redoc_url=None` (FastAPI's CDN pages off); its OpenAPI
    document stays where FastAPI puts it (`app.openapi_url`).
    """
    openapi_path = app.openapi_url or "/openapi.json"
    app.mount(ASSETS_PATH, StaticFiles(packages=[ASSETS_PACKAGE]), name="docs-assets")

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root(request)
        return _with_policy(
            get_swagger_ui_html(
                openapi_url=root + openapi_path,
                title=f"{app.title} - Swagger UI",
                swagger_js_url=f"{root}{ASSETS_PATH}/{_SWAGGER_JS}",
                swagger_css_url=f"{root}{ASSETS_PATH}/{_SWAGGER_CSS}",
                swagger_favicon_url=f"{root}{ASSETS_PATH}/{_FAVICON}",
                oauth2_redirect_url=root + OAUTH2_REDIRECT_PATH,
                swagger_ui_parameters={"validatorUrl": None, **(app.swagger_ui_parameters or {})},
            )
        )

    async def oauth2_redirect(_: Request) -> HTMLResponse:
        return _with_policy(get_swagger_ui_oauth2_redirect_html())

    async def redoc(request: Request) -> HTMLResponse:
        root = _root(request)
        return _with_policy(
            get_redoc_html(
                openapi_url=root + openapi_path,
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{ASSETS_PATH}/{_REDOC_JS}",
                redoc_favicon_url=f"{root}{ASSETS_PATH}/{_FAVICON}",
                with_google_fonts=False,
            )
        )

    app.add_route(DOCS_PATH, swagger_ui, ["GET"], include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT_PATH, oauth2_redirect, ["GET"], include_in_schema=False)
    app.add_route(REDOC_PATH, redoc, ["GET"], include_in_schema=False)
