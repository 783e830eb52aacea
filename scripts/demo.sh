#!/usr/bin/env bash
# `make demo`: check the sample Pulumi program (planned view) and write every report format.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
OUT=clearance-out/demo

echo "== clearance check examples/sample (planned resources of a Pulumi program, run under mocks) =="
$BIN/clearance check examples/sample --format console,json,sarif,markdown,junit --out "$OUT"
code=$?
echo
echo "exit code $code (0 = nothing at or above the threshold, 1 = findings, 2 = bad input)"
if [ "$code" -gt 1 ]; then
  exit "$code"
fi
echo "reports written to $OUT/: $(ls "$OUT" | tr '\n' ' ')"
