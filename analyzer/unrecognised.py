"""Files of a folder that nothing recognised: listed for the report, and each verdict kept with
what it rests on, so a re-run gives it again without loading any importer.

A verdict rests on the file's sha256 and the fingerprint of the importers that judged it (the
analyzer, the profiles in effect, the --year): a file that matches both is unrecognised again;
anything changed and it is judged afresh.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from analyzer.paths import path_text, text_path

if TYPE_CHECKING:
    import duckdb

    from analyzer.importers import ImportOptions


class Verdicts:
    """The unrecognised files of earlier runs, and what each verdict rests on: the file's
    sha256 and the fingerprint of the importers that judged it (the analyzer, the profiles in
    effect, the --year). A file that matches both is unrecognised again, without loading any
    importer; anything changed and it is judged afresh."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        paths: Sequence[Path],
        profiles: Sequence[Path],
        options: ImportOptions | None,
    ) -> None:
        self.known = unrecognised_verdicts(con)
        self.basis: dict[Path, tuple[str, str]] = {}  # what record_unrecognised keeps
        self._judges = (paths, profiles, options.year if options else None)
        self._fingerprint: str | None = None

    def fingerprint(self) -> str:
        """Taken once, before the importers load: a profile edited later is seen next run."""
        if self._fingerprint is None:
            from analyzer.importers.profile_files import judges_fingerprint

            paths, profiles, year = self._judges
            self._fingerprint = judges_fingerprint(paths, profiles, year=year)
        return self._fingerprint

    def recall(self, path: Path, sha256: str) -> str | None:
        """The reason given before, when that verdict still holds."""
        known = self.known.get(path_text(path))
        if known is None or known[1:] != (sha256, self.fingerprint()):
            return None
        self.judged(path, sha256)
        return known[0]

    def judged(self, path: Path, sha256: str) -> None:
        self.basis[path] = (sha256, self.fingerprint())


UNRECOGNISED_KEY = "unrecognised_files"
# Beside that list (kept as pairs, which releases of the same schema read): what each verdict
# rests on, so a later run can give it again without loading any importer.
VERDICTS_KEY = "unrecognised_verdicts"


def record_unrecognised(
    con: duckdb.DuckDBPyConnection,
    examined: Sequence[Path],
    unrecognised: dict[Path, str],
    basis: dict[Path, tuple[str, str]] | None = None,
) -> None:
    """Remember the files of a folder that nothing recognised (with the advice for each), so
    the report's data quality lists them; a file examined again is replaced by its new result,
    and a file no longer there is forgotten.

    ``basis`` gives, for the verdicts that may be given again, the file's sha256 and the
    fingerprint of the importers that judged it.
    """
    seen = {path_text(p) for p in examined}
    kept = {
        path: reason
        for path, reason in unrecognised_files(con)
        if path not in seen and text_path(path).exists()
    }
    kept.update({path_text(path): path_text(reason) for path, reason in unrecognised.items()})
    verdicts = {
        path: [sha256, fingerprint, reason]
        for path, (reason, sha256, fingerprint) in unrecognised_verdicts(con).items()
        if path in kept and path not in seen
    }
    for path, (sha256, fingerprint) in (basis or {}).items():
        if path in unrecognised:
            verdicts[path_text(path)] = [sha256, fingerprint, path_text(unrecognised[path])]
    values = {
        UNRECOGNISED_KEY: json.dumps(sorted(kept.items()), ensure_ascii=False),
        VERDICTS_KEY: json.dumps(verdicts, ensure_ascii=False, sort_keys=True),
    }
    stored = con.execute(
        "SELECT key, value FROM meta WHERE key IN (?, ?)", [UNRECOGNISED_KEY, VERDICTS_KEY]
    ).fetchall()
    if dict(stored) != values:  # a re-run on an unchanged folder writes nothing
        con.execute(
            "INSERT OR REPLACE INTO meta VALUES (?, ?), (?, ?)",
            [part for pair in values.items() for part in pair],
        )


def unrecognised_files(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(path, reason) of each file the imports passed over as unrecognised."""
    rows = con.execute("SELECT value FROM meta WHERE key = ?", [UNRECOGNISED_KEY]).fetchall()
    return [(path, reason) for path, reason in json.loads(rows[0][0])] if rows else []


def unrecognised_verdicts(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str, str]]:
    """path -> (reason, sha256, fingerprint) of the listed unrecognised files whose verdict's
    basis is known (a database written before it was kept has none: those are judged again)."""
    listed = dict(unrecognised_files(con))
    rows = con.execute("SELECT value FROM meta WHERE key = ?", [VERDICTS_KEY]).fetchall()
    try:
        kept = json.loads(rows[0][0]) if rows else {}
        return {
            path: (reason, sha256, fingerprint)
            for path, (sha256, fingerprint, reason) in kept.items()
            if listed.get(path) == reason
        }
    except (ValueError, TypeError, AttributeError):  # not as written: judge the files again
        return {}
