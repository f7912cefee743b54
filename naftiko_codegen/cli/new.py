"""`naftiko-gen new`: scaffold a capability file from flags, asking for what they do not say."""

from __future__ import annotations

from pathlib import Path

import click

from ..scaffold import ScaffoldAnswers, default_operations, parse_operation, scaffold_capability

__all__ = ["new_command"]

_EPILOG_NEW = """\b
Examples:
  naftiko-gen new                      # asks for each answer
  naftiko-gen new weather --base-url https://api.weather.example \\
      --operation "GET /forecast/{city}" --api-key-query key --no-input
"""


def _ask_operations() -> list[tuple[str, str]]:
    parsed: list[tuple[str, str]] = []
    while True:
        answer = click.prompt(
            'Upstream operation ("METHOD /path", empty to finish)',
            default="",
            show_default=False,
        )
        if not answer:
            return parsed
        parsed.append(parse_operation(answer))


@click.command("new", epilog=_EPILOG_NEW)
@click.argument("name", required=False)
@click.option("--title", help="Human title (info.label).")
@click.option("--description", help="One sentence on what the capability does.")
@click.option("--base-url", help="The upstream API's base URL.")
@click.option(
    "--operation",
    "operations",
    multiple=True,
    metavar='"METHOD /path"',
    help='An upstream operation, e.g. "GET /items/{id}" (repeatable).',
)
@click.option("--api-key-query", metavar="NAME", help="The API key goes in query parameter NAME.")
@click.option("--api-key-header", metavar="NAME", help="The API key goes in header NAME.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: NAME.yaml).",
)
@click.option("--no-input", is_flag=True, help="Never ask; use defaults for what is missing.")
def new_command(
    name: str | None,
    title: str | None,
    description: str | None,
    base_url: str | None,
    operations: tuple[str, ...],
    api_key_query: str | None,
    api_key_header: str | None,
    output: Path | None,
    no_input: bool,
) -> None:
    """Scaffold a capability file, asking for what the flags do not say."""

    def ask(value: str | None, prompt: str, default: str) -> str:
        if value:
            return value
        return default if no_input else str(click.prompt(prompt, default=default))

    name = ask(name, "Capability name (file and package name)", "my-capability")
    title = ask(title, "Title", name.replace("-", " ").title())
    description = ask(description, "Description", f"{title}, served as REST and MCP.")
    base_url = ask(base_url, "Upstream base URL", "http://localhost:8000")
    try:
        parsed = [parse_operation(text) for text in operations]
        if not parsed and not no_input:
            parsed = _ask_operations()
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--operation") from None
    target = output or Path(f"{name}.yaml")
    if target.exists():
        raise click.UsageError(f"{target} exists; choose another NAME or --output")
    answers = ScaffoldAnswers(
        name=name,
        title=title,
        description=description,
        base_url=base_url,
        operations=tuple(parsed or default_operations()),
        api_key_query=api_key_query,
        api_key_header=api_key_header,
    )
    target.write_text(scaffold_capability(answers), encoding="utf-8")
    click.echo(f"wrote {target}; next: naftiko-gen build {target} -o out/", err=True)
