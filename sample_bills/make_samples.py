"""Synthetic sample-bill corpus for Usage Analyzer.

Regenerate with `python sample_bills/make_samples.py` (any working directory). Every file is
rewritten beside this script, byte for byte identical on every run: each carrier has its own
`random.Random(SEED + k)`, PDFs and XLSX carry fixed dates and producer, no wall-clock time.
Carriers, people and accounts are fictional; phone numbers come from the `phonenumbers`
example ranges and are checked with `is_valid_number`. fpdf2 and phonenumbers are dev-only
dependencies; nothing here imports `analyzer`. Before writing, the script checks its own data:
no accidental burn day, busy night, gap, duplicate row or roaming visit beyond those planted.

## Files
- `cu_conecta_caribe.xlsx`: Cuban prepaid eSIM seller. Sheet `Consumo`: title row, `Generado:`
  row, blank row, header on row 4. Sheet `Resumen`: plan, first use, validity, balances, as-of.
- `nc_lagon_mobile_2026-09.pdf`, `nc_lagon_mobile_2026-10.pdf`: New Caledonian monthly bills in
  French, XPF, TGC 6 %, 3 pages each, the detail table continues across pages.
- `us_meridian_wireless_2026-10.pdf`: US family plan, 3 lines, period 09/19/2026-10/18/2026.
- `us_meridian_wireless_usage_2026-10-10_2026-10-25.csv`: the same carrier's usage export; it
  overlaps the bill from 10/10 to 10/18.
- `us_keystone_fleet_2026-08_2026-10.csv`: business fleet, 25 lines x 3 months, `Total` row.
- `cn_yunyou_esim.csv`: Chinese eSIM app export, GB18030 without BOM, a preamble row (line
  number, export time) then the header.
- `travel_wayfarer_esim_export1.csv`, `travel_wayfarer_esim_export2.csv`: travel eSIM sessions;
  export 2 overlaps export 1 on 05-16..05-25 and adds late-arriving rows.
- `travel_wayfarer_esim_2026-07.csv`: a second Wayfarer eSIM at home in France: a backup runs
  every night (150-250 MB), one night takes 2.5 GB; a stay in Switzerland with four minutes on
  a French network near the border in the middle of it (one visit, not two).
- `au_southern_cross_2026-10.csv`: Australian record-type bill without a header row: invoice
  (`H`), service summaries (`S`, the count, time and amount the bill states per category),
  itemised calls (`C`) and texts (`M`), trailer (`T`). It itemises calls and texts only; the
  summary of calls to mobiles counts one call more than it lists.

`expected_findings.csv` lists every planted finding, written from what this script planted,
never from running the analyzer. `truth/<file>.json` gives the statement fields and per-line
counts for importer tests (amounts in the analyzer's convention: positive = charged, negative =
credited, whatever sign the file prints). `analyzer.toml` holds home countries, plans, rate cards.

`profiles/` holds each carrier's layout as a TOML profile (written by hand, not by this script):
`analyzer run sample_bills` finds them beside the bills. A sample copied elsewhere is read with
`--profiles sample_bills/profiles`.

## Conventions importers need
- Times are local wall time where the event happened (roaming rows: the visited country).
  Wayfarer prints ISO 8601 local time with its UTC offset; the others print no zone.
- Data units: Mo/Go, MB/GB and KB are base 1024. Bytes of an event = printed value x 1024^k
  rounded to the nearest integer (x.xx MB never ties). Wayfarer `Bytes` are exact.
- Conecta Caribe: `Importe` is the signed balance movement (charges negative, top-ups positive,
  the `Ajuste` reversal negative); data covered by the plan shows 0. Columns added to the brief's
  eight: `Duración` (mm:ss), `Número` (national, text), `Detalle` (direction, description).
  `Datos` is MB. The plan, its first use, validity and the as-of time are on sheet `Resumen`.
- Lagon Mobile: `Inclus` means 0 XPF; no decimals; space as thousands separator. Detail rows are
  rounded one by one and the roaming subtotal once, so September's items add up to the printed
  total minus 1 XPF (rounding, not a finding). Durations are the actual call lengths.
- Meridian: the PDF prints counterparties as `(201) 555-0187` and 12 h times, the CSV
  `2015550187` and 24 h times; both to the minute, data in KB, voice in billed whole minutes.
  CSV charges are unbilled (0.00). Taxes rows carry no date.
- Keystone: one row per line per month; usage columns are monthly totals, not timed events.
- Yunyou: `费用(元)` positive = charge, `充值` rows carry the credited amount as a negative fee.
  `备注`: calls `呼出|呼入 <number> 时长 mm:ss`, SMS `发送|接收 <number>`, data transfer
  `转出至 <number>` (`流量(MB)` of a `流量转移` row is data moved, not used), top-up channel.
- Southern Cross: times `hh:mm:ss`; calls billed per started minute; numbers printed national.
- Wayfarer: the file holds no export time (export 1 was taken 2026-05-25 21:00 +12:00).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from samplegen.common import SEED, Planted, Sample
from samplegen.conecta import make_conecta
from samplegen.formats import csv_bytes
from samplegen.keystone import make_keystone
from samplegen.lagon import make_lagon
from samplegen.meridian import make_meridian
from samplegen.settings import readme, toml_text
from samplegen.southern import make_southern
from samplegen.wayfarer import make_night_owl, make_wayfarer
from samplegen.yunyou import make_yunyou

HERE = Path(__file__).resolve().parent

# One maker per sample carrier (samplegen/<carrier>.py); maker k draws from Random(SEED + k),
# so the order is part of the output.
MAKERS = (
    make_conecta,
    make_lagon,
    make_meridian,
    make_keystone,
    make_yunyou,
    make_wayfarer,
    make_night_owl,
    make_southern,
)


def build() -> dict[str, bytes]:
    """Every output file: relative path -> bytes."""
    samples: list[Sample] = []
    planted: list[Planted] = []
    for k, maker in enumerate(MAKERS):
        made = maker(random.Random(SEED + k))
        samples += made[0]
        planted += made[1]
    planted.sort(key=lambda p: (p.rule, p.line, p.start))
    files = {s.name: s.data for s in samples}
    for s in samples:
        files[f"truth/{s.name}.json"] = (
            json.dumps(s.truth, ensure_ascii=False, indent=1) + "\n"
        ).encode()
    header = ["rule", "line", "start", "end", "severity", "amount_at_stake", "currency", "file"]
    files["expected_findings.csv"] = csv_bytes([header, *(p.row() for p in planted)])
    files["analyzer.toml"] = toml_text().encode()
    files["README.md"] = readme(planted, __doc__ or "").encode()
    return files


def main() -> None:
    for rel, data in build().items():
        path = HERE / rel
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        print(f"{len(data):>9,}  {rel}")


if __name__ == "__main__":
    main()
