-- The database queue backend and the outbox for the Redis backend. Times are
-- Unix milliseconds: the queue's clock unit on every backend.
CREATE TABLE jobs (
    id                BLOB PRIMARY KEY,
    tenant_id         BLOB REFERENCES tenants (id) ON DELETE CASCADE,
    queue             TEXT NOT NULL CHECK (length(queue) BETWEEN 1 AND 100),
    kind              TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
    payload           TEXT NOT NULL,
    priority          INTEGER NOT NULL DEFAULT 0,
    status            TEXT NOT NULL CHECK (status IN ('queued', 'scheduled', 'started', 'finished', 'failed', 'canceled')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    max_attempts      INTEGER NOT NULL CHECK (max_attempts >= 1),
    timeout_ms        INTEGER NOT NULL CHECK (timeout_ms > 0),
    result_ttl_ms     INTEGER NOT NULL CHECK (result_ttl_ms >= 0),
    enqueued_at_ms    INTEGER NOT NULL,
    run_at_ms         INTEGER NOT NULL,
    started_at_ms     INTEGER,
    finished_at_ms    INTEGER,
    lease_expires_ms  INTEGER,
    worker_id         TEXT,
    result            TEXT,
    result_expires_ms INTEGER,
    last_error        TEXT,
    idempotency_key   TEXT
);
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_claim ON jobs (queue, priority DESC, run_at_ms, id) WHERE status IN ('queued', 'scheduled');
CREATE INDEX jobs_started_lease ON jobs (lease_expires_ms) WHERE status = 'started';
CREATE INDEX jobs_result_expiry ON jobs (result_expires_ms) WHERE status = 'finished';
CREATE INDEX jobs_tenant_status ON jobs (tenant_id, status);

CREATE TABLE queue_outbox (
    id                BLOB PRIMARY KEY,
    tenant_id         BLOB REFERENCES tenants (id) ON DELETE CASCADE,
    job               TEXT NOT NULL,
    created_at_ms     INTEGER NOT NULL,
    dispatched_at_ms  INTEGER
);
CREATE INDEX queue_outbox_pending ON queue_outbox (created_at_ms) WHERE dispatched_at_ms IS NULL;

CREATE TABLE queue_workers (
    id                TEXT PRIMARY KEY,
    host              TEXT NOT NULL,
    pid               INTEGER NOT NULL,
    queues            TEXT NOT NULL,
    started_at_ms     INTEGER NOT NULL,
    last_heartbeat_ms INTEGER NOT NULL,
    current_jobs      TEXT NOT NULL DEFAULT '[]'
);
