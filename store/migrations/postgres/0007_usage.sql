-- Model usage and cost (one row per model call), per-tenant budget overrides,
-- and the response cache. Times are Unix milliseconds; money is micro-USD
-- (an integer, so sums are exact). All three are tenant-owned: forced RLS.

CREATE TABLE model_calls (
    id                uuid PRIMARY KEY,
    tenant_id         uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- No foreign key: usage outlives the tasks it was spent on.
    task_id           uuid,
    trace_id          text CHECK (length(trace_id) <= 200),
    provider          text NOT NULL CHECK (length(provider) BETWEEN 1 AND 100),
    model             text NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
    kind              text NOT NULL CHECK (kind IN ('chat', 'embed')),
    prompt_tokens     bigint NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens bigint NOT NULL CHECK (completion_tokens >= 0),
    cost_micros       bigint NOT NULL CHECK (cost_micros >= 0),
    latency_ms        bigint NOT NULL CHECK (latency_ms >= 0),
    outcome           text NOT NULL CHECK (outcome IN ('ok', 'error', 'refused', 'cached')),
    error_code        text CHECK (length(error_code) <= 200),
    created_at_ms     bigint NOT NULL
);
-- The budget windows (this hour, this day) and usage reports over a range.
CREATE INDEX model_calls_tenant_time ON model_calls (tenant_id, created_at_ms);
-- A task's spend.
CREATE INDEX model_calls_tenant_task ON model_calls (tenant_id, task_id) WHERE task_id IS NOT NULL;

-- Overrides of the configured default caps; NULL = use the default.
CREATE TABLE budgets (
    tenant_id           uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    daily_usd_micros    bigint CHECK (daily_usd_micros >= 0),
    hourly_usd_micros   bigint CHECK (hourly_usd_micros >= 0),
    task_usd_micros     bigint CHECK (task_usd_micros >= 0),
    daily_tokens        bigint CHECK (daily_tokens >= 0),
    hourly_tokens       bigint CHECK (hourly_tokens >= 0),
    task_tokens         bigint CHECK (task_tokens >= 0),
    updated_by          uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_at_ms       bigint NOT NULL
);
CREATE INDEX budgets_updated_by ON budgets (updated_by);

-- Answers by request key (a SHA-256 of provider, model, messages and
-- parameters), so a replayed step can reuse the answer it got the first time.
CREATE TABLE model_cache (
    tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    key            text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    response       jsonb NOT NULL,
    created_at_ms  bigint NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

-- The usage ledger is append-only for the application, like the audit log.
GRANT SELECT, INSERT ON model_calls TO morningai_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON budgets, model_cache TO morningai_app;

ALTER TABLE model_calls ENABLE ROW LEVEL SECURITY;
ALTER TABLE model_calls FORCE ROW LEVEL SECURITY;
CREATE POLICY model_calls_select ON model_calls FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY model_calls_insert ON model_calls FOR INSERT WITH CHECK (tenant_id = app_current_tenant());

ALTER TABLE budgets ENABLE ROW LEVEL SECURITY;
ALTER TABLE budgets FORCE ROW LEVEL SECURITY;
CREATE POLICY budgets_select ON budgets FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY budgets_insert ON budgets FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY budgets_update ON budgets FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY budgets_delete ON budgets FOR DELETE USING (tenant_id = app_current_tenant());

ALTER TABLE model_cache ENABLE ROW LEVEL SECURITY;
ALTER TABLE model_cache FORCE ROW LEVEL SECURITY;
CREATE POLICY model_cache_select ON model_cache FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY model_cache_insert ON model_cache FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY model_cache_update ON model_cache FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY model_cache_delete ON model_cache FOR DELETE USING (tenant_id = app_current_tenant());
