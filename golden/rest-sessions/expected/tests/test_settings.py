"""The adapter refuses to start without its settings, and names what is missing."""

from __future__ import annotations

import pytest

from rest_sessions.settings import Settings, SettingsError, load_settings


def test_missing_jupyter_notebook_api_key_is_named() -> None:
    environment: dict[str, str] = {
        "REST_SESSIONS_BASE_URL": "http://127.0.0.1:1",
    }
    with pytest.raises(SettingsError, match="JUPYTER_NOTEBOOK_API_KEY"):
        load_settings(environment)


def test_complete_environment_loads() -> None:
    environment: dict[str, str] = {
        "REST_SESSIONS_BASE_URL": "http://127.0.0.1:1/base/",
        "REST_SESSIONS_TIMEOUT": "2.5",
        "JUPYTER_NOTEBOOK_API_KEY": "test-jupyter-notebook-api-key",
    }
    settings = load_settings(environment)
    assert isinstance(settings, Settings)
    assert settings.rest_sessions.base_url == "http://127.0.0.1:1/base"
    assert settings.rest_sessions.timeout == 2.5
    assert "test-jupyter-notebook-api-key" not in repr(settings)


def test_bad_timeout_is_reported() -> None:
    environment: dict[str, str] = {
        "REST_SESSIONS_BASE_URL": "http://127.0.0.1:1",
        "REST_SESSIONS_TIMEOUT": "soon",
        "JUPYTER_NOTEBOOK_API_KEY": "x",
    }
    with pytest.raises(SettingsError, match="not a positive number"):
        load_settings(environment)


def test_upstream_limits_are_read_and_unsafe_base_urls_refused() -> None:
    environment: dict[str, str] = {
        "REST_SESSIONS_BASE_URL": "http://127.0.0.1:1",
        "JUPYTER_NOTEBOOK_API_KEY": "x",
        "NAFTIKO_UPSTREAM_MAX_RESPONSE_BYTES": "1024",
        "NAFTIKO_UPSTREAM_RETRIES": "0",
    }
    limits = load_settings(environment).upstream
    assert (limits.max_response_bytes, limits.retries) == (1024, 0)
    with pytest.raises(SettingsError, match="has a fragment"):
        load_settings({**environment, "REST_SESSIONS_BASE_URL": "http://127.0.0.1:1/a#b"})
    with pytest.raises(SettingsError, match="NAFTIKO_UPSTREAM_POOL_WAIT"):
        load_settings({**environment, "NAFTIKO_UPSTREAM_POOL_WAIT": "0"})
