"""Kinesis data streams of one account and region: list_streams (its StreamSummaries name each stream's ARN),
then per stream describe_stream_summary for the encryption type and key, and who manages that key (once per
key)."""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, action_of, call, collector, paginate
from checks.collectors.keys import KEY_OPERATIONS, KeyManagers
from checks.live_types import KINESIS_STREAM
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("kinesis:ListStreams", "kinesis:DescribeStreamSummary", *KEY_OPERATIONS)


@collector("kinesis", OPERATIONS, types=(KINESIS_STREAM,))
def collect(scope: Scope) -> CollectResult:
    kinesis = scope.client("kinesis")
    streams, list_error = paginate(kinesis, "list_streams", "StreamSummaries")
    errors = listed(scope, "kinesis:ListStreams", list_error, KINESIS_STREAM)
    streams, malformed = well_formed(scope, "kinesis:ListStreams", streams, ("StreamName", "StreamARN"),
                                     KINESIS_STREAM)
    errors += malformed
    keys = KeyManagers(scope)
    return CollectResult(tuple(scope.map(lambda s: _stream(scope, kinesis, s, keys), streams)), tuple(errors))


def _stream(scope: Scope, kinesis: Any, listed_stream: dict[str, Any], keys: KeyManagers) -> RawResource:
    errors: dict[str, str] = {}
    name, arn = listed_stream["StreamName"], listed_stream["StreamARN"]
    got = call(kinesis, "describe_stream_summary", StreamName=name)
    if got.error:
        errors["DescribeStreamSummary"] = got.error
    summary: dict[str, Any] = (got.result or {}).get("StreamDescriptionSummary") or {}
    if got.error is None and not summary.get("EncryptionType"):  # AWS answers NONE or KMS
        errors["DescribeStreamSummary"] = f"InvalidResponse {action_of(kinesis, 'describe_stream_summary')} " \
                                          "(malformed answer: missing EncryptionType)"
    key = summary.get("KeyId") if summary.get("EncryptionType") == "KMS" else None
    manager, key_error = keys.manager(key)
    if key_error:
        errors["DescribeKey"] = key_error
    props = {"arn": arn, "name": name, "region": scope.region, "account": scope.account,
             "summary": {k: summary[k] for k in ("EncryptionType", "KeyId") if k in summary},
             "keyManager": manager}
    return RawResource(type=KINESIS_STREAM, urn=arn, name=name, props=props, source=SourceKind.LIVE, id=arn,
                       errors=errors)
