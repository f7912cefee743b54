"""Fixtures shared by the unit tests: the seed capability at each pipeline stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from naftiko_codegen.load import LoadedSpec, load_spec
from naftiko_codegen.model import CapabilityModel, build_model
from naftiko_codegen.resolve import CanonicalCapability, resolve_spec

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "examples" / "rest-sessions.yaml"


@pytest.fixture(scope="session")
def seed_spec() -> LoadedSpec:
    """The seed capability, loaded."""
    return load_spec(SEED.read_text(encoding="utf-8"), "examples/rest-sessions.yaml")


@pytest.fixture(scope="session")
def seed_canonical(seed_spec: LoadedSpec) -> CanonicalCapability:
    """The seed capability, resolved."""
    return resolve_spec(seed_spec)


@pytest.fixture(scope="session")
def seed_model(seed_canonical: CanonicalCapability, seed_spec: LoadedSpec) -> CapabilityModel:
    """The seed capability's template context."""
    return build_model(
        seed_canonical, spec_file=SEED.name, spec_text=seed_spec.text, slug="rest-sessions"
    )
