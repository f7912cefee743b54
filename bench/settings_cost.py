"""What moving a generated `settings.py` onto pydantic-settings would cost: `python bench/settings_cost.py`.

Compares the seed golden package's `load_settings` (`EnvironmentReader`) with a `BaseSettings`
model of the same eleven fields and variable names, after `import fastapi` (which every adapter
pays anyway): the import of `pydantic_settings`, building the model class, constructing each.
Prints the figures; docs/operations.md ("Configuration") quotes them.
"""

from __future__ import annotations

import os
import sys
import time
import timeit
from pathlib import Path

SEED = Path(__file__).resolve().parents[1] / "golden" / "rest-sessions" / "expected" / "src"


def main() -> None:
    sys.path.insert(0, str(SEED))
    os.environ.setdefault("JUPYTER_NOTEBOOK_API_KEY", "key")
    import fastapi  # noqa: F401  # paid by every adapter before settings are read

    started = time.perf_counter()
    from pydantic import Field
    from pydantic_settings import BaseSettings, SettingsConfigDict

    imported = time.perf_counter() - started
    from rest_sessions.settings import load_settings

    started = time.perf_counter()

    class Model(BaseSettings):
        model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=True)
        base_url: str = Field("http://localhost:8888/api", alias="REST_SESSIONS_BASE_URL")
        timeout: float = Field(30.0, alias="REST_SESSIONS_TIMEOUT")
        api_key: str = Field(alias="JUPYTER_NOTEBOOK_API_KEY", repr=False)
        max_response_bytes: int = Field(8 << 20, alias="NAFTIKO_UPSTREAM_MAX_RESPONSE_BYTES")
        pool_wait: float = Field(5.0, alias="NAFTIKO_UPSTREAM_POOL_WAIT")
        concurrency: int = Field(32, alias="NAFTIKO_UPSTREAM_CONCURRENCY")
        connect_timeout: float = Field(10.0, alias="NAFTIKO_UPSTREAM_CONNECT_TIMEOUT")
        breaker_failures: int = Field(5, alias="NAFTIKO_UPSTREAM_BREAKER_FAILURES")
        breaker_reset: float = Field(10.0, alias="NAFTIKO_UPSTREAM_BREAKER_RESET")
        retries: int = Field(1, alias="NAFTIKO_UPSTREAM_RETRIES")
        retry_max_delay: float = Field(2.0, alias="NAFTIKO_UPSTREAM_RETRY_MAX_DELAY")

    built = time.perf_counter() - started
    number = 200
    ours = min(timeit.repeat(load_settings, number=number, repeat=5)) / number
    theirs = min(timeit.repeat(Model, number=number, repeat=5)) / number  # type: ignore[arg-type]
    print(f"import pydantic_settings (after fastapi): {imported * 1000:8.1f} ms")
    print(f"BaseSettings model class:                 {built * 1000:8.2f} ms")
    print(f"construct, generated load_settings:       {ours * 1e6:8.0f} us")
    print(f"construct, BaseSettings model:            {theirs * 1e6:8.0f} us")


if __name__ == "__main__":
    main()
