"""The adapter refuses to start without its settings, and names what is missing."""

from __future__ import annotations

import pytest

from mcp_content.settings import Settings, SettingsError, load_settings


def test_complete_environment_loads() -> None:
    environment: dict[str, str] = {
        "CRM_BASE_URL": "http://127.0.0.1:1/base/",
        "CRM_TIMEOUT": "2.5",
    }
    settings = load_settings(environment)
    assert isinstance(settings, Settings)
    assert settings.crm.base_url == "http://127.0.0.1:1/base"
    assert settings.crm.timeout == 2.5


def test_bad_timeout_is_reported() -> None:
    environment: dict[str, str] = {
        "CRM_BASE_URL": "http://127.0.0.1:1",
        "CRM_TIMEOUT": "soon",
    }
    with pytest.raises(SettingsError, match="not a positive number"):
        load_settings(environment)
