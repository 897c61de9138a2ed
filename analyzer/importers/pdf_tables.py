"""PDF bills printed as ruled tables: pdfplumber's cells become a staged table, as for a CSV.

The child process (``pdf_text.py``) cuts each chosen page's tables with pdfplumber and returns
their rows; here the header row (the first that holds every ``header`` name) names the columns,
repeated headers (one per page) and rows above the first header are counted as skipped, and a
row with another number of cells is a reject. The rows are then mapped by the same record
types and column specs as a CSV.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from analyzer.arrays import integers, strings
from analyzer.errors import InputError
from analyzer.importers.base import Staged
from analyzer.importers.reading import drop_repeated_headers, find_header


def stage_table_rows(path: Path, rows: Sequence[Sequence[Any]], header: tuple[str, ...]) -> Staged:
    """``[page, row, cells]`` rows as a staged text table below the header row."""
    start = find_header([cells for _, _, cells in rows], header) if header else 0
    if start is None:
        raise InputError(
            path,
            f"no table on the chosen pages has the columns {', '.join(header)}",
            hint="run 'analyzer explain' on it, and check the profile's pages and header",
        )
    names = (
        tuple(str(c) for c in rows[start][2])
        if header
        else tuple(f"#{i + 1}" for i in range(max(len(cells) for _, _, cells in rows)))
    )
    body = rows[start + 1 :] if header else rows
    width = len(names)
    good = [r for r in body if len(r[2]) == width]
    bad = [r for r in body if len(r[2]) != width]
    columns: dict[str, pa.Array] = {
        "_page": integers([r[0] for r in good], pa.int32()),
        "_row": integers([r[1] for r in good], pa.int64()),
    }
    for i in range(width):
        columns[f"c{i}"] = strings([r[2][i] or None for r in good])
    table, repeated = drop_repeated_headers(pa.table(columns), names)
    rejects = pa.table(
        {
            "page": integers([r[0] for r in bad], pa.int32()),
            "row": integers([r[1] for r in bad], pa.int64()),
            "raw": strings([json.dumps(r[2], ensure_ascii=False) for r in bad]),
            "reason": strings(
                [f"the table row has {len(r[2])} cells; its header has {width}" for r in bad]
            ),
        }
    )
    above = start + 1 if header else 0  # the header row and any table rows above it
    return Staged(
        table=table,
        names=names,
        rows_read=len(body) + above,
        read_rejects=rejects,
        blank_rows=repeated + above,
    )
