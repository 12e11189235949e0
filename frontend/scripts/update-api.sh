#!/usr/bin/env bash
# Keeps the dashboard's API types in step with the backend.
#   scripts/update-api.sh           regenerate openapi.json and src/api/schema.ts from `morningai openapi`
#   scripts/update-api.sh --check   fail if either differs from what the backend's code describes
# The document comes from MORNINGAI_API_URL (a running server, e.g. http://127.0.0.1:8080)
# when set, else from MORNINGAI_BIN, else from `cargo run --bin morningai -- openapi`.
set -euo pipefail
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

check=false
[[ ${1:-} == --check ]] && check=true

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ -n ${MORNINGAI_API_URL:-} ]]; then
	curl -fsS "${MORNINGAI_API_URL%/}/api/openapi.json" >"$tmp/raw.json"
elif [[ -n ${MORNINGAI_BIN:-} ]]; then
	"$MORNINGAI_BIN" openapi >"$tmp/raw.json"
else
	(cd .. && ${CARGO:-cargo} run --quiet --bin morningai -- openapi) >"$tmp/raw.json"
fi
# One layout whatever the source: two-space JSON, as `morningai openapi` prints it.
node -e 'const fs=require("fs");fs.writeFileSync(process.argv[2],JSON.stringify(JSON.parse(fs.readFileSync(process.argv[1],"utf8")),null,2)+"\n")' \
	"$tmp/raw.json" "$tmp/openapi.json"
npx --no-install openapi-typescript "$tmp/openapi.json" --empty-objects-unknown -o "$tmp/schema.ts" >/dev/null

if $check; then
	if ! cmp -s "$tmp/openapi.json" openapi.json || ! cmp -s "$tmp/schema.ts" src/api/schema.ts; then
		diff -u openapi.json "$tmp/openapi.json" | head -40 || true
		echo "frontend/openapi.json or src/api/schema.ts is out of date with the backend's API." >&2
		echo "Run \`make api\` (or \`npm run api:update\` in frontend/) and commit both files." >&2
		exit 1
	fi
	echo "API types: up to date with the backend"
else
	cp "$tmp/openapi.json" openapi.json
	cp "$tmp/schema.ts" src/api/schema.ts
	echo "API types: regenerated openapi.json and src/api/schema.ts"
fi
