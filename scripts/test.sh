#!/usr/bin/env bash
# The whole test suite: services up, lint, type-check, then every test file against the
# real SQLite, PostgreSQL and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-services.sh
bash scripts/ensure-packages.sh
# The build beside the lint and the type-check: each runs on one core, and none reads
# what another writes (the type-check reads the packages' sources, not their build).
npm run --silent build &
build=$!
trap 'kill "$build" 2>/dev/null || true' EXIT
npm run --silent lint
npm run --silent typecheck
wait "$build"
trap - EXIT

# The workspace packages run from their TypeScript sources (see scripts/source-node-args.ts).
source_node=(--conditions=@private-chat/source --import tsx)
# Longest first by test/durations.json, so the run does not end on one long file
# (scripts/run-test-files.mjs keeps this order).
mapfile -t files < <(node "${source_node[@]}" scripts/order-test-files.ts \
  $(find src test packages -name '*.test.ts' -not -path '*/node_modules/*' | sort))
if [ "${#files[@]}" -eq 0 ]; then
  echo "no test files found" >&2
  exit 1
fi
# test/ runs compiled, with no module loader (scripts/compile-tests.mjs); the unit tests
# beside the sources import their neighbours' TypeScript and keep the loader.
node scripts/compile-tests.mjs
compiled=()
units=()
for file in "${files[@]}"; do
  case "$file" in
    test/*) compiled+=("dist-tests/${file%.ts}.js") ;;
    *) units+=("$file") ;;
  esac
done
# Every test server keeps its log lines here; the audit below checks them all.
CHAT_TEST_LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/chat-test-logs.XXXXXX")"
export CHAT_TEST_LOG_DIR

# Built just above: tests start chat-server and chat-client from the build
# (test/helpers/command-entry.ts), and import the server and packages from it
# (scripts/built-sources.mjs).
export CHAT_TEST_BUILT=1

# How long each file's process ran; CHAT_TEST_DURATIONS_OUT=test/durations.json npm test
# refreshes the figures the order above uses. A CHAT_TEST_DURATIONS_LOG given keeps the
# timer's lines, processor time included (scripts/test-file-timer.mjs).
kept_log=${CHAT_TEST_DURATIONS_LOG:-}
CHAT_TEST_DURATIONS_LOG="${kept_log:-$CHAT_TEST_LOG_DIR.durations}"
export CHAT_TEST_DURATIONS_LOG
tests=0
if [ "${#units[@]}" -gt 0 ]; then
  node "${source_node[@]}" --import ./scripts/test-file-timer.mjs --import ./scripts/built-sources.mjs \
    scripts/run-test-files.mjs "${units[@]}" || tests=$?
fi
if [ "${#compiled[@]}" -gt 0 ]; then
  # One throw-away certificate for 127.0.0.1 that every compiled test process trusts: a
  # file that needs one (test/helpers/trusted-cert.ts) then runs once, not again in a child.
  cert_dir="$CHAT_TEST_LOG_DIR.cert"
  mkdir -m 700 "$cert_dir"
  CERT_DIR="$cert_dir" node --input-type=module -e \
    'const { makeLoopbackCertificate } = await import("./dist-tests/test/helpers/certificate.js");
     makeLoopbackCertificate(process.env.CERT_DIR);'
  CHAT_TEST_TRUSTED_CERT_DIR="$cert_dir" NODE_EXTRA_CA_CERTS="$cert_dir/cert.pem" \
    node --enable-source-maps --import ./scripts/test-file-timer.mjs \
    scripts/run-test-files.mjs "${compiled[@]}" || tests=$?
  rm -rf "$cert_dir"
fi
if [ -n "${CHAT_TEST_DURATIONS_OUT:-}" ] && [ -s "$CHAT_TEST_DURATIONS_LOG" ]; then
  node "${source_node[@]}" scripts/order-test-files.ts --record "$CHAT_TEST_DURATIONS_LOG" \
    > "$CHAT_TEST_DURATIONS_OUT"
fi
if [ -z "$kept_log" ]; then rm -f "$CHAT_TEST_DURATIONS_LOG"; fi
audit=0
node "${source_node[@]}" scripts/audit-test-logs.ts "$CHAT_TEST_LOG_DIR" || audit=$?
if [ "$audit" -eq 0 ]; then
  rm -rf "$CHAT_TEST_LOG_DIR"
else
  echo "the test logs are kept in $CHAT_TEST_LOG_DIR" >&2
fi
if [ "$tests" -ne 0 ]; then exit "$tests"; fi
exit "$audit"
