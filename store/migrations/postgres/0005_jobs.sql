-- The database queue backend and the outbox for the Redis backend. Times are
-- Unix milliseconds: the queue's clock unit on every backend.

-- Queue workers act for every tenant; the store marks their transactions with
-- app.system = 'on'. Tenant-scoped transactions see only their tenant's jobs.
CREATE FUNCTION app_is_system() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT coalesce(current_setting('app.system', true), '') = 'on' $$;

CREATE TABLE jobs (
    id                uuid PRIMARY KEY,
    tenant_id         uuid REFERENCES tenants (id) ON DELETE CASCADE,
    queue             text NOT NULL CHECK (length(queue) BETWEEN 1 AND 100),
    kind              text NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
    payload           jsonb NOT NULL,
    priority          integer NOT NULL DEFAULT 0,
    status            text NOT NULL CHECK (status IN ('queued', 'scheduled', 'started', 'finished', 'failed', 'canceled')),
    attempts          integer NOT NULL DEFAULT 0,
    max_attempts      integer NOT NULL CHECK (max_attempts >= 1),
    timeout_ms        bigint NOT NULL CHECK (timeout_ms > 0),
    result_ttl_ms     bigint NOT NULL CHECK (result_ttl_ms >= 0),
    enqueued_at_ms    bigint NOT NULL,
    run_at_ms         bigint NOT NULL,
    started_at_ms     bigint,
    finished_at_ms    bigint,
    lease_expires_ms  bigint,
    worker_id         text,
    result            jsonb,
    result_expires_ms bigint,
    last_error        text,
    idempotency_key   text
);
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;
-- The claim: the best due job of one queue.
CREATE INDEX jobs_claim ON jobs (queue, priority DESC, run_at_ms, id) WHERE status IN ('queued', 'scheduled');
CREATE INDEX jobs_started_lease ON jobs (lease_expires_ms) WHERE status = 'started';
CREATE INDEX jobs_result_expiry ON jobs (result_expires_ms) WHERE status = 'finished';
CREATE INDEX jobs_tenant_status ON jobs (tenant_id, status);

CREATE TABLE queue_outbox (
    id                uuid PRIMARY KEY,
    tenant_id         uuid REFERENCES tenants (id) ON DELETE CASCADE,
    job               jsonb NOT NULL,
    created_at_ms     bigint NOT NULL,
    dispatched_at_ms  bigint
);
CREATE INDEX queue_outbox_pending ON queue_outbox (created_at_ms) WHERE dispatched_at_ms IS NULL;

-- Workers are infrastructure, not tenant data.
CREATE TABLE queue_workers (
    id                text PRIMARY KEY,
    host              text NOT NULL,
    pid               bigint NOT NULL,
    queues            jsonb NOT NULL,
    started_at_ms     bigint NOT NULL,
    last_heartbeat_ms bigint NOT NULL,
    current_jobs      jsonb NOT NULL DEFAULT '[]'::jsonb
);

GRANT SELECT, INSERT, UPDATE, DELETE ON jobs, queue_outbox, queue_workers TO morningai_app;

ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY jobs_select ON jobs FOR SELECT USING (app_is_system() OR tenant_id = app_current_tenant());
CREATE POLICY jobs_insert ON jobs FOR INSERT WITH CHECK (app_is_system() OR tenant_id = app_current_tenant());
CREATE POLICY jobs_update ON jobs FOR UPDATE
    USING (app_is_system() OR tenant_id = app_current_tenant())
    WITH CHECK (app_is_system() OR tenant_id = app_current_tenant());
CREATE POLICY jobs_delete ON jobs FOR DELETE USING (app_is_system() OR tenant_id = app_current_tenant());

ALTER TABLE queue_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE queue_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY queue_outbox_select ON queue_outbox FOR SELECT USING (app_is_system() OR tenant_id = app_current_tenant());
CREATE POLICY queue_outbox_insert ON queue_outbox FOR INSERT WITH CHECK (app_is_system() OR tenant_id = app_current_tenant());
CREATE POLICY queue_outbox_update ON queue_outbox FOR UPDATE
    USING (app_is_system() OR tenant_id = app_current_tenant())
    WITH CHECK (app_is_system() OR tenant_id = app_current_tenant());
CREATE POLICY queue_outbox_delete ON queue_outbox FOR DELETE USING (app_is_system() OR tenant_id = app_current_tenant());
