"""AWS Config recorders of one account and region: describe_configuration_recorders (what each records), then
describe_configuration_recorder_status once (whether each is recording). A region without a recording recorder has
no configuration history (LOG-08 on the region)."""

from __future__ import annotations

from checks.collectors.answers import listed, well_formed
from checks.collectors.base import CollectResult, Scope, call, collector
from checks.live_types import CONFIG_RECORDER
from checks.model import SourceKind
from checks.raw import RawResource

OPERATIONS = ("config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus")


@collector("config", OPERATIONS, types=(CONFIG_RECORDER,))
def collect(scope: Scope) -> CollectResult:
    cfg = scope.client("config")
    answer = call(cfg, "describe_configuration_recorders")
    errors = listed(scope, "config:DescribeConfigurationRecorders", answer.error, CONFIG_RECORDER)
    recorders, malformed = well_formed(scope, "config:DescribeConfigurationRecorders",
                                       (answer.result or {}).get("ConfigurationRecorders", []), ("name",),
                                       CONFIG_RECORDER)
    errors += malformed
    if not recorders:
        return CollectResult((), tuple(errors))
    status = call(cfg, "describe_configuration_recorder_status")
    recording = {s.get("name"): s.get("recording") for s in (status.result or {}).get("ConfigurationRecordersStatus",
                                                                                       [])}
    resources = []
    for r in recorders:
        arn = r.get("arn") or f"arn:aws:config:{scope.region}:{scope.account}:configuration-recorder/{r['name']}"
        props = {"arn": arn, "name": r["name"], "region": scope.region, "account": scope.account,
                 "recordingGroup": r.get("recordingGroup") or {}, "recording": recording.get(r["name"])}
        errs = {"DescribeConfigurationRecorderStatus": status.error} if status.error else {}
        resources.append(RawResource(type=CONFIG_RECORDER, urn=arn, name=r["name"], props=props,
                                     source=SourceKind.LIVE, id=arn, errors=errs))
    return CollectResult(tuple(resources), tuple(errors))
