"""The errors a user can cause, and what the CLI does with them.

    AnalyzerError                 exit 1: the command could not do its job
    ├── InputError                a bill file could not be read (names file, page/row)
    │   ├── UnknownFormatError    no importer or profile recognises the file
    │   └── AmbiguousFormatError  two importers claim the file
    ├── ProfileError              a TOML carrier profile is invalid (names file and key)
    ├── ConfigError               analyzer.toml is invalid (names file and key)
    └── DatabaseError             the database cannot be used
        ├── DatabaseLockedError   exit 4: another process holds the database
        └── SchemaVersionError    the database was written by a newer version

Every message says what happened and what to do. Anything that is not an AnalyzerError is a bug
and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_LOCKED = 4
EXIT_FINDINGS = 5


class AnalyzerError(Exception):
    """A failure the user can act on; its message is shown as one line."""

    exit_code = EXIT_ERROR


class InputError(AnalyzerError):
    """A bill file could not be read."""

    def __init__(
        self,
        path: Path | str,
        problem: str,
        *,
        page: int | None = None,
        row: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.problem = problem
        self.page = page
        self.row = row
        self.hint = hint
        where = self.path.name
        if page is not None:
            where += f", page {page}"
        if row is not None:
            where += f", row {row}"
        message = f"could not read {where}: {problem}"
        if hint:
            message += f"; {hint}"
        super().__init__(message)


class UnknownFormatError(InputError):
    """No importer or profile recognises the file."""


class AmbiguousFormatError(InputError):
    """More than one importer claims the file: we refuse to guess."""


class ProfileError(AnalyzerError):
    """A carrier profile (TOML) is invalid."""


class ConfigError(AnalyzerError):
    """analyzer.toml is invalid."""


class DatabaseError(AnalyzerError):
    """The database cannot be opened or used."""


class DatabaseLockedError(DatabaseError):
    """Another process holds the database file."""

    exit_code = EXIT_LOCKED


class SchemaVersionError(DatabaseError):
    """The database was written by a newer version of the tool."""
