"""Write ``docs/profiles.md``, the profile reference, from the schema that validates profiles.

Run ``python -m analyzer.importers.profile_doc > docs/profiles.md``; a test fails when the page
and the schema disagree, and another loads every example on the page.
"""

from __future__ import annotations

import inspect
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from analyzer.importers import profile_schema as schema
from analyzer.importers import profile_specs as specs_schema
from analyzer.model import KIND_MEANINGS, KINDS

INTRO = """\
# Profile reference

A profile is one TOML file that tells the analyzer how to read one carrier's export: a CSV, a
spreadsheet (XLSX, XLS) or a PDF bill. This page is generated from the schema that validates
profiles (`analyzer/importers/profile_schema.py` and `profile_tables.py`): every key below is
checked when a profile loads, an unknown or misspelt key is an error that names the file and the key (and suggests the
nearest one), and every pattern is compiled with RE2 then. Patterns are RE2 regular
expressions: no lookahead, lookbehind or backreferences, so none can run for ever; `\\w`, `\\s`
and `\\W` match letters and spaces of every script.

A profile has top-level keys, the tables below, and `fields` (one record type for every row) or
`[[records]]` (several record types). The README's "Adding a carrier" section is a tutorial.
"""

# One example per table: each is a TOML fragment that a test loads inside a valid profile.
EXAMPLES: dict[str, str] = {
    "Profile": (
        'name = "my_carrier"\ncarrier = "My Carrier"\nformat = "csv"\n'
        'unsure = ["fields.quantity.unit"]'
    ),
    "Identify": '[identify]\nheader = ["Date", "Type", "Amount"]\nfilename = "^usage_"',
    "Read": (
        '[read]\ndelimiter = ";"\ndecimal = ","\nthousands = "."\n'
        'date_format = "%d/%m/%Y %H:%M"\ncurrency = "EUR"\nregion = "ES"'
    ),
    "Statement": (
        "[statement]\ninvoice_number = 'Invoice (\\S+)'\n"
        "as_of = '^Exported: (.+)$'\nextra = { plan_expiry = '^Valid until: (.+)$' }"
    ),
    "Record": (
        '[[records]]\nname = "calls"\nwhere = { column = "Type", pattern = "^call$" }\n'
        'fields = { kind = { value = "voice" }, quantity = { column = "Minutes", '
        'type = "duration", unit = "minutes" } }'
    ),
    "Condition": (
        "[[records]]\nwhere = { all = [{ column = 1, pattern = '^D$' }, "
        "{ not = { column = 5, pattern = '^0$' } }] }\n"
        'fields = { kind = { value = "data" } }'
    ),
    "Skip": '[[skip]]\ncolumn = "Status"\npattern = "^(BUSY|NO ANSWER)$"\nreason = "not answered"',
    "Summary": '[summary]\ncolumn = "Date"\npattern = "^Total"\ntotal = "Amount"',
    "Derived": "[derived]\nNumber = { column = \"Detail\", pattern = 'to (\\+?\\d+)' }",
    "Context": "[[context]]\nname = \"section\"\npattern = '^(Calls|Texts|Data)$'",
    "Limits": "[limits]\nseconds = 30\nmemory_mb = 1024\npages = 500",
    "Copies": "[copies]\nseconds = 59\nvoice_seconds = 59\ndata_bytes = 1024",
}
TABLES = {
    "Profile": "Top level",
    "Identify": "[identify]",
    "Read": "[read]",
    "Statement": "[statement]",
    "Record": "[[records]]",
    "Condition": "where conditions",
    "Skip": "[[skip]]",
    "Summary": "[summary]",
    "Derived": "[derived]",
    "Context": "[[context]] (PDF)",
    "Limits": "[limits] (PDF)",
    "Copies": "[copies]",
}
FIELDS_DOC = """\
## Event fields

`fields` (and each record's `fields`) maps an event field to how it is read. A bare string is
a column name (PDF: a group, context or statement field), a bare integer a position (1, 2,
...); a table gives a type and its options. Without `type`, a field is read as its usual type
(`started_at` a timestamp, `amount` money, `quantity` a number, `duration_s` a duration,
`roaming` a flag, `country` a country, anything else text).

| field | meaning |
| --- | --- |
| `line` | the line (phone number, ICCID) the event belongs to |
| `started_at`, `ended_at` | local wall-clock time |
| `kind` | what the row is: one of the kinds below |
| `direction` | `in` or `out` |
| `quantity` | bytes for data, seconds for voice, messages, items |
| `unit` | set from the kind unless given |
| `duration_s` | a call's own length (may differ from the billed quantity) |
| `counterparty` | the other number, as printed |
| `country`, `network`, `roaming` | where the event happened |
| `amount`, `currency` | money charged (positive) or credited (negative), ISO 4217 |
| `description` | free text |
| `period_start`, `period_end`, `statement_total`, `total_data_bytes`, `total_voice_seconds`, `total_messages` | statement facts printed on each row (a fleet bill's period and per-line totals) |

Kinds:

{kinds}

Example:

```toml
[fields]
line = "Phone"
started_at = {{ column = "Date", time_column = "Time", formats = ["%m/%d/%Y %I:%M %p"] }}
kind = {{ column = "Type", values = {{ Call = "voice", Text = "sms", Data = "data" }} }}
quantity = {{ type = "when", column = "Type", pattern = "^Data$", then = {{ column = "Usage", type = "data", unit = "KB" }}, else = {{ column = "Usage", type = "number" }} }}
amount = {{ column = "Charge", negate = false }}
currency = {{ value = "USD" }}
```
"""


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(repr(a).replace("'", '"') for a in args)
    if origin in (list,):
        return f"list of {_type_name(args[0])}"
    if origin in (dict,):
        return f"table of {_type_name(args[1])}"
    if origin is typing.Annotated:
        return _type_name(args[0])
    if args:
        names = [_type_name(a) for a in args if a is not type(None)]
        return " or ".join(dict.fromkeys(names))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table" if annotation.__name__ not in ("Spec",) else "spec"
    return {"str": "text", "int": "integer", "bool": "true/false", "float": "number"}.get(
        getattr(annotation, "__name__", str(annotation)), str(annotation)
    )


def _default(field: Any) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        return "empty"
    if field.default is None or field.default is PydanticUndefined:
        return "—"
    return f"`{field.default!r}`".replace("'", '"')


def _table(model: type[BaseModel], skip: tuple[str, ...] = ()) -> list[str]:
    lines = ["| key | type | default | what it is |", "| --- | --- | --- | --- |"]
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key in skip:
            continue
        text = (field.description or "").replace("|", "\\|")
        lines.append(f"| `{key}` | {_type_name(field.annotation)} | {_default(field)} | {text} |")
    return lines


def render() -> str:
    """The whole reference page."""
    out = [INTRO]
    for name, title in TABLES.items():
        model = getattr(schema, name)
        out.append(f"## {title}\n")
        doc = inspect.cleandoc(model.__doc__ or "")
        if doc:
            out.append(doc + "\n")
        out += _table(model, skip=("fields",) if name == "Profile" else ())
        out.append(f"\nExample:\n\n```toml\n{EXAMPLES[name]}\n```\n")
    kinds = "\n".join(f"- `{kind}`: {KIND_MEANINGS[kind]}" for kind in KINDS)
    out.append(FIELDS_DOC.format(kinds=kinds))
    out.append("## Column types\n")
    for tag, model in specs_schema.SPEC_MODELS.items():
        doc = inspect.cleandoc(model.__doc__ or "").splitlines()[0]
        out.append(f"### `{tag}`\n\n{doc}\n")
        out += _table(model, skip=("type",))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
