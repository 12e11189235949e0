CREATE TABLE audit_log (
    id            BLOB PRIMARY KEY,
    tenant_id     BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    actor_user_id BLOB REFERENCES users (id) ON DELETE SET NULL,
    action        TEXT NOT NULL,
    target        TEXT,
    detail        TEXT NOT NULL DEFAULT '{}',
    created_at    TEXT NOT NULL
);
CREATE INDEX audit_log_tenant_time ON audit_log (tenant_id, created_at DESC);
