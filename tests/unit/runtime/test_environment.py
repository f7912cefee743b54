"""`runtime/environment.py`: typed settings read from the environment, every problem named."""

from __future__ import annotations

import pytest

from naftiko_codegen.runtime.environment import (
    DEFAULT_TIMEOUT,
    ApiSettings,
    EnvironmentReader,
    SettingsError,
    UpstreamLimits,
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
