"""Fuzzed specs: refused with located errors, or built into a package that works (issue 11, item 5).

`spec_variants.variant` draws capabilities with path parameters of every type, required
parameters nothing sets, hostile literal text in upstream paths, header and cookie names and
values with control characters, and duplicate MCP names and REST routes. Each one must be refused
with ERROR diagnostics located at a line and column, or build into a package whose modules
compile; for a few fixed variants (encoded path text, a dropped fragment, a required parameter
turned into an input, cookies, an MCP resource) the package's own generated tests must pass.
The longer run is `python bench/fuzz_specs.py`.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spec_variants import outcome, run_generated_tests, variant, write_variant

from naftiko_codegen.pipeline import generate

# Variants (by seed) that build, chosen for what their packages exercise: see the module doc.
SUITE_SEEDS = {
    # A required query parameter turned into an input, a fragment dropped from an upstream path,
    # encoded path text, cookies.
    103: {"NAF314", "NAF338"},
    36: {"NAF338"},  # the same fragment rule, and an MCP resource read through a call
}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rng=st.randoms(use_true_random=False))
def test_a_fuzzed_spec_is_refused_where_it_is_wrong_or_builds(
    rng: random.Random, tmp_path: Path
) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    spec = write_variant(variant(rng), folder, "fuzzed")
    found = outcome(spec, folder / "out")
    assert found.crash == ""
    assert found.unlocated == ()
    assert found.not_compiling == ()
    assert bool(found.refused) != (found.package is not None)


def test_fixed_variants_build_into_packages_whose_own_tests_pass(tmp_path: Path) -> None:
    packages = []
    for seed, codes in SUITE_SEEDS.items():
        spec = write_variant(variant(random.Random(seed)), tmp_path, f"fuzz-{seed}")
        assert codes <= {d.code for d in generate(spec).diagnostics}
        found = outcome(spec, tmp_path / "out")
        assert found.package is not None, found.refused
        packages.append(found.package)
    result = run_generated_tests(packages, timeout=300)
    assert result.failed == {}, result.log
    assert result.passed > 100
