"""The account's root user (global): iam get_account_summary, the one call that says whether the root user has MFA
(AccountMFAEnabled) and access keys (AccountAccessKeysPresent). Only a live scan can see the root user: no Pulumi
program declares it."""

from __future__ import annotations

from checks.collectors.answers import listed
from checks.collectors.base import CollectResult, Scope, action_of, call, collector
from checks.live_types import IAM_ROOT_USER
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("iam:GetAccountSummary",)


@collector("account", OPERATIONS, types=(IAM_ROOT_USER,), global_scope=True)
def collect(scope: Scope) -> CollectResult:
    iam = scope.client("iam")
    got = call(iam, "get_account_summary")
    summary = (got.result or {}).get("SummaryMap")
    error = got.error
    if error is None and not isinstance(summary, dict):
        error = f"InvalidResponse {action_of(iam, 'get_account_summary')} (malformed answer: missing SummaryMap)"
    errors = listed(scope, "iam:GetAccountSummary", error, IAM_ROOT_USER, global_scope=True)
    if error or not isinstance(summary, dict):
        return CollectResult((), tuple(errors))
    arn = f"arn:aws:iam::{scope.account}:root"
    props = {"arn": arn, "name": "root", "region": None, "account": scope.account,
             "mfaEnabled": summary.get("AccountMFAEnabled"),
             "accessKeysPresent": summary.get("AccountAccessKeysPresent")}
    return CollectResult((RawResource(type=IAM_ROOT_USER, urn=arn, name="root", props=props, source=SourceKind.LIVE,
                                      id=arn),), tuple(errors))
