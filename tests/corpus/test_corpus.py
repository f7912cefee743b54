"""The corpus gate: every file of `../shared/corpus` builds (or is a reviewed refusal), and what
it builds compiles, imports, passes ruff and passes its own tests.

Run it with `python -m pytest tests/corpus -q` (it is also part of the plain `python -m pytest`).

- **build**: all files, with a pool of `NAFTIKO_CORPUS_JOBS` (2) processes. A file may fail to
  build only if `tests/corpus/refusals.tsv` lists it with the error code it reports and a reason
  a user would accept; a listed file that now builds fails too (the list is stale).
- **compile** (each distinct file content once), **import** (every module, in fresh
  interpreters), **construct** (`create_app` + its OpenAPI document, `create_server`,
  `create_http_app`) and **lint** (`ruff check` with each package's own config): every built
  package.
- **test**: each package's generated tests take seconds, so all of them (~1,900 packages) do not
  fit the 15-minute CI budget on 2 cores. They run for a deterministic, stratified sample: every
  official package plus the first built catalog or jupyter package (by file name) of each
  construct signature (its modules, auth kinds, body kinds, formats, orchestration): the catalog
  yields about 13, so every code path a catalog file can generate runs; the deep check covers
  each provider's spellings (`NAFTIKO_CORPUS_PER_PROVIDER=N` adds N per provider). `NAFTIKO_CORPUS_ALL_TESTS=1` runs them all. The sampled packages share a few pytest
  processes (`--import-mode=importlib`).

Nothing runs in the foreground: the run starts in a thread when collection ends (conftest), the
build and then compile, import, lint and the generated tests run beside the session's other
tests, and the tests below run last, each waiting for what it asserts on.

Progress lines (`corpus: built 400/1904 (41 s)`) print while it runs. The summary table prints
at the end of the run and is written to `build/corpus-report.md`;
generated packages stay in a pytest temporary folder (named in the report) or in
`$NAFTIKO_CORPUS_OUT` when set.
"""

from __future__ import annotations

import pytest
from corpus_harness import CorpusRun, Failure

pytestmark = pytest.mark.corpus


def _explain(failures: list[Failure]) -> str:
    return "\n".join(f"{f.file}: {f.detail}" for f in failures)


def test_every_file_builds_or_is_a_reviewed_refusal(corpus_run: CorpusRun) -> None:
    problems = corpus_run.refusal_problems
    assert not problems, f"{len(problems)} build problem(s):\n" + "\n".join(problems)


def test_built_packages_compile(corpus_run: CorpusRun) -> None:
    corpus_run.collect("compile")
    failures = corpus_run.failures.get("compile", [])
    assert not failures, _explain(failures)


def test_built_packages_import(corpus_run: CorpusRun) -> None:
    corpus_run.collect("import")
    failures = corpus_run.failures.get("import", [])
    assert not failures, _explain(failures)


def test_built_packages_construct_their_adapters(corpus_run: CorpusRun) -> None:
    corpus_run.collect("import")
    failures = corpus_run.failures.get("construct", [])
    assert not failures, _explain(failures)


def test_built_packages_pass_ruff(corpus_run: CorpusRun) -> None:
    corpus_run.collect("lint")
    failures = corpus_run.failures.get("lint", [])
    assert not failures, _explain(failures)


def test_sampled_packages_pass_their_generated_tests(corpus_run: CorpusRun) -> None:
    assert corpus_run.sample, "no package was built, so no generated test ran"
    corpus_run.collect("test")
    failures = corpus_run.failures.get("test", [])
    assert not failures, _explain(failures)
