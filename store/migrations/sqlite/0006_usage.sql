-- Model usage and cost (one row per model call), per-tenant budget overrides,
-- and the response cache. Times are Unix milliseconds; money is micro-USD.
-- No row-level security here: every query adds `tenant_id = ?`.
CREATE TABLE model_calls (
    id                BLOB PRIMARY KEY,
    tenant_id         BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    task_id           BLOB,
    trace_id          TEXT CHECK (length(trace_id) <= 200),
    provider          TEXT NOT NULL CHECK (length(provider) BETWEEN 1 AND 100),
    model             TEXT NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
    kind              TEXT NOT NULL CHECK (kind IN ('chat', 'embed')),
    prompt_tokens     INTEGER NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens INTEGER NOT NULL CHECK (completion_tokens >= 0),
    cost_micros       INTEGER NOT NULL CHECK (cost_micros >= 0),
    latency_ms        INTEGER NOT NULL CHECK (latency_ms >= 0),
    outcome           TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'refused', 'cached')),
    error_code        TEXT CHECK (length(error_code) <= 200),
    created_at_ms     INTEGER NOT NULL
);
CREATE INDEX model_calls_tenant_time ON model_calls (tenant_id, created_at_ms);
CREATE INDEX model_calls_tenant_task ON model_calls (tenant_id, task_id) WHERE task_id IS NOT NULL;

CREATE TABLE budgets (
    tenant_id           BLOB PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    daily_usd_micros    INTEGER CHECK (daily_usd_micros >= 0),
    hourly_usd_micros   INTEGER CHECK (hourly_usd_micros >= 0),
    task_usd_micros     INTEGER CHECK (task_usd_micros >= 0),
    daily_tokens        INTEGER CHECK (daily_tokens >= 0),
    hourly_tokens       INTEGER CHECK (hourly_tokens >= 0),
    task_tokens         INTEGER CHECK (task_tokens >= 0),
    updated_by          BLOB REFERENCES users (id) ON DELETE SET NULL,
    updated_at_ms       INTEGER NOT NULL
);
CREATE INDEX budgets_updated_by ON budgets (updated_by);

CREATE TABLE model_cache (
    tenant_id      BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    key            TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    response       TEXT NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key)
);
