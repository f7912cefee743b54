"""A non-editable install carries its templates, schema and example, and works from any folder."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_wheel_installs_and_builds_from_another_folder(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(REPO),
        ],
        check=True,
    )
    (wheel,) = wheels.glob("naftiko_gen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "naftiko_codegen/templates/src/package/rest_app.py.jinja" in names
    assert "naftiko_codegen/templates/.env.example.jinja" in names  # a dotfile template too
    assert "naftiko_codegen/schema/naftiko-capability.schema.json" in names
    assert "naftiko_codegen/examples/rest-sessions.yaml" in names

    # A fresh venv that sees this environment's dependencies (no download) but gets its own
    # naftiko-gen from the wheel.
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    parents = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib) / "_parent_site.pth").write_text(
        "".join(f"import site; site.addsitedir({p!r})\n" for p in parents)
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
    )
    # The installed wheel must win: a PYTHONPATH pointing at a checkout would shadow it.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    spec = elsewhere / "sessions.yaml"
    spec.write_bytes((REPO / "examples" / "rest-sessions.yaml").read_bytes())
    located = subprocess.run(
        [str(python), "-c", "import naftiko_codegen; print(naftiko_codegen.__file__)"],
        cwd=elsewhere,
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    assert located.startswith(str(env_dir)), located
    result = subprocess.run(
        [str(env_dir / "bin" / "naftiko-gen"), "build", "sessions.yaml", "-o", "out", "-q"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "out" / "sessions" / "src" / "sessions" / "rest_app.py").is_file()
