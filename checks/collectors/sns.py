"""SNS topics of one account and region: list_topics, then per topic get_topic_attributes (SNS has no batch
describe) for the server-side encryption key, and who manages that key (once per key)."""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, action_of, call, collector, paginate
from checks.collectors.keys import KEY_OPERATIONS, KeyManagers
from checks.live_types import SNS_TOPIC
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("sns:ListTopics", "sns:GetTopicAttributes", *KEY_OPERATIONS)


@collector("sns", OPERATIONS, types=(SNS_TOPIC,))
def collect(scope: Scope) -> CollectResult:
    sns = scope.client("sns")
    topics, list_error = paginate(sns, "list_topics", "Topics")
    errors = listed(scope, "sns:ListTopics", list_error, SNS_TOPIC)
    topics, malformed = well_formed(scope, "sns:ListTopics", topics, ("TopicArn",), SNS_TOPIC)
    errors += malformed
    keys = KeyManagers(scope)
    return CollectResult(tuple(scope.map(lambda t: _topic(scope, sns, t["TopicArn"], keys), topics)), tuple(errors))


def _topic(scope: Scope, sns: Any, arn: str, keys: KeyManagers) -> RawResource:
    errors: dict[str, str] = {}
    got = call(sns, "get_topic_attributes", TopicArn=arn)
    if got.error:
        errors["GetTopicAttributes"] = got.error
    attributes: dict[str, Any] = (got.result or {}).get("Attributes") or {}
    if got.error is None and not attributes.get("TopicArn"):  # AWS always answers the topic's attributes
        errors["GetTopicAttributes"] = f"InvalidResponse {action_of(sns, 'get_topic_attributes')} " \
                                       "(malformed answer: missing TopicArn)"
    manager, key_error = keys.manager(attributes.get("KmsMasterKeyId"))
    if key_error:
        errors["DescribeKey"] = key_error
    name = arn.rsplit(":", 1)[-1]
    props = {"arn": arn, "name": name, "region": scope.region, "account": scope.account,
             "attributes": {k: attributes[k] for k in ("KmsMasterKeyId",) if k in attributes},
             "keyManager": manager}
    return RawResource(type=SNS_TOPIC, urn=arn, name=name, props=props, source=SourceKind.LIVE, id=arn,
                       errors=errors)
