"""Read one bill as an import would, without a database: for trying a profile in a notebook."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ReadBill:
    """What one file holds, as the importer that recognises it reads it; nothing is saved."""

    layout: str
    recognised: bool  # False when a profile given by name does not claim the file
    statements: list[Any]
    events: Any  # pyarrow.Table: .to_pandas(), polars.from_arrow(...)
    rejects: Any  # pyarrow.Table: page/row and the reason of each row that did not read
    counts: dict[str, int]


def read_bill(
    path: str | Path,
    profile: str | Path | None = None,
    *,
    profiles: Sequence[str | Path] = (),
    password: str | None = None,
    year: int | None = None,
) -> ReadBill:
    """Read ``path`` with the TOML ``profile`` alone (even if its ``[identify]`` does not claim
    the file yet: ``recognised`` says so), or with whichever layout recognises it (built-in,
    the profiles beside it, in the user's folder and in ``profiles``)."""
    from analyzer.importers import BUILT_IN, ImportOptions, identify
    from analyzer.importers.pdf import pdf_password
    from analyzer.importers.profile import load_profile
    from analyzer.importing import with_profiles

    file = Path(path)
    options = ImportOptions(password=password, year=year)
    with pdf_password(password):  # an encrypted bill's first page is read to identify it
        if profile is not None:
            importer = load_profile(Path(profile))
            recognised = bool(importer.identify(file))
        else:
            found = with_profiles(BUILT_IN, [file], [Path(p) for p in profiles])
            importer = identify(file, found)
            recognised = True
        extracted = importer.extract(file, options)
    try:
        return ReadBill(
            importer.name,
            recognised,
            extracted.statements,
            extracted.events.to_arrow(),
            extracted.rejects,
            extracted.counts(),
        )
    finally:
        extracted.close()
