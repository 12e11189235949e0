#!/usr/bin/env bash
# The browser suite: Debian's Chromium (installed when missing) driven by
# playwright-core against a real `morningai serve` (built here unless
# MORNINGAI_BIN names one). Screenshots and the server log: test-results/e2e/.
set -euo pipefail
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

chromium_path=${CHROMIUM_PATH:-/usr/bin/chromium}
if [[ ! -x $chromium_path ]]; then
	echo "e2e: $chromium_path is missing; installing Debian's chromium"
	sudo=()
	[[ $(id -u) -eq 0 ]] || sudo=(sudo)
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq chromium
fi

[[ -d node_modules ]] || npm ci --no-audit --no-fund
npm run --silent build

if [[ -z ${MORNINGAI_BIN:-} ]]; then
	(cd .. && ${CARGO:-cargo} build --bin morningai)
	export MORNINGAI_BIN=$PWD/../target/debug/morningai
fi

rm -rf test-results/e2e
exec node --test --test-concurrency=1 --test-reporter=spec e2e/dashboard.test.mjs
