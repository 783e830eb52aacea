#!/usr/bin/env bash
# `make demo`: the planned view of two Pulumi programs, run under Pulumi's mocks (no cloud, no credentials):
#   1. infra/                  the reference architecture, compliant by construction: expect no failure
#   2. examples/noncompliant/  every control fails at least once: expect findings at file:line
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
  echo "-> exit code $code (0: nothing at or above the threshold, 1: findings, 2: bad input)"
  return $code
}

run "clearance check infra/ (reference program)" clearance-out/demo/infra check infra/
infra=$?
run "clearance check examples/noncompliant/ (every control fails)" clearance-out/demo/noncompliant \
  check examples/noncompliant
noncompliant=$?

echo
if [ "$infra" -eq 0 ] && [ "$noncompliant" -eq 1 ]; then
  echo "demo: infra/ is clean and the non-compliant example fails, as expected; reports in clearance-out/demo/"
  exit 0
fi
echo "demo: unexpected exit codes (infra $infra, noncompliant $noncompliant)"
exit 1
