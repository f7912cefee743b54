"""The adapter refuses to start without its settings, and names what is missing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fleet_orchestration.cli import PROG, build_parser
from fleet_orchestration.environment import load_env_file
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


def test_env_file_and_secret_files(tmp_path: Path) -> None:
    """`.env` values fill what the environment lacks; `X_FILE` holds secret X (not both)."""
    env_file = tmp_path / "settings.env"
    env_file.write_text(
        "# a comment\n"
        + "REGISTRY_BASE_URL"
        + "='http://127.0.0.1:1/base/'\n"
        + "REGISTRY_TIMEOUT"
        + "=2.5\n"
        + "CREW_EXPORT_BASE_URL"
        + "='http://127.0.0.1:1/base/'\n"
        + "CREW_EXPORT_TIMEOUT"
        + "=2.5\n"
        + "PORT_FEED_BASE_URL"
        + "='http://127.0.0.1:1/base/'\n"
        + "PORT_FEED_TIMEOUT"
        + "=2.5\n"
        + "PORT_NOTICES_BASE_URL"
        + "='http://127.0.0.1:1/base/'\n"
        + "PORT_NOTICES_TIMEOUT"
        + "=2.5\n"
        + "ARCHIVE_BASE_URL"
        + "='http://127.0.0.1:1/base/'\n"
        + "ARCHIVE_TIMEOUT"
        + "=2.5\n"
        + "export NAFTIKO_LOG_FORMAT=json\n",
        encoding="utf-8",
    )
    environment: dict[str, str] = {
        "NAFTIKO_LOG_FORMAT": "text",  # the real environment wins
        "REGISTRY_TOKEN_FILE": str(tmp_path / "secret-1"),
        "FLEET_USER_FILE": str(tmp_path / "secret-2"),
        "FLEET_PASSWORD_FILE": str(tmp_path / "secret-3"),
        "ARCHIVE_CLIENT_ID_FILE": str(tmp_path / "secret-4"),
        "ARCHIVE_CLIENT_SECRET_FILE": str(tmp_path / "secret-5"),
    }
    (tmp_path / "secret-1").write_text("test-registry-token" + "\n", encoding="utf-8")
    (tmp_path / "secret-2").write_text("test-fleet-user" + "\n", encoding="utf-8")
    (tmp_path / "secret-3").write_text("test-fleet-password" + "\n", encoding="utf-8")
    (tmp_path / "secret-4").write_text("test-archive-client-id" + "\n", encoding="utf-8")
    (tmp_path / "secret-5").write_text("test-archive-client-secret" + "\n", encoding="utf-8")
    assert load_env_file(PROG, ["serve", "--env-file", str(env_file)], environment) == env_file
    assert environment["NAFTIKO_LOG_FORMAT"] == "text"
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
    assert settings.secrets.registry_token == "test-registry-token"
    with pytest.raises(SettingsError, match="both set"):
        load_settings({**environment, "REGISTRY_TOKEN": "also"})
    assert settings.secrets.fleet_user == "test-fleet-user"
    with pytest.raises(SettingsError, match="both set"):
        load_settings({**environment, "FLEET_USER": "also"})
    assert settings.secrets.fleet_password == "test-fleet-password"
    with pytest.raises(SettingsError, match="both set"):
        load_settings({**environment, "FLEET_PASSWORD": "also"})
    assert settings.secrets.archive_client_id == "test-archive-client-id"
    with pytest.raises(SettingsError, match="both set"):
        load_settings({**environment, "ARCHIVE_CLIENT_ID": "also"})
    assert settings.secrets.archive_client_secret == "test-archive-client-secret"
    with pytest.raises(SettingsError, match="both set"):
        load_settings({**environment, "ARCHIVE_CLIENT_SECRET": "also"})
    with pytest.raises(SystemExit, match="cannot read settings file"):
        load_env_file(PROG, ["serve", "--env-file", str(tmp_path / "absent.env")], {})


def test_env_example_lists_every_variable(capsys: pytest.CaptureFixture[str]) -> None:
    """`.env.example` names every variable `serve --help` and the settings read."""
    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text(encoding="utf-8")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--help"])
    variables = set(re.findall(r"NAFTIKO_[A-Z0-9_]*[A-Z0-9]", capsys.readouterr().out))
    variables -= {"NAFTIKO_ENV_FILE"}  # it names the file itself
    variables |= {"REGISTRY_BASE_URL", "REGISTRY_TIMEOUT"}
    variables |= {"CREW_EXPORT_BASE_URL", "CREW_EXPORT_TIMEOUT"}
    variables |= {"PORT_FEED_BASE_URL", "PORT_FEED_TIMEOUT"}
    variables |= {"PORT_NOTICES_BASE_URL", "PORT_NOTICES_TIMEOUT"}
    variables |= {"ARCHIVE_BASE_URL", "ARCHIVE_TIMEOUT"}
    variables.add("REGISTRY_TOKEN")
    variables.add("FLEET_USER")
    variables.add("FLEET_PASSWORD")
    variables.add("ARCHIVE_CLIENT_ID")
    variables.add("ARCHIVE_CLIENT_SECRET")
    assert sorted(v for v in variables if not re.search(rf"^#? ?{v}=", example, re.M)) == []
