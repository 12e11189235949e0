-- Credentials a tenant stores for its agents (a git token, an SSH key; later
-- the chat channels' secrets). The metadata is plain; `secret` holds the
-- sealed bytes (XChaCha20-Poly1305 under MORNINGAI_ENCRYPTION_KEY, bound to
-- the row's tenant, id, kind and host), never the secret itself.
-- Several may share a kind and host: the newest is the one used.
CREATE TABLE credentials (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (length(kind) BETWEEN 1 AND 50),
    host         text NOT NULL CHECK (length(host) BETWEEN 1 AND 253),
    username     text CHECK (length(username) BETWEEN 1 AND 100),
    label        text NOT NULL DEFAULT '' CHECK (length(label) <= 100),
    secret       bytea NOT NULL CHECK (length(secret) > 0),
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz
);
CREATE INDEX credentials_lookup ON credentials (tenant_id, kind, host, created_at);
CREATE INDEX credentials_created_by ON credentials (created_by);

GRANT SELECT, INSERT, UPDATE, DELETE ON credentials TO morningai_app;

ALTER TABLE credentials ENABLE ROW LEVEL SECURITY;
ALTER TABLE credentials FORCE ROW LEVEL SECURITY;
CREATE POLICY credentials_select ON credentials FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY credentials_insert ON credentials FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY credentials_update ON credentials FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY credentials_delete ON credentials FOR DELETE USING (tenant_id = app_current_tenant());
