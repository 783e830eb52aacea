"""Which accounts a many-account scan reads: the active accounts of the AWS Organization (`--organization`,
`organizations:ListAccounts` from the management account or a delegated administrator), the ids given with
`--accounts` (ids, or files of ids), less `--exclude-accounts`."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from checks.collectors.base import ClientSettings, classify
from checks.errors import InputError

ACCOUNT_ID = re.compile(r"\d{12}")
LIST_ACCOUNTS = "organizations:ListAccounts"
ORGANIZATION_HINT = ("run the scan from the organization's management account or a delegated administrator, with "
                     f"{LIST_ACCOUNTS} granted; or name the accounts with --accounts")
# why ListAccounts failed, by error code, in words (the code itself is always said too)
_REASONS = {
    "AWSOrganizationsNotInUseException": "this account is not a member of an organization",
    "AccessDeniedException": "not allowed: the caller is not the management account or a delegated administrator, "
                             "or lacks the permission",
    "AccessDenied": "not allowed: the caller is not the management account or a delegated administrator, or lacks "
                    "the permission",
}


@dataclass(frozen=True)
class Account:
    """One AWS account to scan."""

    id: str            # 12 digits
    name: str = ""     # from Organizations; "" when given by --accounts


def organization_accounts(session: boto3.Session, *, endpoint_url: str | None, settings: ClientSettings,
                          region: str) -> list[Account]:
    """The ACTIVE accounts of the caller's organization, sorted by id. Any failure is an InputError that names the
    call, the reason and what to do: without the accounts there is nothing to scan."""
    client = session.client("organizations", region_name=region, endpoint_url=endpoint_url, config=settings.config())
    listed: list[dict[str, Any]] = []
    try:
        for page in client.get_paginator("list_accounts").paginate():
            listed.extend(page.get("Accounts", []))
    except ClientError as err:
        code = str(err.response.get("Error", {}).get("Code", ""))
        reason = classify(err, LIST_ACCOUNTS)
        said = _REASONS.get(code)
        raise InputError(f"cannot list the organization's accounts ({LIST_ACCOUNTS}): {reason}"
                         + (f" ({code}: {said})" if said else ""), where="--organization",
                         hint=ORGANIZATION_HINT) from None
    except BotoCoreError as err:
        raise InputError(f"cannot list the organization's accounts ({LIST_ACCOUNTS}): {type(err).__name__}: {err}",
                         where="--organization", hint=ORGANIZATION_HINT) from None
    # `State` (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED) replaces the older `Status` (ACTIVE, SUSPENDED, ...)
    active = {str(a["Id"]): str(a.get("Name", "")) for a in listed
              if str(a.get("State") or a.get("Status") or "").upper() == "ACTIVE"}
    if not active:  # an organization has at least its management account: this is no organization's answer
        raise InputError(f"the organization lists no active account ({LIST_ACCOUNTS} answered {len(listed)} "
                         "accounts, none ACTIVE)", where="--organization", hint=ORGANIZATION_HINT)
    return [Account(key, name) for key, name in sorted(active.items())]


def parse_account_list(values: Sequence[str], *, option: str) -> list[str]:
    """The account ids of a repeatable option: each value is comma-separated ids, or `@FILE` / the path of an
    existing file. A file holds one id a line (commas too; `#` comments and blank lines allowed), or a JSON array of
    ids or of objects with "Id" (`aws organizations list-accounts --query Accounts`; the whole answer, an object
    with "Accounts", is read too). Ids are deduplicated in order; a bad one is an InputError naming the option and,
    in a file, the file and line (or item)."""
    ids: list[str] = []
    for value in values:
        text = value.strip()
        if text.startswith("@"):
            ids.extend(_read_file(Path(text[1:]), option))
        elif text and Path(text).is_file():
            ids.extend(_read_file(Path(text), option))
        elif re.search(r"[./\\]", text):  # a path, not ids: the file is missing
            raise InputError(f"{text}: no such file", where=option, hint=_LIST_HINT)
        else:
            for item in text.split(","):
                if item.strip():
                    ids.append(_checked(item, option, where="", hint=_LIST_HINT))
    return list(dict.fromkeys(ids))


_LIST_HINT = "give 12-digit ids, comma-separated, or a file of ids as @FILE"


def _checked(item: str, option: str, *, where: str, hint: str | None = None) -> str:
    account = item.strip()
    if not ACCOUNT_ID.fullmatch(account):
        raise InputError(f"{where}{account!r} is not a 12-digit AWS account id", where=option, hint=hint)
    return account


def _read_file(path: Path, option: str) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", where=option, hint=_LIST_HINT) from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read the file: {getattr(err, 'strerror', None) or err}",
                         where=option) from None
    if text.lstrip().startswith(("[", "{")):
        return _read_json(path, text, option)
    ids: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        for item in line.split("#", 1)[0].split(","):
            if item.strip():
                ids.append(_checked(item, option, where=f"{path} line {number}: "))
    return ids


def _read_json(path: Path, text: str, option: str) -> list[str]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{path} line {err.lineno}: not valid JSON: {err.msg}", where=option,
                         hint="a JSON file holds an array of account ids or of objects with \"Id\"") from None
    if isinstance(data, dict) and isinstance(data.get("Accounts"), list):
        data = data["Accounts"]  # the whole answer of `aws organizations list-accounts`
    if not isinstance(data, list):
        raise InputError(f"{path}: a JSON file of accounts holds an array, not {type(data).__name__}", where=option,
                         hint="an array of account ids or of objects with \"Id\" "
                              "(aws organizations list-accounts --query Accounts)")
    ids: list[str] = []
    for number, item in enumerate(data, start=1):
        account = item.get("Id") if isinstance(item, dict) else item
        if not isinstance(account, str):
            raise InputError(f"{path} item {number}: {account!r} is not a 12-digit AWS account id (a string)",
                             where=option)
        ids.append(_checked(account, option, where=f"{path} item {number}: "))
    return ids


def choose_accounts(listed: Sequence[Account] | None, given: Sequence[str],
                    excluded: Sequence[str]) -> tuple[list[Account], list[str]]:
    """The accounts to scan and the warnings to print. `listed`: the organization's accounts (None without
    --organization); `given`: --accounts (with --organization, it restricts the scan to those, each of which must be
    in the organization); `excluded`: --exclude-accounts (an id that is not among them is a warning). No account
    left is an InputError."""
    if listed is None:
        if not given:
            raise InputError("no account to scan", where="--accounts",
                             hint="name accounts with --accounts, or scan the whole organization with --organization")
        chosen = [Account(key) for key in given]
    elif given:
        known = {a.id: a for a in listed}
        missing = [key for key in given if key not in known]
        if missing:
            raise InputError(f"account {missing[0]} is not an active account of the organization"
                             + (f" (nor {len(missing) - 1} more)" if len(missing) > 1 else ""), where="--accounts",
                             hint="`aws organizations list-accounts` lists them; drop --accounts to scan them all")
        chosen = [known[key] for key in dict.fromkeys(given)]
    else:
        chosen = list(listed)
    present = {a.id for a in chosen}
    warnings = [f"--exclude-accounts: account {key} is not among the accounts to scan"
                for key in dict.fromkeys(excluded) if key not in present]
    out = set(excluded)
    kept = [a for a in chosen if a.id not in out]
    if not kept:
        raise InputError(f"every account to scan ({len(chosen)}) is excluded", where="--exclude-accounts",
                         hint="exclude fewer accounts")
    return kept, warnings
