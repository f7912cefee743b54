"""The adapter refuses to start without its settings, and names what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from secured_control.settings import Settings, SettingsError, load_settings


def test_missing_dockyard_api_key_is_named() -> None:
    environment: dict[str, str] = {
        "DOCKYARD_BASE_URL": "http://127.0.0.1:1",
        "GATEWAY_API_KEY": "x",
        "MCP_SERVER_TOKEN": "x",
        "control-user": "x",
        "control-password": "x",
    }
    with pytest.raises(SettingsError, match="DOCKYARD_API_KEY"):
        load_settings(environment)


def test_missing_gateway_api_key_is_named() -> None:
    environment: dict[str, str] = {
        "DOCKYARD_BASE_URL": "http://127.0.0.1:1",
        "DOCKYARD_API_KEY": "x",
        "MCP_SERVER_TOKEN": "x",
        "control-user": "x",
        "control-password": "x",
    }
    with pytest.raises(SettingsError, match="GATEWAY_API_KEY"):
        load_settings(environment)


def test_missing_mcp_server_token_is_named() -> None:
    environment: dict[str, str] = {
        "DOCKYARD_BASE_URL": "http://127.0.0.1:1",
        "DOCKYARD_API_KEY": "x",
        "GATEWAY_API_KEY": "x",
        "control-user": "x",
        "control-password": "x",
    }
    with pytest.raises(SettingsError, match="MCP_SERVER_TOKEN"):
        load_settings(environment)


def test_missing_control_user_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # Away from the bind file, which is relative to the cwd.
    environment: dict[str, str] = {
        "DOCKYARD_BASE_URL": "http://127.0.0.1:1",
        "DOCKYARD_API_KEY": "x",
        "GATEWAY_API_KEY": "x",
        "MCP_SERVER_TOKEN": "x",
        "control-password": "x",
    }
    with pytest.raises(SettingsError, match="control\\-user"):
        load_settings(environment)


def test_missing_control_password_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # Away from the bind file, which is relative to the cwd.
    environment: dict[str, str] = {
        "DOCKYARD_BASE_URL": "http://127.0.0.1:1",
        "DOCKYARD_API_KEY": "x",
        "GATEWAY_API_KEY": "x",
        "MCP_SERVER_TOKEN": "x",
        "control-user": "x",
    }
    with pytest.raises(SettingsError, match="control\\-password"):
        load_settings(environment)


def test_complete_environment_loads() -> None:
    environment: dict[str, str] = {
        "DOCKYARD_BASE_URL": "http://127.0.0.1:1/base/",
        "DOCKYARD_TIMEOUT": "2.5",
        "DOCKYARD_API_KEY": "test-dockyard-api-key",
        "GATEWAY_API_KEY": "test-gateway-api-key",
        "MCP_SERVER_TOKEN": "test-mcp-server-token",
        "control-user": "test-control-user",
        "control-password": "test-control-password",
    }
    settings = load_settings(environment)
    assert isinstance(settings, Settings)
    assert settings.dockyard.base_url == "http://127.0.0.1:1/base"
    assert settings.dockyard.timeout == 2.5
    assert "test-dockyard-api-key" not in repr(settings)
    assert "test-gateway-api-key" not in repr(settings)
    assert "test-mcp-server-token" not in repr(settings)
    assert "test-control-user" not in repr(settings)
    assert "test-control-password" not in repr(settings)


def test_bad_timeout_is_reported() -> None:
    environment: dict[str, str] = {
        "DOCKYARD_BASE_URL": "http://127.0.0.1:1",
        "DOCKYARD_TIMEOUT": "soon",
        "DOCKYARD_API_KEY": "x",
        "GATEWAY_API_KEY": "x",
        "MCP_SERVER_TOKEN": "x",
        "control-user": "x",
        "control-password": "x",
    }
    with pytest.raises(SettingsError, match="not a positive number"):
        load_settings(environment)


def test_upstream_limits_are_read_and_unsafe_base_urls_refused() -> None:
    environment: dict[str, str] = {
        "DOCKYARD_BASE_URL": "http://127.0.0.1:1",
        "DOCKYARD_API_KEY": "x",
        "GATEWAY_API_KEY": "x",
        "MCP_SERVER_TOKEN": "x",
        "control-user": "x",
        "control-password": "x",
        "NAFTIKO_UPSTREAM_MAX_RESPONSE_BYTES": "1024",
        "NAFTIKO_UPSTREAM_RETRIES": "0",
    }
    limits = load_settings(environment).upstream
    assert (limits.max_response_bytes, limits.retries) == (1024, 0)
    with pytest.raises(SettingsError, match="has a fragment"):
        load_settings({**environment, "DOCKYARD_BASE_URL": "http://127.0.0.1:1/a#b"})
    with pytest.raises(SettingsError, match="NAFTIKO_UPSTREAM_POOL_WAIT"):
        load_settings({**environment, "NAFTIKO_UPSTREAM_POOL_WAIT": "0"})
