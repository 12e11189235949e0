SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo

.PHONY: run test test-inner lint bench migrate

run:
	$(CARGO) run --release --bin morningai -- serve

# Tests need PostgreSQL + Redis: reuse DATABASE_URL/REDIS_URL if they answer,
# else the script starts throwaway servers and stops them afterwards.
test:
	$(SHELL) scripts/test-services.sh run -- $(MAKE) --no-print-directory test-inner

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

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# Benchmarks write their results to bench-results/. The HTTP benchmark runs on
# SQLite and, with DATABASE_URL, on PostgreSQL: when it is unset, the script
# starts a throwaway server for the run. Compiled first (bench profile = release)
# so no database idles through the build.
bench:
	$(CARGO) bench -p morningai-backend --bench http --no-run
	@if [[ -n "$${DATABASE_URL:-}" ]]; then \
		$(CARGO) bench -p morningai-backend --bench http; \
	else \
		$(SHELL) scripts/test-services.sh run -- $(CARGO) bench -p morningai-backend --bench http; \
	fi

migrate:
	$(CARGO) run --bin morningai -- migrate
