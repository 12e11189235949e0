CREATE TABLE sessions (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX sessions_tenant ON sessions (tenant_id);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    prefix       text NOT NULL,
    -- SHA-256 of the whole key; the key itself is never stored.
    key_hash     text NOT NULL UNIQUE,
    role         text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);
CREATE INDEX api_keys_user ON api_keys (user_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON sessions, api_keys TO morningai_app;

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY sessions_select ON sessions FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY sessions_insert ON sessions FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY sessions_update ON sessions FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY sessions_delete ON sessions FOR DELETE USING (tenant_id = app_current_tenant());

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
-- Presenting a live key reveals that key's row (and only it), which is how a
-- request authenticates before its tenant is known.
CREATE POLICY api_keys_select ON api_keys FOR SELECT
    USING (tenant_id = app_current_tenant()
           OR (key_hash = app_presented_key_hash() AND revoked_at IS NULL));
CREATE POLICY api_keys_insert ON api_keys FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY api_keys_update ON api_keys FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY api_keys_delete ON api_keys FOR DELETE USING (tenant_id = app_current_tenant());
