"""What the user tells an import (a light module: the command line builds it before any importer
is loaded)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ImportOptions:
    """What the user told us for this run (a PDF password is never logged or stored)."""

    password: str | None = field(default=None, repr=False)
    trace: bool = False  # keep what took each line of a PDF, for `analyzer explain`
    year: int | None = None  # the year of dates printed without one (--year)
