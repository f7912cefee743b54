"""The adapter refuses to start without its settings, and names what is missing."""

from __future__ import annotations

import pytest

from fleet_orchestration.settings import Settings, SettingsError, load_settings


def test_missing_registry_token_is_named() -> None:
    environment: dict[str, str] = {
        "REGISTRY_BASE_URL": "http://127.0.0.1:1",
        "CREW_EXPORT_BASE_URL": "http://127.0.0.1:1",
        "PORT_FEED_BASE_URL": "http://127.0.0.1:1",
        "PORT_NOTICES_BASE_URL": "http://127.0.0.1:1",
        "ARCHIVE_BASE_URL": "http://127.0.0.1:1",
        "FLEET_USER": "x",
        "FLEET_PASSWORD": "x",
        "ARCHIVE_CLIENT_ID": "x",
        "ARCHIVE_CLIENT_SECRET": "x",
    }
    with pytest.raises(SettingsError, match="REGISTRY_TOKEN"):
        load_settings(environment)


def test_missing_fleet_user_is_named() -> None:
    environment: dict[str, str] = {
        "REGISTRY_BASE_URL": "http://127.0.0.1:1",
        "CREW_EXPORT_BASE_URL": "http://127.0.0.1:1",
        "PORT_FEED_BASE_URL": "http://127.0.0.1:1",
        "PORT_NOTICES_BASE_URL": "http://127.0.0.1:1",
        "ARCHIVE_BASE_URL": "http://127.0.0.1:1",
        "REGISTRY_TOKEN": "x",
        "FLEET_PASSWORD": "x",
        "ARCHIVE_CLIENT_ID": "x",
        "ARCHIVE_CLIENT_SECRET": "x",
    }
    with pytest.raises(SettingsError, match="FLEET_USER"):
        load_settings(environment)


def test_missing_fleet_password_is_named() -> None:
    environment: dict[str, str] = {
        "REGISTRY_BASE_URL": "http://127.0.0.1:1",
        "CREW_EXPORT_BASE_URL": "http://127.0.0.1:1",
        "PORT_FEED_BASE_URL": "http://127.0.0.1:1",
        "PORT_NOTICES_BASE_URL": "http://127.0.0.1:1",
        "ARCHIVE_BASE_URL": "http://127.0.0.1:1",
        "REGISTRY_TOKEN": "x",
        "FLEET_USER": "x",
        "ARCHIVE_CLIENT_ID": "x",
        "ARCHIVE_CLIENT_SECRET": "x",
    }
    with pytest.raises(SettingsError, match="FLEET_PASSWORD"):
        load_settings(environment)


def test_missing_archive_client_id_is_named() -> None:
    environment: dict[str, str] = {
        "REGISTRY_BASE_URL": "http://127.0.0.1:1",
        "CREW_EXPORT_BASE_URL": "http://127.0.0.1:1",
        "PORT_FEED_BASE_URL": "http://127.0.0.1:1",
        "PORT_NOTICES_BASE_URL": "http://127.0.0.1:1",
        "ARCHIVE_BASE_URL": "http://127.0.0.1:1",
        "REGISTRY_TOKEN": "x",
        "FLEET_USER": "x",
        "FLEET_PASSWORD": "x",
        "ARCHIVE_CLIENT_SECRET": "x",
    }
    with pytest.raises(SettingsError, match="ARCHIVE_CLIENT_ID"):
        load_settings(environment)


def test_missing_archive_client_secret_is_named() -> None:
    environment: dict[str, str] = {
        "REGISTRY_BASE_URL": "http://127.0.0.1:1",
        "CREW_EXPORT_BASE_URL": "http://127.0.0.1:1",
        "PORT_FEED_BASE_URL": "http://127.0.0.1:1",
        "PORT_NOTICES_BASE_URL": "http://127.0.0.1:1",
        "ARCHIVE_BASE_URL": "http://127.0.0.1:1",
        "REGISTRY_TOKEN": "x",
        "FLEET_USER": "x",
        "FLEET_PASSWORD": "x",
        "ARCHIVE_CLIENT_ID": "x",
    }
    with pytest.raises(SettingsError, match="ARCHIVE_CLIENT_SECRET"):
        load_settings(environment)


def test_complete_environment_loads() -> None:
    environment: dict[str, str] = {
        "REGISTRY_BASE_URL": "http://127.0.0.1:1/base/",
        "REGISTRY_TIMEOUT": "2.5",
        "CREW_EXPORT_BASE_URL": "http://127.0.0.1:1/base/",
        "CREW_EXPORT_TIMEOUT": "2.5",
        "PORT_FEED_BASE_URL": "http://127.0.0.1:1/base/",
        "PORT_FEED_TIMEOUT": "2.5",
        "PORT_NOTICES_BASE_URL": "http://127.0.0.1:1/base/",
        "PORT_NOTICES_TIMEOUT": "2.5",
        "ARCHIVE_BASE_URL": "http://127.0.0.1:1/base/",
        "ARCHIVE_TIMEOUT": "2.5",
        "REGISTRY_TOKEN": "test-registry-token",
        "FLEET_USER": "test-fleet-user",
        "FLEET_PASSWORD": "test-fleet-password",
        "ARCHIVE_CLIENT_ID": "test-archive-client-id",
        "ARCHIVE_CLIENT_SECRET": "test-archive-client-secret",
    }
    settings = load_settings(environment)
    assert isinstance(settings, Settings)
    assert settings.registry.base_url == "http://127.0.0.1:1/base"
    assert settings.registry.timeout == 2.5
    assert settings.crew_export.base_url == "http://127.0.0.1:1/base"
    assert settings.crew_export.timeout == 2.5
    assert settings.port_feed.base_url == "http://127.0.0.1:1/base"
    assert settings.port_feed.timeout == 2.5
    assert settings.port_notices.base_url == "http://127.0.0.1:1/base"
    assert settings.port_notices.timeout == 2.5
    assert settings.archive.base_url == "http://127.0.0.1:1/base"
    assert settings.archive.timeout == 2.5
    assert "test-registry-token" not in repr(settings)
    assert "test-fleet-user" not in repr(settings)
    assert "test-fleet-password" not in repr(settings)
    assert "test-archive-client-id" not in repr(settings)
    assert "test-archive-client-secret" not in repr(settings)


def test_bad_timeout_is_reported() -> None:
    environment: dict[str, str] = {
        "REGISTRY_BASE_URL": "http://127.0.0.1:1",
        "REGISTRY_TIMEOUT": "soon",
        "CREW_EXPORT_BASE_URL": "http://127.0.0.1:1",
        "CREW_EXPORT_TIMEOUT": "soon",
        "PORT_FEED_BASE_URL": "http://127.0.0.1:1",
        "PORT_FEED_TIMEOUT": "soon",
        "PORT_NOTICES_BASE_URL": "http://127.0.0.1:1",
        "PORT_NOTICES_TIMEOUT": "soon",
        "ARCHIVE_BASE_URL": "http://127.0.0.1:1",
        "ARCHIVE_TIMEOUT": "soon",
        "REGISTRY_TOKEN": "x",
        "FLEET_USER": "x",
        "FLEET_PASSWORD": "x",
        "ARCHIVE_CLIENT_ID": "x",
        "ARCHIVE_CLIENT_SECRET": "x",
    }
    with pytest.raises(SettingsError, match="not a positive number"):
        load_settings(environment)


def test_upstream_limits_are_read_and_unsafe_base_urls_refused() -> None:
    environment: dict[str, str] = {
        "REGISTRY_BASE_URL": "http://127.0.0.1:1",
        "CREW_EXPORT_BASE_URL": "http://127.0.0.1:1",
        "PORT_FEED_BASE_URL": "http://127.0.0.1:1",
        "PORT_NOTICES_BASE_URL": "http://127.0.0.1:1",
        "ARCHIVE_BASE_URL": "http://127.0.0.1:1",
        "REGISTRY_TOKEN": "x",
        "FLEET_USER": "x",
        "FLEET_PASSWORD": "x",
        "ARCHIVE_CLIENT_ID": "x",
        "ARCHIVE_CLIENT_SECRET": "x",
        "NAFTIKO_UPSTREAM_MAX_RESPONSE_BYTES": "1024",
        "NAFTIKO_UPSTREAM_RETRIES": "0",
    }
    limits = load_settings(environment).upstream
    assert (limits.max_response_bytes, limits.retries) == (1024, 0)
    with pytest.raises(SettingsError, match="has a fragment"):
        load_settings({**environment, "REGISTRY_BASE_URL": "http://127.0.0.1:1/a#b"})
    with pytest.raises(SettingsError, match="has a fragment"):
        load_settings({**environment, "CREW_EXPORT_BASE_URL": "http://127.0.0.1:1/a#b"})
    with pytest.raises(SettingsError, match="has a fragment"):
        load_settings({**environment, "PORT_FEED_BASE_URL": "http://127.0.0.1:1/a#b"})
    with pytest.raises(SettingsError, match="has a fragment"):
        load_settings({**environment, "PORT_NOTICES_BASE_URL": "http://127.0.0.1:1/a#b"})
    with pytest.raises(SettingsError, match="has a fragment"):
        load_settings({**environment, "ARCHIVE_BASE_URL": "http://127.0.0.1:1/a#b"})
    with pytest.raises(SettingsError, match="NAFTIKO_UPSTREAM_POOL_WAIT"):
        load_settings({**environment, "NAFTIKO_UPSTREAM_POOL_WAIT": "0"})
