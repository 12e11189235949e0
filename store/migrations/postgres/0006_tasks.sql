-- Tasks (one agent graph run each), their checkpoints, events and approvals.
-- Every table is tenant-owned: forced row-level security like the others.

CREATE TABLE tasks (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (length(kind) BETWEEN 1 AND 200),
    input            jsonb NOT NULL,
    status           text NOT NULL CHECK (status IN ('queued', 'running', 'waiting_approval', 'done', 'failed', 'canceled')),
    priority         integer NOT NULL DEFAULT 0,
    trace_id         uuid NOT NULL,
    idempotency_key  text,
    created_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    -- The checkpoint (of another task) a replay starts from.
    replay_of        uuid,
    result           jsonb,
    error            text,
    -- What an interrupt asks, while waiting_approval.
    interrupt        jsonb,
    cost_usd         double precision NOT NULL DEFAULT 0,
    checkpoint_count bigint NOT NULL DEFAULT 0,
    -- The last event seq handed out: allocating one updates (and so locks) this row,
    -- which serialises a task's event writers.
    event_seq        bigint NOT NULL DEFAULT 0,
    cancel_requested boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz
);
CREATE UNIQUE INDEX tasks_idempotency_key ON tasks (tenant_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
-- Listing newest first (ids are UUIDv7: id order is creation order).
CREATE INDEX tasks_tenant_id ON tasks (tenant_id, id DESC);
CREATE INDEX tasks_tenant_status ON tasks (tenant_id, status, id DESC);
CREATE INDEX tasks_created_by ON tasks (created_by);

CREATE TABLE task_checkpoints (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    task_id    uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    parent_id  uuid,
    seq        bigint NOT NULL,
    node       text NOT NULL,
    next       text NOT NULL,
    step       bigint NOT NULL,
    state      jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (task_id, seq)
);
CREATE INDEX task_checkpoints_tenant ON task_checkpoints (tenant_id);

CREATE TABLE task_events (
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    task_id    uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    seq        bigint NOT NULL,
    kind       text NOT NULL,
    data       jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (task_id, seq)
);
CREATE INDEX task_events_tenant ON task_events (tenant_id);

CREATE TABLE approvals (
    checkpoint_id  uuid PRIMARY KEY,
    tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    task_id        uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    node           text NOT NULL,
    payload        jsonb NOT NULL,
    status         text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_at   timestamptz NOT NULL DEFAULT now(),
    decided_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    decided_at     timestamptz,
    decision_input jsonb
);
CREATE INDEX approvals_tenant_status ON approvals (tenant_id, status, requested_at DESC);
CREATE INDEX approvals_task ON approvals (task_id, status);
CREATE INDEX approvals_decided_by ON approvals (decided_by);

GRANT SELECT, INSERT, UPDATE, DELETE ON tasks, task_checkpoints, task_events, approvals TO morningai_app;

ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
CREATE POLICY tasks_select ON tasks FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY tasks_insert ON tasks FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY tasks_update ON tasks FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY tasks_delete ON tasks FOR DELETE USING (tenant_id = app_current_tenant());

ALTER TABLE task_checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE task_checkpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY task_checkpoints_select ON task_checkpoints FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY task_checkpoints_insert ON task_checkpoints FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY task_checkpoints_update ON task_checkpoints FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY task_checkpoints_delete ON task_checkpoints FOR DELETE USING (tenant_id = app_current_tenant());

ALTER TABLE task_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE task_events FORCE ROW LEVEL SECURITY;
CREATE POLICY task_events_select ON task_events FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY task_events_insert ON task_events FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY task_events_update ON task_events FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY task_events_delete ON task_events FOR DELETE USING (tenant_id = app_current_tenant());

ALTER TABLE approvals ENABLE ROW LEVEL SECURITY;
ALTER TABLE approvals FORCE ROW LEVEL SECURITY;
CREATE POLICY approvals_select ON approvals FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY approvals_insert ON approvals FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY approvals_update ON approvals FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY approvals_delete ON approvals FOR DELETE USING (tenant_id = app_current_tenant());
