"""Command line: `naftiko-gen build|check|validate|templates|diagnostics|export-openapi|…|new`.

The only package that prints or exits; each command parses its options, calls the library (the
pipeline and the stages) and prints what came back. One module per command group. Exit codes:
0 success, 1 invalid spec, stale or refused output, 2 usage error (click's own), 70 internal
error (a naftiko-gen bug: one line, the traceback only under `--debug`).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from .. import __version__
from .build import build_command, check_command
from .diagnostics import diagnostics_command
from .new import new_command
from .openapi import export_openapi_command, import_openapi_command
from .output import DEBUG_OPTION, EXIT_INTERNAL, echo_crash
from .templates import templates_group
from .validate import validate_command

__all__ = ["cli", "main"]

_EPILOG_MAIN = """\b
Exit codes: 0 success; 1 invalid spec, stale or refused output; 2 usage
error; 70 internal error (a naftiko-gen bug: one line per file, the
traceback with --debug or NAFTIKO_GEN_DEBUG=1; a batch goes on).
Shell completion (bash; use zsh_source / fish_source for the others):
  eval "$(_NAFTIKO_GEN_COMPLETE=bash_source naftiko-gen)"
"""


class _Guarded(click.Group):
    """The main group: an exception that escapes a command is an internal error (exit 70)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            raise
        except Exception:
            from ..pipeline import crash_text

            echo_crash("naftiko-gen", crash_text())
            sys.exit(EXIT_INTERNAL)


@click.group(
    cls=_Guarded,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=_EPILOG_MAIN,
)
@click.version_option(__version__, prog_name="naftiko-gen")
@DEBUG_OPTION
def cli() -> None:
    """Generate standalone FastAPI + MCP server packages from Naftiko capability files."""


for _command in (
    build_command,
    check_command,
    validate_command,
    templates_group,
    diagnostics_command,
    export_openapi_command,
    import_openapi_command,
    new_command,
):
    cli.add_command(_command)


def main() -> None:
    """Entry point of the `naftiko-gen` console script."""
    cli(prog_name="naftiko-gen")
