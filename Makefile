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

# Benchmarks write their results to bench-results/.
bench:
	$(CARGO) bench --workspace

migrate:
	$(CARGO) run --bin morningai -- migrate
