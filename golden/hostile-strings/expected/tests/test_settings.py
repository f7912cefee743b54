"""The adapter refuses to start without its settings, and names what is missing."""

from __future__ import annotations

import pytest

from hostile_strings.settings import Settings, SettingsError, load_settings

from .support import JWT_ENVIRONMENT


def test_missing_hostile_token_is_named() -> None:
    environment: dict[str, str] = {
        "HOSTILE_BASE_URL": "http://127.0.0.1:1",
    }
    with pytest.raises(SettingsError, match="HOSTILE_TOKEN"):
        load_settings(environment)


def test_complete_environment_loads() -> None:
    environment: dict[str, str] = {
        "HOSTILE_BASE_URL": "http://127.0.0.1:1/base/",
        "HOSTILE_TIMEOUT": "2.5",
        "HOSTILE_TOKEN": "test-hostile-token",
        **JWT_ENVIRONMENT,
    }
    settings = load_settings(environment)
    assert isinstance(settings, Settings)
    assert settings.hostile.base_url == "http://127.0.0.1:1/base"
    assert settings.hostile.timeout == 2.5
    assert "test-hostile-token" not in repr(settings)


def test_bad_timeout_is_reported() -> None:
    environment: dict[str, str] = {
        "HOSTILE_BASE_URL": "http://127.0.0.1:1",
        "HOSTILE_TIMEOUT": "soon",
        "HOSTILE_TOKEN": "x",
    }
    with pytest.raises(SettingsError, match="not a positive number"):
        load_settings(environment)


def test_upstream_limits_are_read_and_unsafe_base_urls_refused() -> None:
    environment: dict[str, str] = {
        "HOSTILE_BASE_URL": "http://127.0.0.1:1",
        "HOSTILE_TOKEN": "x",
        **JWT_ENVIRONMENT,
        "NAFTIKO_UPSTREAM_MAX_RESPONSE_BYTES": "1024",
        "NAFTIKO_UPSTREAM_RETRIES": "0",
    }
    limits = load_settings(environment).upstream
    assert (limits.max_response_bytes, limits.retries) == (1024, 0)
    with pytest.raises(SettingsError, match="has a fragment"):
        load_settings({**environment, "HOSTILE_BASE_URL": "http://127.0.0.1:1/a#b"})
    with pytest.raises(SettingsError, match="NAFTIKO_UPSTREAM_POOL_WAIT"):
        load_settings({**environment, "NAFTIKO_UPSTREAM_POOL_WAIT": "0"})


def test_missing_jwt_keys_are_named() -> None:
    """oauth2 is enforced or the adapter does not start: no keys, no serving."""
    environment: dict[str, str] = {
        "HOSTILE_BASE_URL": "http://127.0.0.1:1",
        "HOSTILE_TOKEN": "x",
    }
    with pytest.raises(SettingsError, match="NAFTIKO_JWKS_FILE nor NAFTIKO_JWKS_URL"):
        load_settings(environment)
