#!/usr/bin/env bash
# Runs every fuzz target in the module for a short time each (default 10s): go run
# ./scripts/fuzz.sh 1m for longer.
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${1:-10s}"
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //'); do
    echo "fuzz $pkg $f ($dur)"
    go test -run '^$' -fuzz "^${f}\$" -fuzztime "$dur" "$pkg" >/tmp/fuzz-$f.log 2>&1 || { cat /tmp/fuzz-$f.log; exit 1; }
  done
done
