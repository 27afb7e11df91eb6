#!/usr/bin/env bash
# The whole test suite: services up, lint, type-check, then every test file against the
# real SQLite, PostgreSQL and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-services.sh
bash scripts/ensure-packages.sh
npm run --silent build
npm run --silent lint
npm run --silent typecheck

mapfile -t files < <(find src test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "no test files found" >&2
  exit 1
fi
exec node --import tsx --test --test-concurrency=3 --test-reporter=spec "${files[@]}"
