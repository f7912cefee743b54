"""The adapter refuses to start without its settings, and names what is missing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from secured_control.cli import PROG, build_parser
from secured_control.environment import load_env_file
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


def test_env_file_and_secret_files(tmp_path: Path) -> None:
    """`.env` values fill what the environment lacks; `X_FILE` holds secret X (not both)."""
    env_file = tmp_path / "settings.env"
    env_file.write_text(
        "# a comment\n"
        + "DOCKYARD_BASE_URL"
        + "='http://127.0.0.1:1/base/'\n"
        + "DOCKYARD_TIMEOUT"
        + "=2.5\n"
        + "export NAFTIKO_LOG_FORMAT=json\n",
        encoding="utf-8",
    )
    environment: dict[str, str] = {
        "NAFTIKO_LOG_FORMAT": "text",  # the real environment wins
        "DOCKYARD_API_KEY_FILE": str(tmp_path / "secret-1"),
        "GATEWAY_API_KEY_FILE": str(tmp_path / "secret-2"),
        "MCP_SERVER_TOKEN_FILE": str(tmp_path / "secret-3"),
        "control-user_FILE": str(tmp_path / "secret-4"),
        "control-password_FILE": str(tmp_path / "secret-5"),
    }
    (tmp_path / "secret-1").write_text("test-dockyard-api-key" + "\n", encoding="utf-8")
    (tmp_path / "secret-2").write_text("test-gateway-api-key" + "\n", encoding="utf-8")
    (tmp_path / "secret-3").write_text("test-mcp-server-token" + "\n", encoding="utf-8")
    (tmp_path / "secret-4").write_text("test-control-user" + "\n", encoding="utf-8")
    (tmp_path / "secret-5").write_text("test-control-password" + "\n", encoding="utf-8")
    assert load_env_file(PROG, ["serve", "--env-file", str(env_file)], environment) == env_file
    assert environment["NAFTIKO_LOG_FORMAT"] == "text"
    settings = load_settings(environment)
    assert isinstance(settings, Settings)
    assert settings.dockyard.base_url == "http://127.0.0.1:1/base"
    assert settings.dockyard.timeout == 2.5
    assert settings.secrets.dockyard_api_key == "test-dockyard-api-key"
    with pytest.raises(SettingsError, match="both set"):
        load_settings({**environment, "DOCKYARD_API_KEY": "also"})
    assert settings.secrets.gateway_api_key == "test-gateway-api-key"
    with pytest.raises(SettingsError, match="both set"):
        load_settings({**environment, "GATEWAY_API_KEY": "also"})
    assert settings.secrets.mcp_server_token == "test-mcp-server-token"
    with pytest.raises(SettingsError, match="both set"):
        load_settings({**environment, "MCP_SERVER_TOKEN": "also"})
    assert settings.secrets.control_user == "test-control-user"
    with pytest.raises(SettingsError, match="both set"):
        load_settings({**environment, "control-user": "also"})
    assert settings.secrets.control_password == "test-control-password"
    with pytest.raises(SettingsError, match="both set"):
        load_settings({**environment, "control-password": "also"})
    with pytest.raises(SystemExit, match="cannot read settings file"):
        load_env_file(PROG, ["serve", "--env-file", str(tmp_path / "absent.env")], {})


def test_env_example_lists_every_variable(capsys: pytest.CaptureFixture[str]) -> None:
    """`.env.example` names every variable `serve --help` and the settings read."""
    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text(encoding="utf-8")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--help"])
    variables = set(re.findall(r"NAFTIKO_[A-Z0-9_]*[A-Z0-9]", capsys.readouterr().out))
    variables -= {"NAFTIKO_ENV_FILE"}  # it names the file itself
    variables |= {"DOCKYARD_BASE_URL", "DOCKYARD_TIMEOUT"}
    variables.add("DOCKYARD_API_KEY")
    variables.add("GATEWAY_API_KEY")
    variables.add("MCP_SERVER_TOKEN")
    variables.add("control-user")
    variables.add("control-password")
    assert sorted(v for v in variables if not re.search(rf"^#? ?{v}=", example, re.M)) == []
