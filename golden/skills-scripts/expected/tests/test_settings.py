"""The adapter refuses to start without its settings, and names what is missing."""

from __future__ import annotations

import pytest

from skills_scripts.settings import Settings, SettingsError, load_settings


def test_complete_environment_loads() -> None:
    environment: dict[str, str] = {
        "HELPDESK_BASE_URL": "http://127.0.0.1:1/base/",
        "HELPDESK_TIMEOUT": "2.5",
    }
    settings = load_settings(environment)
    assert isinstance(settings, Settings)
    assert settings.helpdesk.base_url == "http://127.0.0.1:1/base"
    assert settings.helpdesk.timeout == 2.5


def test_bad_timeout_is_reported() -> None:
    environment: dict[str, str] = {
        "HELPDESK_BASE_URL": "http://127.0.0.1:1",
        "HELPDESK_TIMEOUT": "soon",
    }
    with pytest.raises(SettingsError, match="not a positive number"):
        load_settings(environment)


def test_upstream_limits_are_read_and_unsafe_base_urls_refused() -> None:
    environment: dict[str, str] = {
        "HELPDESK_BASE_URL": "http://127.0.0.1:1",
        "NAFTIKO_UPSTREAM_MAX_RESPONSE_BYTES": "1024",
        "NAFTIKO_UPSTREAM_RETRIES": "0",
    }
    limits = load_settings(environment).upstream
    assert (limits.max_response_bytes, limits.retries) == (1024, 0)
    with pytest.raises(SettingsError, match="has a fragment"):
        load_settings({**environment, "HELPDESK_BASE_URL": "http://127.0.0.1:1/a#b"})
    with pytest.raises(SettingsError, match="NAFTIKO_UPSTREAM_POOL_WAIT"):
        load_settings({**environment, "NAFTIKO_UPSTREAM_POOL_WAIT": "0"})
