"""Model stage, inbound auth: an adapter's `authentication` → the check on its callers."""

from __future__ import annotations

from dataclasses import dataclass

from ..canonical import Auth
from ..names import PythonCode
from ..placeholders import Template
from .code import (
    NOTHING,
    UPSTREAM,
    Expression,
    Needs,
    Secrets,
    helper_call,
    reference_names,
    text_expression,
)

__all__ = ["InboundAuthModel", "inbound_auth"]


@dataclass(frozen=True)
class InboundAuthModel:
    """Credentials an adapter demands from its callers."""

    kind: str
    """`bearer`, `apikey` or `basic`."""
    header: str | None
    """The header carrying the credential, or None when it travels in the query."""
    query: str | None
    expected: PythonCode
    """Code for the exact expected header or query value, over `secrets`."""
    challenge: str = "Bearer"
    """The `WWW-Authenticate` scheme of a refusal: `Basic` for basic credentials."""


def inbound_auth(
    auth: Auth | None, adapter: str, secrets: Secrets
) -> tuple[InboundAuthModel | None, Needs]:
    """The check an adapter applies to its callers, and what the check's code needs."""
    if auth is None:
        return None, NOTHING
    used_for = f"inbound authentication of {adapter}"

    def code(template: Template) -> Expression:
        return text_expression(template, reference_names(template, secrets, used_for, "secrets"))

    if auth.kind == "bearer":
        token = code(auth.value)
        expected = Expression(PythonCode(f"'Bearer ' + {token.code}"), token.needs)
        return InboundAuthModel("bearer", "Authorization", None, expected.code), expected.needs
    if auth.kind == "apikey":
        header = auth.key if auth.placement == "header" else None
        expected = code(auth.value)
        model = InboundAuthModel("apikey", header, None if header else auth.key, expected.code)
        return model, expected.needs
    expected = helper_call(UPSTREAM, "basic_credentials", code(auth.username), code(auth.password))
    model = InboundAuthModel("basic", "Authorization", None, expected.code, challenge="Basic")
    return model, expected.needs
