"""`runtime/environment.py`: typed settings read from the environment, every problem named."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from naftiko_codegen.runtime.bind_files import BindFileReader
from naftiko_codegen.runtime.environment import (
    DEFAULT_TIMEOUT,
    ApiSettings,
    EnvironmentReader,
    SettingsError,
    UpstreamLimits,
    env_file_option,
    load_env_file,
)


def test_base_url_from_the_environment_or_the_spec() -> None:
    reader = EnvironmentReader({"A_URL": " https://a.example/api/ "})
    assert reader.base_url("A_URL", "http://spec.example") == "https://a.example/api"
    assert reader.base_url("B_URL", "http://spec.example/") == "http://spec.example"
    reader.check()  # no problem so far


def test_missing_or_malformed_base_urls_are_problems() -> None:
    reader = EnvironmentReader({"B_URL": "ftp://b.example"})
    assert reader.base_url("A_URL", None) == ""
    assert reader.base_url("B_URL", "http://spec.example") == "ftp://b.example"
    assert reader.problems == [
        "A_URL is not set: the spec gives no fixed base URL for this API",
        "B_URL='ftp://b.example' is not an http(s) URL",
    ]


def test_timeouts_are_positive_seconds() -> None:
    reader = EnvironmentReader({"T1": "2.5", "T2": " ", "T3": "soon", "T4": "-1", "T5": "0"})
    assert reader.timeout("T1") == 2.5
    assert reader.timeout("T2") == DEFAULT_TIMEOUT
    assert reader.timeout("UNSET") == DEFAULT_TIMEOUT
    for name in ("T3", "T4", "T5"):
        assert reader.timeout(name) == DEFAULT_TIMEOUT
    assert reader.problems == [
        "T3='soon' is not a positive number of seconds",
        "T4='-1' is not a positive number of seconds",
        "T5='0' is not a positive number of seconds",
    ]


def test_secrets_must_be_set_and_not_empty() -> None:
    reader = EnvironmentReader({"KEY": "k-1", "EMPTY": ""})
    assert reader.secret("KEY", "API_KEY") == "k-1"
    assert reader.secret("EMPTY", "OTHER") == ""
    assert reader.secret("UNSET", "THIRD") == ""
    assert reader.problems == [
        "environment variable EMPTY is not set (bind variable OTHER)",
        "environment variable UNSET is not set (bind variable THIRD)",
    ]


def test_check_names_every_problem_at_once() -> None:
    reader = EnvironmentReader({})
    reader.base_url("A_URL", None)
    reader.secret("KEY", "API_KEY")
    with pytest.raises(SettingsError) as caught:
        reader.check()
    assert str(caught.value) == (
        "cannot start: A_URL is not set: the spec gives no fixed base URL for this API; "
        "environment variable KEY is not set (bind variable API_KEY)"
    )


def test_api_settings_default_to_the_default_timeout() -> None:
    assert ApiSettings("http://a").timeout == DEFAULT_TIMEOUT == 30.0


def test_base_urls_with_a_query_fragment_or_userinfo_are_refused_without_echoing_them() -> None:
    reader = EnvironmentReader(
        {
            "Q": "http://h.example/api?token=abc",
            "F": "http://h.example/api#x",
            "U": "http://ada:pw@h.example/api",
            "P": "http://h.example:99999/api",
            "H": "http:///api",
        }
    )
    for name in ("Q", "F", "U", "P", "H"):
        reader.base_url(name, None)
    assert reader.problems == [
        "Q has a query ('?…'): a base URL is scheme://host[:port][/path]",
        "F has a fragment ('#…'), which would drop the path and the credential",
        "U carries user information (user:password@): give credentials through the binds",
        "P is not a valid URL",
        "H is not an http(s) URL with a host",
    ]


def test_upstream_limits_default_and_read_from_the_environment() -> None:
    assert EnvironmentReader({}).upstream_limits() == UpstreamLimits()
    reader = EnvironmentReader(
        {
            "NAFTIKO_UPSTREAM_MAX_RESPONSE_BYTES": "1024",
            "NAFTIKO_UPSTREAM_POOL_WAIT": "0.5",
            "NAFTIKO_UPSTREAM_RETRIES": "0",
            "NAFTIKO_UPSTREAM_BREAKER_FAILURES": "0",
        }
    )
    limits = reader.upstream_limits()
    assert (limits.max_response_bytes, limits.pool_wait, limits.retries) == (1024, 0.5, 0)
    assert limits.breaker_failures == 0 and limits.concurrency == 32
    reader.check()


def test_malformed_upstream_limits_are_named() -> None:
    reader = EnvironmentReader(
        {
            "NAFTIKO_UPSTREAM_CONCURRENCY": "0",
            "NAFTIKO_UPSTREAM_MAX_RESPONSE_BYTES": "1.5",
            "NAFTIKO_UPSTREAM_BREAKER_RESET": "inf",
            "NAFTIKO_UPSTREAM_RETRIES": "-1",
        }
    )
    assert reader.upstream_limits() == UpstreamLimits()
    assert reader.problems == [
        "NAFTIKO_UPSTREAM_MAX_RESPONSE_BYTES='1.5' is not a positive whole number",
        "NAFTIKO_UPSTREAM_CONCURRENCY='0' is not a positive whole number",
        "NAFTIKO_UPSTREAM_BREAKER_RESET='inf' is not a positive number of seconds",
        "NAFTIKO_UPSTREAM_RETRIES='-1' is not a non-negative whole number",
    ]


# ----------------------------------------------------------------------------- .env and X_FILE


def test_env_file_fills_what_the_environment_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / "named.env"
    env_file.write_text(
        "# comment\nexport A=1\nB='two words' # trailing\nC=\"x=y\"\nEMPTY=\nBARE\n",
        encoding="utf-8",
    )
    environ = {"A": "real"}
    assert load_env_file("demo", ["serve", "--env-file", str(env_file)], environ) == env_file
    assert environ == {"A": "real", "B": "two words", "C": "x=y", "EMPTY": ""}
    # --env-file=FILE, then NAFTIKO_ENV_FILE, then .env in the working directory.
    environ = {}
    assert load_env_file("demo", [f"--env-file={env_file}"], environ) == env_file
    environ = {"NAFTIKO_ENV_FILE": str(env_file)}
    assert load_env_file("demo", ["serve"], environ) == env_file and environ["B"] == "two words"
    monkeypatch.chdir(tmp_path)
    assert load_env_file("demo", [], {}) is None  # no .env here: nothing read, no error
    (tmp_path / ".env").write_text("D=4\n", encoding="utf-8")
    environ = {}
    assert load_env_file("demo", [], environ) == Path(".env") and environ == {"D": "4"}
    monkeypatch.setattr(sys, "argv", ["demo", "serve", "--env-file", str(env_file)])
    environ = {}
    assert load_env_file("demo", None, environ) == env_file and "B" in environ


def test_an_unreadable_env_file_or_two_forms_of_a_key_stop_the_start(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"demo: error: cannot read settings file .*absent"):
        load_env_file("demo", ["--env-file", str(tmp_path / "absent")], {})
    with pytest.raises(SystemExit, match="cannot read settings file"):
        load_env_file("demo", ["--env-file", str(tmp_path)], {})  # a folder
    latin = tmp_path / "latin.env"
    latin.write_bytes(b"A=\xe9\n")
    with pytest.raises(SystemExit, match="cannot read settings file"):
        load_env_file("demo", ["--env-file", str(latin)], {})
    both = {"NAFTIKO_REQUIRE_API_KEY": "k", "NAFTIKO_REQUIRE_API_KEY_FILE": "/run/key"}
    with pytest.raises(SystemExit, match=r"NAFTIKO_REQUIRE_API_KEY and .*_FILE are both set"):
        load_env_file("demo", [], both)


def test_the_env_file_option_is_in_the_help(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = argparse.ArgumentParser()
    monkeypatch.setenv("NAFTIKO_ENV_FILE", "x.env")
    env_file_option(parser)
    assert parser.parse_args([]).env_file == "x.env"
    assert "NAFTIKO_ENV_FILE" in parser.format_help()


def test_a_secret_may_come_from_its_file(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("s3cret\r\n", encoding="utf-8")
    reader = EnvironmentReader({"TOKEN_FILE": f" {secret} ", "OTHER": "plain"})
    assert reader.secret("TOKEN", "token") == "s3cret"
    assert reader.secret("OTHER", "other") == "plain"
    reader.check()
    both = EnvironmentReader({"TOKEN": "x", "TOKEN_FILE": str(secret)})
    assert both.secret("TOKEN", "token") == ""
    assert both.problems == [
        "TOKEN and TOKEN_FILE are both set: set one (the value, or a file holding it)"
    ]
    missing = EnvironmentReader({"TOKEN_FILE": str(tmp_path / "absent")})
    assert missing.secret("TOKEN", "token") == ""
    assert len(missing.problems) == 1 and "cannot read TOKEN_FILE=" in missing.problems[0]
    (tmp_path / "latin").write_bytes(b"\xe9")
    latin = EnvironmentReader({"TOKEN_FILE": str(tmp_path / "latin")})
    assert latin.value("TOKEN") is None and "not UTF-8 text" in latin.problems[0]
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    blank = EnvironmentReader({"TOKEN_FILE": str(empty)})
    assert blank.secret("TOKEN", "token") == ""
    assert blank.problems == ["environment variable TOKEN is not set (bind variable token)"]


def test_a_bind_file_secret_may_come_from_its_own_file(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("from-file\n", encoding="utf-8")
    reader = BindFileReader({"TOKEN_FILE": str(secret)})
    assert reader.file_secret("TOKEN", "token", str(tmp_path / "binds.json")) == "from-file"
    reader.check()


def test_token_settings_are_checked() -> None:
    from naftiko_codegen.runtime.environment import TOKEN_AUTH_METHODS

    reader = EnvironmentReader(
        {"A": "http://auth.example.com/t", "B": "http://[::1]:8/t", "M": "client_secret_post"}
    )
    assert reader.token_url("B", "https://x") == "http://[::1]:8/t"
    assert reader.token_url("C", "https://auth.example.com/t") == "https://auth.example.com/t"
    assert reader.token_auth_method("M") == "client_secret_post"
    assert reader.token_auth_method("unset") == TOKEN_AUTH_METHODS[0]
    assert reader.problems == []
    reader.token_url("A", "")
    reader.token_url("D", "")  # unset and no default: named once, as a base URL
    reader.token_auth_method("A")
    assert len(reader.problems) == 3
    assert "A is http on a host that is not loopback" in reader.problems[0]
    assert "D is not set" in reader.problems[1]
    assert "is not one of client_secret_basic, client_secret_post" in reader.problems[2]


def test_env_options_read_check_and_set_their_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from naftiko_codegen.runtime.environment import bounded, env_option

    def parser() -> argparse.ArgumentParser:
        made = argparse.ArgumentParser(exit_on_error=False)
        group = made.add_argument_group("g")
        env_option(group, "--wait", "NAFTIKO_T_WAIT", bounded(int, 1, 9), 5, metavar="S", text="t")
        return made

    monkeypatch.setenv("NAFTIKO_T_WAIT", "")  # empty is unset; teardown removes what --wait sets
    assert parser().parse_args([]).wait == 5
    assert "(env NAFTIKO_T_WAIT)" in parser().format_help()
    assert parser().parse_args(["--wait", "7"]).wait == 7
    assert sys.modules["os"].environ["NAFTIKO_T_WAIT"] == "7"  # workers and run time see it
    assert parser().parse_args([]).wait == 7
    monkeypatch.setenv("NAFTIKO_T_WAIT", "10")
    with pytest.raises(argparse.ArgumentError, match=r"'10' is not a number from 1 to 9 \(env"):
        parser().parse_args([])
    with pytest.raises(argparse.ArgumentError, match="'x' is not a number"):
        parser().parse_args(["--wait", "x"])
