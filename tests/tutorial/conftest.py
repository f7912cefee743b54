"""The tutorial's folder layout, rebuilt from the flattened corpus (tutorial-expectations §1.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

# The tutorial's own dummy values (tutorial-expectations §1.2), looked up by provider key.
SECRETS = """\
registry-bearer-token: "dummy-token"
registry-api-version: "1.0.0-alpha2"
dockyard-api-key: "dummy-dockyard-key"
mcp-server-token: "sk-mcp-YYYYYYYYYYYY"
"""


@pytest.fixture(scope="session")
def tutorial(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`step-N-….yml` files beside `shared/` (imports, secrets), as the tutorial ships them."""
    root = tmp_path_factory.mktemp("tutorial")
    (root / "shared").mkdir()
    for source in sorted((shared_dir / "corpus" / "official").glob("tutorial__*")):
        name = source.name.removeprefix("tutorial__")
        if name.startswith("shared__"):
            target = root / "shared" / name.removeprefix("shared__")
        else:
            target = root / name
        target.write_bytes(source.read_bytes())
    (root / "shared" / "secrets.yaml").write_text(SECRETS, encoding="utf-8")
    return root
