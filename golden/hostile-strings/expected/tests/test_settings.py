"""The adapter refuses to start without its settings, and names what is missing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hostile_strings.cli import PROG, build_parser
from hostile_strings.environment import load_env_file
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


def test_env_file_and_secret_files(tmp_path: Path) -> None:
    """`.env` values fill what the environment lacks; `X_FILE` holds secret X (not both)."""
    env_file = tmp_path / "settings.env"
    env_file.write_text(
        "# a comment\n"
        + "HOSTILE_BASE_URL"
        + "='http://127.0.0.1:1/base/'\n"
        + "HOSTILE_TIMEOUT"
        + "=2.5\n"
        + "export NAFTIKO_LOG_FORMAT=json\n",
        encoding="utf-8",
    )
    environment: dict[str, str] = {
        "NAFTIKO_LOG_FORMAT": "text",  # the real environment wins
        "HOSTILE_TOKEN_FILE": str(tmp_path / "secret-1"),
        **JWT_ENVIRONMENT,
    }
    (tmp_path / "secret-1").write_text("test-hostile-token" + "\n", encoding="utf-8")
    assert load_env_file(PROG, ["serve", "--env-file", str(env_file)], environment) == env_file
    assert environment["NAFTIKO_LOG_FORMAT"] == "text"
    settings = load_settings(environment)
    assert isinstance(settings, Settings)
    assert settings.hostile.base_url == "http://127.0.0.1:1/base"
    assert settings.hostile.timeout == 2.5
    assert settings.secrets.hostile_token == "test-hostile-token"
    with pytest.raises(SettingsError, match="both set"):
        load_settings({**environment, "HOSTILE_TOKEN": "also"})
    with pytest.raises(SystemExit, match="cannot read settings file"):
        load_env_file(PROG, ["serve", "--env-file", str(tmp_path / "absent.env")], {})


def test_env_example_lists_every_variable(capsys: pytest.CaptureFixture[str]) -> None:
    """`.env.example` names every variable `serve --help` and the settings read."""
    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text(encoding="utf-8")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--help"])
    variables = set(re.findall(r"NAFTIKO_[A-Z0-9_]*[A-Z0-9]", capsys.readouterr().out))
    variables -= {"NAFTIKO_ENV_FILE"}  # it names the file itself
    variables |= {"HOSTILE_BASE_URL", "HOSTILE_TIMEOUT"}
    variables.add("HOSTILE_TOKEN")
    assert sorted(v for v in variables if not re.search(rf"^#? ?{v}=", example, re.M)) == []
