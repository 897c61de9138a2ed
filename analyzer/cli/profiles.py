"""`profile init|list|show` and `explain`: carrier layouts, and how one file is read."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from analyzer.cli.base import db_path, password_option, profiles_option, year_option
from analyzer.cli.output import _jsonable, print_rows
from analyzer.errors import EXIT_PARTIAL, AnalyzerError, shown


@click.group()
def profile() -> None:
    """Carrier profiles: draft one for a new export, list and show them."""


@profile.command("init")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--date-format", help="The file's date format, e.g. %d/%m/%Y (when ambiguous).")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the draft here."
)
def profile_init(file: Path, date_format: str | None, out: Path | None) -> None:
    """Draft a TOML profile for FILE (CSV, XLSX, XLS or PDF); it lists what it is unsure of."""
    from analyzer.importers.draft import draft_profile

    draft = draft_profile(file, date_format)
    text = draft.text()
    if out:
        from analyzer.api import check_output

        check_output(out, db_path(), [file])
        out.write_text(text, encoding="utf-8")
        click.echo(f"Draft profile: {shown(out)}", err=True)
    else:
        click.echo(text, nl=False)
    if draft.unmapped:
        click.echo("Could not map: " + ", ".join(shown(u) for u in draft.unmapped), err=True)
    for key, why in draft.unsure:
        click.echo(f"Unsure: {key}: {shown(why)}", err=True)
    for name in draft.claimed_by:
        click.echo(
            f"Note: the built-in layout {name} already reads this file; a profile that also "
            "claims it makes the file ambiguous",
            err=True,
        )


def _all_importers(profile_dirs: Sequence[Path], near: Sequence[Path] = ()) -> list[Any]:
    from analyzer.importers import BUILT_IN
    from analyzer.importing import with_profiles

    return with_profiles(BUILT_IN, list(near), list(profile_dirs))


@profile.command("list")
@profiles_option
def profile_list(profile_dirs: tuple[Path, ...]) -> None:
    """List built-in layouts and the profiles found (here, the user's folder, --profiles)."""
    rows = [
        (i.name, getattr(i, "carrier", ""), str(getattr(i, "source", None) or "built-in"))
        for i in _all_importers(profile_dirs, [Path.cwd()])
    ]
    print_rows(("name", "carrier", "source"), rows, "table")


@profile.command("show")
@click.argument("name")
@profiles_option
def profile_show(name: str, profile_dirs: tuple[Path, ...]) -> None:
    """Show one profile's TOML, or a built-in layout's declaration."""
    for importer in _all_importers(profile_dirs, [Path.cwd()]):
        if importer.name == name:
            source = getattr(importer, "source", None)
            click.echo(source.read_text(encoding="utf-8") if source else repr(importer))
            return
    raise AnalyzerError(f"no layout or profile is called {name!r}; see 'analyzer profile list'")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@profiles_option
@click.option("--events", "first", default=10, show_default=True, help="How many events to show.")
@password_option
@year_option
def explain(
    file: Path, profile_dirs: tuple[Path, ...], first: int, password: str | None, year: int | None
) -> None:
    """Show how FILE is read: importer, column mapping, statement, first events, rejects.

    Exit 3 when the file has rejected rows (it would import only in part).
    """
    from analyzer.errors import InputError
    from analyzer.importers import ImportOptions
    from analyzer.importing import AGAIN, EMPTY

    if file.stat().st_size == 0:  # as `import` says, rather than that no layout knows it
        raise InputError(file, EMPTY, hint=AGAIN)
    importer = _identify(file, _all_importers(profile_dirs, [file]))
    _echo_mappings(importer)
    extracted = importer.extract(file, ImportOptions(password=password, trace=True, year=year))
    _echo_trace(extracted.detail.get("trace") or ())
    _echo_statements(extracted.statements)
    _echo_counts(importer, extracted)
    events = extracted.events.slice(0, first).to_pylist()
    if events:
        click.echo(f"First {len(events)} events:")
        columns = [c for c in events[0] if c not in ("raw", "statement_index")]
        print_rows(columns, [[e[c] for c in columns] for e in events], "table", wide=True)
    rejects = extracted.rejects.to_pylist()
    click.echo(f"Rejects: {len(rejects)}")
    for reject in rejects:
        where = f"page {reject['page']}, " if reject["page"] is not None else ""
        click.echo(f"  {where}row {reject['row']}: {shown(reject['reason'])}")
    if rejects:  # as `import` would say: the file imports only in part
        sys.exit(EXIT_PARTIAL)


def _identify(file: Path, importers: Sequence[Any]) -> Any:
    """The importer that reads ``file``; when none does, why each one declined."""
    from analyzer.errors import UnknownFormatError
    from analyzer.importers import identify

    try:
        importer = identify(file, importers)
    except UnknownFormatError:
        from analyzer.importers import why_not_recognised

        click.echo(f"No importer or profile recognises {shown(file.name)}:")
        for name, reason in why_not_recognised(file, importers):
            click.echo(f"  {name}: {reason}")
        raise
    source = getattr(importer, "source", None)
    click.echo(
        f"Importer: {shown(importer.name)}"
        + (f" (profile {shown(source)})" if source else " (built-in)")
    )
    return importer


def _echo_mappings(importer: Any) -> None:
    for index, mapping in enumerate(getattr(importer, "mappings", ())):
        label = f"  where {mapping.where}" if mapping.where else ""
        click.echo(f"Mapping {index + 1}:{label}")
        for field_name, spec in mapping.fields.items():
            click.echo(f"  {field_name:<20} {spec}")


def _echo_trace(trace: Sequence[Any]) -> None:
    if trace:
        click.echo("Text lines (page:line, what took it, context):")
    for page, number, text, taken, context in trace:
        values = ", ".join(f"{k}={v}" for k, v in context.items() if v)
        click.echo(
            f"  {page}:{number:<4} {taken:<28} {shown(text[:90])}"
            + (f"  [{shown(values)}]" if values else "")
        )


def _echo_statements(statements: Sequence[Any]) -> None:
    from dataclasses import asdict

    for index, statement in enumerate(statements):
        click.echo(f"Statement {index + 1}:")
        for key, value in asdict(statement).items():
            if value not in (None, (), {}, []):
                click.echo(f"  {key:<20} {shown(_jsonable(value))}")


def _echo_counts(importer: Any, extracted: Any) -> None:
    from analyzer.importers.profile_warnings import profile_warnings

    counts = extracted.counts()
    click.echo("Counts: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for warning in profile_warnings(importer, extracted):
        click.echo(f"Warning: {warning}")
    if "unmatched_lines" in extracted.detail:
        click.echo(
            f"Text lines no pattern took: {extracted.detail['unmatched_lines']} "
            f"(unreadable: {extracted.detail['unreadable_lines']})"
        )
