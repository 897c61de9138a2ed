"""Arrow arrays from Python lists, built from their buffers.

``pa.array(a_list)`` asks pyarrow's pandas shim whether the list is "array-like", and that
first question imports pandas (about a second of CPU). An import needs no pandas: these build
the same arrays from their buffers, so that pandas loads only where it is used (the report).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from datetime import date
from itertools import accumulate

import pyarrow as pa

_MAX_OFFSET = 2**31 - 1
_EPOCH = date(1970, 1, 1).toordinal()


def strings(values: Sequence[str | None]) -> pa.Array:
    """A ``string`` array of ``values`` (None is null), equal to ``pa.array(values, pa.string())``."""
    nulls = values.count(None)
    present = [v if v is not None else "" for v in values] if nulls else values
    joined = "".join(present)
    data = joined.encode()
    # ASCII text (the usual case): each value's length in bytes is its length in characters,
    # so no value is encoded on its own.
    ascii_only = len(data) == len(joined)
    offsets = array("i", [0])
    offsets.extend(
        accumulate(map(len, present) if ascii_only else (len(v.encode()) for v in present))
    )
    if offsets[-1] > _MAX_OFFSET:
        return pa.array(values, pa.string())
    validity = _validity(values) if nulls else None
    buffers = [validity, pa.py_buffer(offsets), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.string(), len(values), buffers)


def integers(values: Sequence[int], kind: pa.DataType) -> pa.Array:
    """An ``int32`` or ``int64`` array of ``values`` (no nulls)."""
    code = {pa.int32(): "i", pa.int64(): "q"}[kind]
    data = array(code, values)
    return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(data)])


def dates(values: Sequence[date | None]) -> pa.Array:
    """A ``date32`` array of ``values`` (None is null), equal to ``pa.array(values, pa.date32())``."""
    days = array("i", (0 if value is None else value.toordinal() - _EPOCH for value in values))
    buffers = [_validity(values), pa.py_buffer(days)]
    return pa.Array.from_buffers(pa.date32(), len(values), buffers)


def _validity(values: Sequence[object]) -> pa.Buffer | None:
    """The null bitmap (bit i set: value i is not null); None when no value is null."""
    if all(value is not None for value in values):
        return None
    bits = "".join("0" if value is None else "1" for value in reversed(values))
    return pa.py_buffer(int(bits, 2).to_bytes((len(values) + 7) // 8, "little"))
