"""Draft a profile from a file: a starting point a person checks, never a silent guess.

Tabular files (CSV with or without a header, XLSX, XLS) are mapped by header names in six
languages and by what the values look like; PDF bills by their text. Whatever a draft guesses
is listed in the profile's ``unsure`` key, in comments, and on stderr; importing with a profile
that still has ``unsure`` entries warns.
"""

from __future__ import annotations

from pathlib import Path

from analyzer.errors import AnalyzerError, InputError
from analyzer.importers.draft.table import NotUsageError
from analyzer.importers.draft.toml import Draft

__all__ = ["Draft", "NotUsageError", "draft_profile"]
_FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}
_FORMATS |= {".xls": "xls", ".pdf": "pdf"}


def draft_profile(path: Path, date_format: str | None = None) -> Draft:
    """A draft profile for ``path``; refuses files that are not usage exports or bills.

    Refuses to guess between day-first and month-first when every date fits both; pass
    ``date_format`` then.
    """
    file_format = _FORMATS.get(path.suffix.lower())
    if file_format is None:
        raise NotUsageError(
            path, f"profile init reads CSV, XLSX, XLS and PDF files, not {path.suffix or 'this'}"
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(path, f"cannot read the file: {exc.strerror}") from exc
    if size == 0:
        raise NotUsageError(path, "the file is empty (0 bytes)", hint="download or export it again")
    if file_format == "pdf":
        from analyzer.importers.draft.pdf import draft_pdf

        draft = draft_pdf(path)
    else:
        from analyzer.importers.draft.tabular import draft_tabular

        draft = draft_tabular(path, file_format, date_format)
    _built_in(path, draft)
    return draft


def _built_in(path: Path, draft: Draft) -> None:
    """Keep the draft's name clear of the built-in layouts', and say which already read it."""
    from analyzer.importers import BUILT_IN

    draft.taken = tuple(importer.name for importer in BUILT_IN)
    for importer in BUILT_IN:
        try:
            if importer.identify(path):
                draft.claimed_by.append(importer.name)
        except AnalyzerError:
            continue
