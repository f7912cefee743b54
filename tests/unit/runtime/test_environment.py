"""`runtime/environment.py`: typed settings read from the environment, every problem named."""

from __future__ import annotations

import pytest

from naftiko_codegen.runtime.environment import (
    DEFAULT_TIMEOUT,
    ApiSettings,
    EnvironmentReader,
    SettingsError,
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
