"""The command group and what every command shares: --db, errors and exit codes, options.

Exit codes: 0 ok; 1 error; 2 usage (also an output that would overwrite an input); 3 partial
import (a file failed or had rejects); 4 database in use by another process; 5 findings at or
above --fail-on; 6 nothing to work on (an empty folder, a period without data, filters that
match nothing); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from contextlib import suppress
from importlib import import_module
from pathlib import Path
from typing import Any

import click

from analyzer.errors import (
    EXIT_INTERRUPTED,
    AnalyzerError,
    Interrupted,
    catching_interrupts,
    interrupt_requested,
    is_interrupt,
    shown,
)

EXIT_NOTHING = 6
DEFAULT_DB = "usage.duckdb"
DB_ENVVARS = ["USAGE_ANALYZER_DB", "ANALYZER_DB"]
PASSWORD_ENVVAR = "USAGE_ANALYZER_PASSWORD"
STOPPED = "nothing was changed by the step in progress: run the same command again"
CONTEXT = {"help_option_names": ["-h", "--help"]}


class AnalyzerGroup(click.Group):
    """Turns library errors into one 'Error: ...' line and the documented exit code.

    Ctrl-C stops the command with one line and exit 130, whatever it was doing: DuckDB rolls
    back the transaction in flight, so the database holds what was committed before it.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with catching_interrupts():
                return super().invoke(ctx)
        except Interrupted as exc:
            _stop(ctx, exc.message)
        except KeyboardInterrupt:
            _stop(ctx, STOPPED)
        except AnalyzerError as exc:
            if interrupt_requested():  # a DuckDB query stopped by Ctrl-C, reported as a failure
                _stop(ctx, STOPPED)
            click.echo(f"Error: {shown(exc)}", err=True)
            ctx.exit(exc.exit_code)
        except click.exceptions.Exit:
            raise
        except Exception as exc:  # DuckDB's own interrupt, raised from any query
            if is_interrupt(exc) or interrupt_requested():
                _stop(ctx, STOPPED)
            raise

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, tuple[str, str, str]] = {}  # name: (module, function, summary)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, its module loaded now if it was not yet."""
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, function, _summary = self.lazy[cmd_name]
            self.add_command(getattr(import_module(module), function), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of --help, from the summaries: no command module is loaded."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [
            (name, click.Command(name, help=self._summary(name)).get_short_help_str(limit))
            for name in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def _summary(self, name: str) -> str:
        if name in self.lazy:
            return self.lazy[name][2]
        return self.commands[name].help or ""


def lazy_commands(group: AnalyzerGroup, commands: dict[str, tuple[str, str, str]]) -> None:
    """Register commands by module, function and summary; each is loaded when it runs."""
    group.lazy = dict(commands)


def _stop(ctx: click.Context, message: str) -> None:
    click.echo(f"Interrupted: {message}", err=True)
    _forget_interrupt_in_runner()
    ctx.exit(EXIT_INTERRUPTED)


def _forget_interrupt_in_runner() -> None:
    """Let the exit code be 130, not death by SIGINT.

    CPython ends the process with SIGINT when a KeyboardInterrupt ended the last code it ran
    through ``PyRun_*`` (DuckDB runs some), even when that interrupt was caught; running one
    statement that completes clears the mark."""
    import ctypes

    with suppress(AttributeError, OSError):
        ctypes.pythonapi.PyRun_SimpleString(b"pass")


def _remember_db(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    """--db given after the command wins over the group's (and its environment variable)."""
    if value is not None:
        ctx.find_root().ensure_object(dict)["db"] = value


def _choose_memory_limit(_ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """--memory-limit: checked now, used by every connection the command opens."""
    from analyzer.duck import choose_memory_limit

    try:
        choose_memory_limit(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc).removeprefix("--memory-limit "), param=param) from exc


def db_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--db FILE, accepted after the command as well as before it."""
    return click.option(
        "--db",
        type=click.Path(dir_okay=False, path_type=Path),
        expose_value=False,
        callback=_remember_db,
        help=f"The DuckDB database file [default: {DEFAULT_DB}, or ${DB_ENVVARS[0]}].",
    )(command)


def db_path(ctx: click.Context | None = None) -> Path:
    """The database this command works on."""
    ctx = ctx or click.get_current_context()
    return ctx.find_root().ensure_object(dict).get("db") or Path(DEFAULT_DB)


def db_argument(db: Path) -> str:
    """`--db FILE` to repeat in a suggested command, or nothing for the default database."""
    import shlex

    return "" if str(db) == DEFAULT_DB else f" --db {shlex.quote(str(db))}"


def close_matches(value: str, known: Sequence[str]) -> str:
    """'; did you mean 'x'?' for the nearest known value, or nothing."""
    found = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
    return f"; did you mean {found[0]!r}?" if found else ""


def listing(values: Sequence[str], most: int = 12) -> str:
    """Values for an error message: the first ``most`` and how many more."""
    shown_values = ", ".join(shown(v) for v in values[:most])
    rest = len(values) - most
    return shown_values + (f" and {rest} more" if rest > 0 else "")


def bad_value(option: str, message: str) -> click.BadParameter:
    """A usage error (exit 2) naming the option."""
    return click.BadParameter(message, param_hint=f"'{option}'")


def validate_period(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """One period syntax everywhere: a month (2026-10) or a cycle (2026-09-19..2026-10-18)."""
    if value is None:
        return None
    from analyzer.report import parse_period

    try:
        parse_period(value)
    except AnalyzerError as exc:
        raise click.BadParameter(str(exc).removeprefix("--period ")) from None
    return value.strip()


period_option = click.option(
    "--period",
    metavar="YYYY-MM|START..END",
    callback=validate_period,
    help="Only this month (2026-10) or billing cycle (2026-09-19..2026-10-18).",
)
wide_option = click.option(
    "--wide", is_flag=True, help="Print every value in full (the table may exceed the terminal)."
)
year_option = click.option(
    "--year",
    type=click.IntRange(1990, 2100),
    help="The year of bills whose dates print none ('28. Okt'), when the file does not say.",
)
profiles_option = click.option(
    "--profiles",
    "profile_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Also this folder of TOML carrier profiles (repeatable).",
)
password_option = click.option(
    "--password",
    envvar=PASSWORD_ENVVAR,
    help=f"Password for encrypted PDF bills (or ${PASSWORD_ENVVAR}; asked for on a terminal "
    "when a PDF needs one). Never stored or logged.",
)


def report_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--period, --lang and --mask, shared by `run` and `report`."""
    command = click.option(
        "--mask",
        is_flag=True,
        help="Mask phone numbers and ICCIDs (e.g. +1 201 ••• ••23) for a report you will share.",
    )(command)
    command = click.option(
        "--lang",
        type=click.Choice(["en", "zh"]),
        default="en",
        show_default=True,
        help="Language of the report: English or Simplified Chinese.",
    )(command)
    return period_option(command)


def format_options(*formats: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--format and its shorthands (--json, --csv, --nl), given at most once between them."""
    helps = {
        "json": "a JSON array",
        "csv": "CSV (cells a spreadsheet would run as formulas are quoted)",
        "nl": "JSON, one object per line",
    }

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for name in reversed([f for f in formats if f in helps]):
            command = click.option(
                f"--{name}",
                f"as_{name}",
                is_flag=True,
                help=f"Same as --format {name}: {helps[name]}.",
            )(command)
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(formats),
            help=f"Output format [default: {formats[0]}].",
        )(command)

    return decorate


def chosen_format(fmt: str | None, **flags: bool) -> str:
    """The one output format asked for; two of them is a usage error."""
    shorthands = [name for name in ("json", "csv", "nl") if flags.get(f"as_{name}")]
    asked = [f"--format {fmt}"] if fmt else []
    asked += [f"--{name}" for name in shorthands]
    if len(asked) > 1:
        raise click.UsageError(f"{' and '.join(asked)} ask for two formats; give one of them")
    return fmt or (shorthands[0] if shorthands else "table")


def nothing(message: str) -> None:
    """Say on stderr that there was nothing to work on, and exit 6."""
    click.echo(message, err=True)
    click.get_current_context().exit(EXIT_NOTHING)


@click.group(cls=AnalyzerGroup, context_settings=CONTEXT)
@click.option(
    "--db",
    "db_file",
    default=DEFAULT_DB,
    show_default=True,
    envvar=DB_ENVVARS,
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"The DuckDB database file (also ${DB_ENVVARS[0]}; may follow the command).",
)
@click.option(
    "--memory-limit",
    metavar="SIZE",
    expose_value=False,
    callback=_choose_memory_limit,
    help="Memory DuckDB may use before it spills to disk, e.g. 2GB (also "
    "$USAGE_ANALYZER_MEMORY; default: 80% of the machine's).",
)
@click.version_option(package_name="usage-analyzer")
@click.pass_context
def cli(ctx: click.Context, db_file: Path) -> None:
    """Usage Analyzer: bills and usage exports in, one database, findings and a report out."""
    ctx.ensure_object(dict)["db"] = db_file
