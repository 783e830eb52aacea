"""SQS queues of one account and region: list_queues, then per queue get_queue_attributes (SQS has no batch
describe) for the encryption settings, and who manages the queue's KMS key (once per key).

ListQueues leaves `QueueUrls` out when the region has no queue, and returns a NextToken only when MaxResults is
given (without it, at most 1,000 queues and no sign that more exist): the pages are read here with MaxResults.
"""

from __future__ import annotations

from typing import Any

from checks.collectors.answers import listed, malformed_reason, well_formed
from checks.collectors.base import CollectResult, Scope, action_of, call, collector
from checks.collectors.keys import KEY_OPERATIONS, KeyManagers
from checks.live_types import SQS_QUEUE
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("sqs:ListQueues", "sqs:GetQueueAttributes", *KEY_OPERATIONS)
ATTRIBUTES = ["QueueArn", "KmsMasterKeyId", "SqsManagedSseEnabled"]
PAGE_SIZE = 1000  # the largest MaxResults SQS accepts


@collector("sqs", OPERATIONS, types=(SQS_QUEUE,))
def collect(scope: Scope) -> CollectResult:
    sqs = scope.client("sqs")
    urls, list_error = list_queue_urls(sqs)
    errors = listed(scope, "sqs:ListQueues", list_error, SQS_QUEUE)
    urls, malformed = well_formed(scope, "sqs:ListQueues", urls, (), SQS_QUEUE)
    errors += malformed
    keys = KeyManagers(scope)
    return CollectResult(tuple(scope.map(lambda url: _queue(scope, sqs, url, keys), urls)), tuple(errors))


def list_queue_urls(sqs: Any) -> tuple[list[Any], str | None]:
    """Every queue URL over all pages, and the reason when a page failed (URLs read so far are kept)."""
    urls: list[Any] = []
    token: str | None = None
    while True:
        page = call(sqs, "list_queues", MaxResults=PAGE_SIZE, **({"NextToken": token} if token else {}))
        if page.error:
            return urls, page.error
        result = page.result or {}
        found = result.get("QueueUrls", [])  # absent: no queue in the region
        if not isinstance(found, list):
            return urls, malformed_reason("sqs:ListQueues", "QueueUrls as a list")
        urls.extend(found)
        token = result.get("NextToken")
        if not token:
            return urls, None


def _queue(scope: Scope, sqs: Any, url: str, keys: KeyManagers) -> RawResource:
    errors: dict[str, str] = {}
    name = url.rstrip("/").rsplit("/", 1)[-1]
    got = call(sqs, "get_queue_attributes", QueueUrl=url, AttributeNames=ATTRIBUTES)
    if got.error:
        errors["GetQueueAttributes"] = got.error
    attributes: dict[str, Any] = (got.result or {}).get("Attributes") or {}
    if got.error is None and not attributes.get("QueueArn"):  # AWS always answers the attributes asked for
        errors["GetQueueAttributes"] = f"InvalidResponse {action_of(sqs, 'get_queue_attributes')} " \
                                       "(malformed answer: missing QueueArn)"
    arn = attributes.get("QueueArn") or f"arn:aws:sqs:{scope.region}:{scope.account}:{name}"
    manager, key_error = keys.manager(attributes.get("KmsMasterKeyId"))
    if key_error:
        errors["DescribeKey"] = key_error
    props = {"arn": arn, "url": url, "name": name, "region": scope.region, "account": scope.account,
             "attributes": attributes, "keyManager": manager}
    return RawResource(type=SQS_QUEUE, urn=arn, name=name, props=props, source=SourceKind.LIVE, id=arn,
                       errors=errors)
