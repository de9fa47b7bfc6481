#!/usr/bin/env bash
# API fuzzing with the OpenAPI document (issue 17, item 3; docs/reliability.md, "API fuzzing").
#
# Starts `yunwei serve --demo` on a fresh SQLite data directory, gives several roles an API token,
# and runs schemathesis over every operation of the served document: no 5xx, every status code and
# content type documented, every response conforming to its schema.
#
# The operations that end the fuzzer's own session are left out: `DELETE /api/v1/auth/tokens/{id}` and
# `POST /api/v1/auth/logout` revoke the very token it authenticates with, and every later case would
# answer 401. Both are tested in crates/web/tests/integration (auth).
#
#   .ci/schemathesis.sh                     # bounded run, as in CI
#   ST_MAX_EXAMPLES=500 .ci/schemathesis.sh # longer run
#   ST_ROLES="admin engineer" .ci/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_EXAMPLES="${ST_MAX_EXAMPLES:-10}"
ROLES="${ST_ROLES:-admin engineer reporter auditor}"
PHASES="${ST_PHASES:-examples,coverage,fuzzing}"
BIN="${ST_BIN:-target/debug/yunwei}"

if [ ! -x "$BIN" ] || [ -z "${ST_BIN:-}" ]; then
  cargo build --locked -p yunwei --bin yunwei
fi
if ! command -v schemathesis >/dev/null 2>&1; then
  python3 -m pip install -q schemathesis
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

YUNWEI_LOG="${YUNWEI_LOG:-warn}" "$BIN" serve --demo --data-dir "$work/data" --listen 127.0.0.1:0 2>"$work/server.log" &
server_pid=$!
addr=""
for _ in $(seq 1 120); do
  addr=$(grep -o 'yunwei listening on http://[0-9.:]*' "$work/server.log" | head -n 1 | sed 's|.*http://||' || true)
  [ -n "$addr" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/server.log" >&2; exit 1; fi
  sleep 0.5
done
if [ -z "$addr" ]; then echo "the server did not start" >&2; cat "$work/server.log" >&2; exit 1; fi
base="http://$addr"
echo "yunwei at $base"

status=0
for role in $ROLES; do
  token=$("$BIN" user token "$role" --name fuzz --data-dir "$work/data")
  echo
  echo "=== schemathesis as $role (max $MAX_EXAMPLES examples per operation)"
  schemathesis run "$base/api/v1/openapi.json" \
    --url "$base" \
    -H "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases "$PHASES" \
    --max-examples "$MAX_EXAMPLES" \
    --exclude-path-regex '^/api/v1/auth/(tokens/|logout)' \
    --workers 2 \
    --no-color \
    --generation-database none \
    --seed "${ST_SEED:-17}" \
    "$@" || status=1
done

if grep -q ' ERROR ' "$work/server.log"; then
  echo "the server logged errors:" >&2
  grep ' ERROR ' "$work/server.log" >&2 | head -n 20
  status=1
fi
exit $status
