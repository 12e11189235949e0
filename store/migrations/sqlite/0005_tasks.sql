-- Tasks (one agent graph run each), their checkpoints, events and approvals.
-- No row-level security here: every query adds `tenant_id = ?`.
CREATE TABLE tasks (
    id               BLOB PRIMARY KEY,
    tenant_id        BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 200),
    input            TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'waiting_approval', 'done', 'failed', 'canceled')),
    priority         INTEGER NOT NULL DEFAULT 0,
    trace_id         BLOB NOT NULL,
    idempotency_key  TEXT,
    created_by       BLOB REFERENCES users (id) ON DELETE SET NULL,
    replay_of        BLOB,
    result           TEXT,
    error            TEXT,
    interrupt        TEXT,
    cost_usd         REAL NOT NULL DEFAULT 0,
    checkpoint_count INTEGER NOT NULL DEFAULT 0,
    event_seq        INTEGER NOT NULL DEFAULT 0,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    started_at       TEXT,
    finished_at      TEXT
);
CREATE UNIQUE INDEX tasks_idempotency_key ON tasks (tenant_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX tasks_tenant_id ON tasks (tenant_id, id DESC);
CREATE INDEX tasks_tenant_status ON tasks (tenant_id, status, id DESC);
CREATE INDEX tasks_created_by ON tasks (created_by);

CREATE TABLE task_checkpoints (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    task_id    BLOB NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    parent_id  BLOB,
    seq        INTEGER NOT NULL,
    node       TEXT NOT NULL,
    next       TEXT NOT NULL,
    step       INTEGER NOT NULL,
    state      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (task_id, seq)
);
CREATE INDEX task_checkpoints_tenant ON task_checkpoints (tenant_id);

CREATE TABLE task_events (
    tenant_id  BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    task_id    BLOB NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    PRIMARY KEY (task_id, seq)
);
CREATE INDEX task_events_tenant ON task_events (tenant_id);

CREATE TABLE approvals (
    checkpoint_id  BLOB PRIMARY KEY,
    tenant_id      BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    task_id        BLOB NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    node           TEXT NOT NULL,
    payload        TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_at   TEXT NOT NULL,
    decided_by     BLOB REFERENCES users (id) ON DELETE SET NULL,
    decided_at     TEXT,
    decision_input TEXT
);
CREATE INDEX approvals_tenant_status ON approvals (tenant_id, status, requested_at DESC);
CREATE INDEX approvals_task ON approvals (task_id, status);
CREATE INDEX approvals_decided_by ON approvals (decided_by);
