#!/usr/bin/env bash
# Fuzzes the HTTP API from its own OpenAPI document (GET /api/openapi.json) with schemathesis:
# a real server (the debug binary `cargo test` built) on a free port, the demo loaded, an admin
# token made with the command line. Fails on any 5xx, a response that does not match the
# document, an undocumented status or content type. DELETE is left out so the run keeps data to
# work on. Usage: tests/api/schemathesis.sh [EXAMPLES]   (needs `pip install schemathesis`)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=target/debug/quire
[ -x "$bin" ] || cargo build --locked
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '[server]\nbind = "127.0.0.1:%s"\nbase_url = "http://127.0.0.1:%s"\n[storage]\ndata_dir = "%s/data"\n' \
  "$port" "$port" "$dir" > "$dir/reports.toml"
echo "schemathesis password 1" | "$bin" users add fuzz@example.com --role admin --config "$dir/reports.toml" >/dev/null
token=$("$bin" tokens create fuzz@example.com --name schemathesis --config "$dir/reports.toml" | tail -1)
"$bin" serve --demo --config "$dir/reports.toml" >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/openapi.json" -o "$dir/openapi.json"
# From the scratch folder: schemathesis keeps its cache where it runs.
(cd "$dir" && python3 -m schemathesis.cli run "$dir/openapi.json" \
  --url "http://127.0.0.1:$port" \
  -H "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
  --max-examples "${1:-15}" \
  --exclude-method DELETE \
  --no-color)
# The server itself must not have answered any request with a 5xx.
if grep -E ' HTTP/1\.1 5[0-9]{2} ' "$dir/server.log"; then
  echo "the server answered 5xx (above)" >&2
  exit 1
fi
