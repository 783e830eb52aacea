#!/usr/bin/env bash
# `make demo`: the whole story with no AWS account.
#   Planned view (Pulumi programs run under mocks):
#     1. infra/                  the reference architecture, compliant by construction: expect no failure
#     2. examples/noncompliant/  every control fails at least once: expect findings at file:line
#   Live view (the sandbox: a moto server on 127.0.0.1 standing in for an AWS account):
#     3. sandbox up, apply infra/ into it, scan it live: no failure; what the sandbox cannot emulate is `error`,
#        so the scan is reported INCOMPLETE and exits 4 (a run that could not read something never exits 0)
#     4. change three things out of band (SSH open to the internet, a key's rotation off, a bucket's encryption
#        removed), scan again: the failures show up
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

run() {
  local title=$1 out=$2
  shift 2
  echo
  echo "== $title =="
  "$BIN/clearance" "$@" --format console,json,sarif,markdown,junit --out "$out"
  local code=$?
  echo "-> exit code $code (0: nothing at or above the threshold, 1: findings, 2: bad input," \
       "4: incomplete, something could not be read)"
  return $code
}

run "clearance check infra/ (reference program)" clearance-out/demo/infra check infra/
infra=$?
run "clearance check examples/noncompliant/ (every control fails)" clearance-out/demo/noncompliant \
  check examples/noncompliant
noncompliant=$?

SANDBOX=clearance-out/sandbox
REGION=eu-west-1   # infra/Pulumi.dev.yaml: aws:region
# the README's own steps: the sandbox's region without its default VPC (as in a production account), infra/ applied;
# a scan of the sandbox then takes infra/'s settings, waivers and review register (the program applied to it)
LIVE=(--sandbox-dir "$SANDBOX" --regions "$REGION")
trap '"$BIN/clearance" sandbox down --out "$SANDBOX" >/dev/null 2>&1' EXIT

echo
echo "== the sandbox: a local AWS endpoint on 127.0.0.1 =="
"$BIN/clearance" sandbox up --out "$SANDBOX" --region "$REGION" --no-default-vpc || exit 2
echo
echo "== clearance sandbox apply infra/ (deploy its planned resources with boto3, write the state) =="
"$BIN/clearance" sandbox apply infra --out "$SANDBOX"
applied=$?

run "clearance scan (live: the sandbox after apply)" clearance-out/demo/live scan "${LIVE[@]}"
live=$?
echo "   (results marked error are reads the sandbox cannot emulate: moto has no backup selections, no restore"
echo "    testing plans and no GetEbsDefaultKmsKeyId; a real account answers them. Because of them the scan is"
echo "    INCOMPLETE and exits 4, never 0)"

DRIFT=(drift --state "$SANDBOX/sandbox-state.json" --sandbox-dir "$SANDBOX" --regions "$REGION"
       --store clearance-out/demo/history.db)
rm -f clearance-out/demo/history.db
echo
echo "== clearance drift (the security officer's report: state vs live, and the history; this run is the baseline) =="
"$BIN/clearance" "${DRIFT[@]}" --out clearance-out/demo/drift-baseline
baseline=$?
echo "-> exit code $baseline (0: no drift, 3: drift found, 4: incomplete, something could not be read)"

echo
echo "== out-of-band changes, as someone with console access would make them =="
"$BIN/python" scripts/demo_out_of_band.py change "$SANDBOX" "$REGION" || exit 2

run "clearance scan (live: after the out-of-band changes)" clearance-out/demo/live-after scan "${LIVE[@]}"
changed=$?

echo
echo "== clearance drift again: what changed, what is unmanaged, what became non-compliant since the baseline =="
"$BIN/clearance" "${DRIFT[@]}" --out clearance-out/demo/drift
drifted=$?
echo "-> exit code $drifted (0: no drift, 3: drift found, 4: incomplete, something could not be read)"
echo "   the security officer's report: $(pwd)/clearance-out/demo/drift/drift.html"

echo
if [ "$infra" -eq 0 ] && [ "$noncompliant" -eq 1 ] && [ "$applied" -eq 0 ] && [ "$live" -eq 4 ] \
   && [ "$changed" -eq 1 ] && [ "$baseline" -eq 4 ] && [ "$drifted" -eq 3 ]; then
  echo "demo: infra/ is clean planned and has no failure live (incomplete only where the sandbox cannot answer),"
  echo "      the non-compliant example fails, and the out-of-band changes fail the live scan, as expected;"
  echo "      and the drift report shows the changes, the deleted and the unmanaged bucket, and what became"
  echo "      non-compliant since the baseline; reports in clearance-out/demo/"
  exit 0
fi
echo "demo: unexpected exit codes (infra $infra, noncompliant $noncompliant, apply $applied, live $live," \
     "after changes $changed, drift baseline $baseline, drift $drifted)"
exit 1
