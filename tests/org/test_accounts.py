"""The accounts of a many-account scan: the organization's active accounts (moto's Organizations), the ids given
with --accounts (values and files), and the choice between them less --exclude-accounts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws

from checks.collectors.base import ClientSettings
from checks.errors import InputError
from checks.org.accounts import Account, choose_accounts, organization_accounts, parse_account_list

REGION = "us-east-1"
FAST = ClientSettings(max_attempts=0, connect_timeout=1, read_timeout=2)



@pytest.fixture
def session() -> Iterator[boto3.Session]:
    with mock_aws():
        yield boto3.Session(region_name=REGION)


def organization(session: boto3.Session, *names: str) -> dict[str, str]:
    """An organization of moto's default account (the management account) and `names`: name -> id."""
    client = session.client("organizations")
    client.create_organization(FeatureSet="ALL")
    for name in names:
        client.create_account(AccountName=name, Email=f"{name}@example.com")
    return {a["Name"]: a["Id"] for a in client.list_accounts()["Accounts"]}


def answer(session: boto3.Session, operation: str, code: str, status: int) -> None:
    """Every `operation` of the session's clients fails with the error `code` (HTTP `status`)."""
    def handler(**_: Any) -> tuple[Any, dict[str, Any]]:
        return SimpleNamespace(status_code=status), {
            "Error": {"Code": code, "Message": f"{code} from the test"},
            "ResponseMetadata": {"HTTPStatusCode": status}}

    session.events.register(f"before-call.{operation}", handler)


def accounts_of(session: boto3.Session, settings: ClientSettings = FAST) -> list[Account]:
    return organization_accounts(session, endpoint_url=None, settings=settings, region=REGION)


# ---------------------------------------------------------------- organization_accounts


def test_lists_the_active_accounts_sorted_by_id_with_their_names(session: boto3.Session) -> None:
    ids = organization(session, "prod", "staging", "data")
    session.client("organizations").close_account(AccountId=ids["data"])
    accounts = accounts_of(session)
    assert accounts == sorted(accounts, key=lambda a: a.id)
    assert {a.id: a.name for a in accounts} == {ids["master"]: "master", ids["prod"]: "prod",
                                                ids["staging"]: "staging"}


def test_reads_every_page(session: boto3.Session) -> None:
    """Two pages (moto answers one): the second asked for with the first's NextToken."""
    pages: dict[str | None, dict[str, Any]] = {
        None: {"Accounts": [{"Id": "222222222222", "Name": "b", "State": "ACTIVE"}], "NextToken": "next"},
        "next": {"Accounts": [{"Id": "111111111111", "Name": "a", "Status": "ACTIVE"},
                              {"Id": "333333333333", "Name": "c", "State": "SUSPENDED", "Status": "SUSPENDED"}]}}
    asked: list[Any] = []

    def handler(params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
        token = json.loads(params["body"] or b"{}").get("NextToken")  # params: the request, its body JSON
        asked.append(token)
        return SimpleNamespace(status_code=200), {**pages[token], "ResponseMetadata": {"HTTPStatusCode": 200}}

    session.events.register("before-call.organizations.ListAccounts", handler)
    assert accounts_of(session) == [Account("111111111111", "a"), Account("222222222222", "b")]
    assert asked == [None, "next"]


def test_the_clients_use_the_settings(session: boto3.Session) -> None:
    organization(session)
    seen: list[Any] = []
    original = session.client

    def client(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs)
        return original(*args, **kwargs)

    session.client = client
    accounts_of(session, ClientSettings(max_attempts=3, connect_timeout=2, read_timeout=7))
    [kwargs] = seen
    assert kwargs["config"].retries["total_max_attempts"] == 4 and kwargs["config"].read_timeout == 7
    assert kwargs["region_name"] == REGION


@pytest.mark.parametrize(("code", "status", "reason"), [
    ("AWSOrganizationsNotInUseException", 400,
     "AWSOrganizationsNotInUseException organizations:ListAccounts: AWSOrganizationsNotInUseException from the test "
     "(AWSOrganizationsNotInUseException: this account is not a member of an organization)"),
    ("AccessDeniedException", 400, "AccessDenied organizations:ListAccounts (AccessDeniedException: not allowed: the "
                                   "caller is not the management account or a delegated administrator"),
    ("AccessDenied", 403, "AccessDenied organizations:ListAccounts (AccessDenied: not allowed"),
])
def test_a_failure_is_one_line_naming_the_call_the_reason_and_what_to_do(
        session: boto3.Session, code: str, status: int, reason: str) -> None:
    organization(session, "prod")
    answer(session, "organizations.ListAccounts", code, status)
    with pytest.raises(InputError) as caught:
        accounts_of(session)
    text = str(caught.value)
    assert text.startswith("--organization: cannot list the organization's accounts (organizations:ListAccounts): ")
    assert reason in text
    assert text.endswith("(run the scan from the organization's management account or a delegated administrator, "
                         "with organizations:ListAccounts granted; or name the accounts with --accounts)")
    assert "\n" not in text


def test_an_unreachable_endpoint_is_an_input_error(session: boto3.Session) -> None:
    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://organizations.us-east-1.amazonaws.com/")

    session.events.register("before-call.organizations.ListAccounts", unreachable)
    with pytest.raises(InputError, match=r"ListAccounts\): EndpointConnectionError: Could not connect"):
        accounts_of(session)


def test_no_active_account_is_no_organization(session: boto3.Session) -> None:
    """moto answers an empty list outside an organization, where AWS says AWSOrganizationsNotInUseException."""
    with pytest.raises(InputError, match=r"the organization lists no active account \(organizations:ListAccounts "
                                         r"answered 0 accounts, none ACTIVE\)"):
        accounts_of(session)


# ---------------------------------------------------------------- parse_account_list


def test_values_are_comma_separated_ids_deduplicated_in_order() -> None:
    assert parse_account_list(["222222222222, 111111111111", "333333333333,222222222222,"], option="--accounts") \
        == ["222222222222", "111111111111", "333333333333"]
    assert parse_account_list([], option="--accounts") == []


@pytest.mark.parametrize(("value", "message"), [
    ("12345", "--accounts: '12345' is not a 12-digit AWS account id (give 12-digit ids, comma-separated, or a file "
              "of ids as @FILE)"),
    ("111111111111,1111111111112", "--accounts: '1111111111112' is not a 12-digit AWS account id"),
    ("prod", "--accounts: 'prod' is not a 12-digit AWS account id"),
    ("accounts.txt", "--accounts: accounts.txt: no such file"),
    ("@nowhere", "--accounts: nowhere: no such file"),
])
def test_a_bad_value_names_the_option(value: str, message: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as caught:
        parse_account_list([value], option="--accounts")
    assert str(caught.value).startswith(message)


def test_a_file_holds_one_id_a_line_with_comments_blank_lines_and_commas(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("accounts.txt").write_text("# production\n111111111111  # prod\n\n222222222222, 333333333333\n"
                                    "   \n111111111111\n", encoding="utf-8")
    expected = ["111111111111", "222222222222", "333333333333"]
    assert parse_account_list(["accounts.txt"], option="--accounts") == expected
    assert parse_account_list(["@accounts.txt", "444444444444"], option="--accounts") == [*expected, "444444444444"]


def test_a_bad_id_in_a_file_names_the_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("accounts.txt").write_text("111111111111\n# next\n12345\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        parse_account_list(["accounts.txt"], option="--accounts")
    assert str(caught.value) == "--accounts: accounts.txt line 3: '12345' is not a 12-digit AWS account id"


def test_a_json_file_of_ids_or_of_list_accounts_objects(tmp_path: Path) -> None:
    ids = tmp_path / "ids.json"
    ids.write_text(json.dumps(["111111111111", "222222222222"]), encoding="utf-8")
    listed = tmp_path / "listed.json"
    objects = [{"Id": "333333333333", "Name": "prod", "Status": "ACTIVE"}, {"Id": "111111111111", "Name": "dev"}]
    listed.write_text(json.dumps(objects, indent=2), encoding="utf-8")
    whole = tmp_path / "whole.json"
    whole.write_text(json.dumps({"Accounts": objects}), encoding="utf-8")
    assert parse_account_list([str(ids), f"@{listed}"], option="--exclude-accounts") \
        == ["111111111111", "222222222222", "333333333333"]
    assert parse_account_list([str(whole)], option="--accounts") == ["333333333333", "111111111111"]


@pytest.mark.parametrize(("text", "message"), [
    ('["111111111111", "123"]', "bad.json item 2: '123' is not a 12-digit AWS account id"),
    ('[{"Id": "111111111111"}, {"Name": "x"}]', "bad.json item 2: None is not a 12-digit AWS account id (a string)"),
    ("[111111111111]", "bad.json item 1: 111111111111 is not a 12-digit AWS account id (a string)"),
    ('{"Id": "111111111111"}', "bad.json: a JSON file of accounts holds an array, not dict"),
    ('["111111111111",\n', "bad.json line 2: not valid JSON"),
])
def test_a_bad_json_file_names_the_item(text: str, message: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.json").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        parse_account_list(["bad.json"], option="--accounts")
    assert str(caught.value).startswith(f"--accounts: {message}")


# ---------------------------------------------------------------- choose_accounts

ORG = [Account("111111111111", "prod"), Account("222222222222", "staging"), Account("333333333333", "data")]


def test_the_whole_organization_less_the_excluded() -> None:
    assert choose_accounts(ORG, [], []) == (ORG, [])
    assert choose_accounts(ORG, [], ["222222222222"]) == ([ORG[0], ORG[2]], [])


def test_accounts_restrict_the_organization_and_keep_its_names() -> None:
    chosen, warnings = choose_accounts(ORG, ["333333333333", "111111111111"], [])
    assert chosen == [ORG[2], ORG[0]] and warnings == []


def test_an_account_outside_the_organization_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"^--accounts: account 444444444444 is not an active account of the "
                                         r"organization \(nor 1 more\) \(`aws organizations list-accounts` lists"):
        choose_accounts(ORG, ["111111111111", "444444444444", "555555555555"], [])


def test_without_the_organization_the_given_accounts_have_no_names() -> None:
    assert choose_accounts(None, ["444444444444", "111111111111"], ["111111111111"]) \
        == ([Account("444444444444")], [])
    with pytest.raises(InputError, match="^--accounts: no account to scan"):
        choose_accounts(None, [], [])


def test_excluding_an_account_not_there_is_a_warning() -> None:
    chosen, warnings = choose_accounts(ORG, [], ["999999999999", "111111111111", "999999999999"])
    assert chosen == ORG[1:]
    assert warnings == ["--exclude-accounts: account 999999999999 is not among the accounts to scan"]


def test_excluding_every_account_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"^--exclude-accounts: every account to scan \(2\) is excluded"):
        choose_accounts(ORG, ["111111111111", "222222222222"], ["111111111111", "222222222222"])
