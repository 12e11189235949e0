CREATE TABLE tenants (
    id         uuid PRIMARY KEY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Users are global identities (one person may belong to several tenants), so
-- this table has no tenant_id and no RLS; the server needs it to log people in.
CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));

CREATE TABLE memberships (
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, users, memberships TO morningai_app;

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
-- A user may also see the names of the tenants they belong to (to choose one at log-in).
CREATE POLICY tenants_select ON tenants FOR SELECT
    USING (id = app_current_tenant()
           OR id IN (SELECT tenant_id FROM memberships WHERE user_id = app_current_user()));
CREATE POLICY tenants_insert ON tenants FOR INSERT WITH CHECK (id = app_current_tenant());
CREATE POLICY tenants_update ON tenants FOR UPDATE
    USING (id = app_current_tenant()) WITH CHECK (id = app_current_tenant());
CREATE POLICY tenants_delete ON tenants FOR DELETE USING (id = app_current_tenant());

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
-- A user may also see their own memberships in other tenants (log-in lists them).
CREATE POLICY memberships_select ON memberships FOR SELECT
    USING (tenant_id = app_current_tenant() OR user_id = app_current_user());
CREATE POLICY memberships_insert ON memberships FOR INSERT
    WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY memberships_update ON memberships FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY memberships_delete ON memberships FOR DELETE
    USING (tenant_id = app_current_tenant());
