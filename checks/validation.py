"""Declarative validation of the files users write, and its errors as one line naming file, line and field.

The waivers file, the review register, the project settings (`checks/waivers.py`, `checks/register.py`,
`checks/settings.py`) and the Terraform type mapping are pydantic models built from the field types below;
`first_error` picks the error the user sees first and `validate_entry` turns it into `file:line: <label> #n: ...`.
This module imports pydantic, so those modules import it only when there is a file to validate (issue 13: `check`
on a preview file with no project files never imports pydantic). Controls and frameworks are checked against their
JSON Schemas instead (`checks/catalog/schemas.py`).

Only the structure is declared; what depends on other files (known controls, kinds, frameworks) stays in code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import BaseModel, PlainValidator, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from checks.errors import InputError

if TYPE_CHECKING:
    from checks.yamlfile import LinedDocument, PathKey

M = TypeVar("M", bound=BaseModel)

# --- pydantic: waivers, the review register, settings -----------------------------------------------------------

EMPTY = "empty"                  # error type of a field that is absent, null or blank (pydantic's own: "missing")
NOT_A_DATE = "date"
NOT_TEXT = "text"


def _empty() -> PydanticCustomError:
    return PydanticCustomError(EMPTY, "is missing or empty")


def _not_a_date() -> PydanticCustomError:
    return PydanticCustomError(NOT_A_DATE, "must be a date YYYY-MM-DD")


def _text(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _empty()
    return str(value)  # a YAML scalar that is not a string (`asset: 42`) is its text


def value_kind(value: Any) -> str:
    """What a YAML or TOML value is, for a message: `a number (0)`, `a boolean (false)`, `a list`."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, dt.date):
        return f"a date ({value.isoformat()})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return f"text ('{value}')"
    return type(value).__name__


def _strict_text(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _empty()
    if not isinstance(value, str):
        raise PydanticCustomError(NOT_TEXT, "must be text, not {kind} (quote it if it is meant as text)",
                                  {"kind": value_kind(value)})
    return value


def _filled(value: Any) -> str:
    if value is None or value == "":
        raise _empty()
    return str(value)


def _date(value: Any) -> dt.date:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _empty()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise _not_a_date() from None
    return _yaml_date(value)


def _yaml_date(value: Any) -> dt.date:
    if value is None or value == "":
        raise _empty()
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise _not_a_date()
    return value


# Field types. Every one is a PlainValidator: the value is judged by these rules alone, not by pydantic's coercions.
Text = Annotated[str, PlainValidator(_text)]              # required; null, "" and blank are missing; any scalar
StrictText = Annotated[str, PlainValidator(_strict_text)]  # required; null, "" and blank are missing; text only
Filled = Annotated[str, PlainValidator(_filled)]          # required; null and "" are missing; any scalar
Date = Annotated[dt.date, PlainValidator(_date)]          # a YAML date or the text YYYY-MM-DD, not a date-time
YamlDate = Annotated[dt.date, PlainValidator(_yaml_date)]  # a YAML date (unquoted YYYY-MM-DD), not a date-time
OptionalText = Annotated[str | None, PlainValidator(lambda v: None if v is None else str(v))]
TextOrEmpty = Annotated[str, PlainValidator(lambda v: str(v or ""))]


def first_error(exc: ValidationError, fields: Sequence[str]) -> ErrorDetails:
    """The error to report: a wrong type of the whole value, else the first unknown field by name, else the error
    of the first field in declaration order (the order in which a reader checks a file top to bottom)."""
    def rank(e: ErrorDetails) -> tuple[int, int, str]:
        loc = e["loc"]
        if not loc:
            return (0, 0, "")
        if e["type"] == "extra_forbidden":
            return (1, 0, str(loc[0]))
        return (2, fields.index(str(loc[0])) if loc[0] in fields else len(fields), "")
    return min(exc.errors(), key=rank)


def records(doc: LinedDocument, key: str) -> list[Any]:
    """The entries of a `<key>: [...]` document (the waivers file, the review register)."""
    data = doc.data
    if not isinstance(data, dict) or set(data) != {key} or not isinstance(data[key], list):
        raise InputError(f"expected a mapping with one key '{key}' holding a list", where=f"{doc.file}:1")
    return data[key]


def validate_entry(model: type[M], item: Any, doc: LinedDocument, at: PathKey, label: str) -> M:
    """`item`, the entry at `at` in `doc` (`("waivers", 0)`), validated by `model`, or an InputError for its first
    problem:

    `file:line: each <label> must be a mapping of <fields>`, `file:line: <label> #n: unknown field 'f' (allowed:
    ...)`, `... field 'f' is missing or empty` (the entry's line), `... field 'f' must be a date YYYY-MM-DD`.
    """
    try:
        return model.model_validate(item)
    except ValidationError as exc:
        fields = tuple(model.model_fields)
        allowed = ", ".join(fields)
        e = first_error(exc, fields)
        name = str(e["loc"][0]) if e["loc"] else ""
        head = f"{label} #{int(at[-1]) + 1}"
        if not name:
            message, line = f"each {label} must be a mapping of {allowed}", doc.line_of(at)
        elif e["type"] == "extra_forbidden":
            message, line = f"{head}: unknown field '{name}' (allowed: {allowed})", doc.line_of(at + (name,))
        elif e["type"] in (EMPTY, "missing"):
            message, line = f"{head}: field '{name}' is missing or empty", doc.line_of(at)
        else:
            message, line = f"{head}: field '{name}' {e['msg']}", doc.line_of(at + (name,))
        raise InputError(message, where=f"{doc.file}:{line}") from None
