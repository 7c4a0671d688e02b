#!/usr/bin/env bash
# Contract test: schemathesis (PyPI) against the in-memory fake of each job
# API. Valid requests must get responses that conform to the spec (status,
# content type, schema, headers); invalid ones must never get a 5xx.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/schemathesis-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==4.32.5"
fi
cargo build --quiet -p tests --bin fake

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

port=18600
status=0
for entry in emporix:emporix-sepa-export.json basiq:basiq.yaml elastic-path:elastic-path.yaml akeneo:akeneo-sdm.yaml gormic:gormic-bi.yaml; do
  name=${entry%%:*}; spec=${entry#*:}; port=$((port + 1))
  target/debug/fake "$name" --port "$port" > "target/fake-$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do grep -q listening "target/fake-$name.log" && break; sleep 0.1; done
  common=(run "specs/$spec" --url "http://127.0.0.1:$port" -H "Authorization: Bearer ci" -H "api-key: ci"
          --max-examples 100 -w 1 --generation-deterministic)
  echo "== $name: valid requests, every response conforms to the spec"
  "$venv/bin/schemathesis" "${common[@]}" --mode positive \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
    || status=1
  echo "== $name: invalid requests, never a server error"
  "$venv/bin/schemathesis" "${common[@]}" --mode negative --checks not_a_server_error || status=1
done
exit $status
