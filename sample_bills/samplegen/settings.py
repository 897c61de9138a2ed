"""The corpus's analyzer.toml and README, written from what the carriers planted."""

from __future__ import annotations

import json

from .common import Planted
from .conecta import CU_LINE, CU_PLAN
from .lagon import NC_LINE, NC_PLAN, NC_PRICE, NC_RATES
from .meridian import US_LINES
from .southern import AU_LINE
from .wayfarer import NO_ICCID, WF_ICCID
from .yunyou import CN_LINE

TOML_HEAD = """\
# Usage Analyzer settings for the sample corpus (written by make_samples.py: edit the generator).
#
# home_country              ISO 3166 alpha-2 for lines not listed below (the Keystone fleet).
# [lines."<id>"]            one table per line; the key is the line id as in events:
#                           E.164 for phone lines, the ICCID digits for data-only eSIMs.
#   home_country            ISO alpha-2; usage in any other country is roaming.
#   label                   free text for the report.
# [lines."<id>".plan]       the line's data plan (no plan table: pay per use).
#   name, price             plan name; price as "<amount> <ISO currency>".
#   data_allowance          "10 GB" / "500 MB", base 1024; absent = unlimited.
#   cycle                   "monthly": cycle_day = day of the month the cycle starts
#                           "days": days = N, start = "yyyy-mm-dd" (cycles repeat)
#                           "validity": validity_days = N, starts = "first_use" | "purchase",
#                           purchase_date = "yyyy-mm-dd"; the window ends N x 24 h after it starts.
# [rate_cards."<carrier>"]  what the carrier should charge for national (non-roaming) usage:
#   voice_per_minute        price of one billed minute of an outgoing call.
#   increment               "first/next" seconds ("60/60": every started minute is billed).
#   sms                     price of one sent SMS.
# [rate_cards."<carrier>".roaming.<CC>]  the same keys for usage in country CC, plus
#   voice_in_per_minute     price of a received call minute (received calls are charged abroad).

home_country = "US"
"""


def toml_text() -> str:
    """analyzer.toml: what the user of these bills would write."""

    def line(key: str, home: str, label: str, **plan: object) -> str:
        text = f'\n[lines."{key}"]\nhome_country = "{home}"\nlabel = "{label}"\n'
        if plan:
            text += f'[lines."{key}".plan]\n'
            text += "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in plan.items())
        return text

    validity = {"cycle": "validity", "starts": "first_use"}
    out = TOML_HEAD + line(
        CU_LINE, "CU", "Conecta Caribe eSIM", name=CU_PLAN, data_allowance="8 GB", **validity,
        validity_days=30, purchase_date="2026-07-15", price="25.00 USD",
    ) + line(
        NC_LINE, "NC", "Marie (Lagon Mobile)", name=NC_PLAN, data_allowance="50 GB", cycle="monthly",
        cycle_day=1, price=f"{NC_PRICE} XPF",
    )  # fmt: skip
    for number, who, price in US_LINES:
        out += line(number, "US", f"{who} (Meridian Wireless)", name="Meridian Unlimited Family",
                    cycle="monthly", cycle_day=19, price=f"{price} USD")  # fmt: skip
    out += line(CN_LINE, "CN", "云游 eSIM")
    out += line(
        WF_ICCID, "AU", "Wayfarer eSIM (Oceania trip)", name="Wayfarer Oceania 50 GB",
        data_allowance="50 GB", **validity, validity_days=60, purchase_date="2026-04-28",
        price="69.00 USD",
    )  # fmt: skip
    out += line(NO_ICCID, "FR", "Wayfarer eSIM (night backups)")
    out += line(AU_LINE, "AU", "Sam (Southern Cross Mobile)")
    out += '\n[rate_cards."Lagon Mobile"]\nvoice_per_minute = "40 XPF"\nincrement = "60/60"\n'
    out += 'sms = "20 XPF"\n'
    for c in ("AU", "VU"):
        r = NC_RATES[c]
        out += f'[rate_cards."Lagon Mobile".roaming.{c}]\nvoice_per_minute = "{r["out"]} XPF"\n'
        out += f'voice_in_per_minute = "{r["in"]} XPF"\nincrement = "1/1"\nsms = "{r["sms"]} XPF"\n'
    return out


MUST_NOT_FLAG = """\
## Must NOT be flagged
- September Lagon bill: its items add up to the printed total minus 1 XPF (row rounding).
- Lagon roaming calls follow the roaming rates, not the national 40 XPF/min.
- Meridian: the $10.00 day passes of 10/05, 10/06, 10/07, 10/09 and 10/10 are legitimate (same
  amount on consecutive days is not a duplicate); the bill and the usage CSV overlap 10/10-10/18
  (count those events once); the bill total reconciles exactly.
- Wayfarer: export 2 repeats export 1's rows for 05-16..05-25 and adds late rows; the burn day is
  the only day above 2x the median, the gap the only run of days without records.
- Every other night stays under 50 MB (00:00-06:00); no call or SMS goes to a number outside the
  line's home country except the premium SMS; Keystone's other lines keep their plan and feature
  charges and have usage every month; the Yunyou 流量转移 row is a transfer, not data usage.
- Southern Cross: the data and plan charges are stated without items (the bill itemises calls
  and texts only): a note, not a bill that fails to add up; the calls and texts add up to their
  stated amounts and times.
- `billed_longer_than_call` is not planted anywhere.
"""


def readme(planted: list[Planted], overview: str) -> str:
    """README.md: the generator's overview, the planted findings, what must not be flagged."""
    body = overview.split("\n", 1)[1]
    table = "\n".join("| " + " | ".join(p.row()) + " |" for p in planted)
    head = (
        "| rule | line | start | end | severity | amount | currency | file |\n" + "|---" * 8 + "|"
    )
    return (
        f"# Sample bills\n{body}\n## Planted findings (`expected_findings.csv`)\n{head}\n{table}\n\n"
        f"`file` lists every sample holding evidence, separated by `;`.\n\n{MUST_NOT_FLAG}"
    )
