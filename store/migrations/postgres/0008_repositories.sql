-- Repositories a tenant registers for its agents, with the state of their
-- index (the index itself lives on disk, under MORNINGAI_REPOS_DIR).
-- Tenant-owned: forced RLS like the others.

CREATE TABLE repositories (
    id               uuid PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- A directory on the server or a git URL, stored without credentials.
    source           text NOT NULL CHECK (length(source) BETWEEN 1 AND 2000),
    default_branch   text,
    indexed_commit   text,
    file_count       bigint NOT NULL DEFAULT 0 CHECK (file_count >= 0),
    chunk_count      bigint NOT NULL DEFAULT 0 CHECK (chunk_count >= 0),
    symbol_count     bigint NOT NULL DEFAULT 0 CHECK (symbol_count >= 0),
    status           text NOT NULL CHECK (status IN ('pending', 'indexing', 'ready', 'failed')),
    error            text,
    progress_done    bigint NOT NULL DEFAULT 0,
    progress_total   bigint NOT NULL DEFAULT 0,
    -- No foreign key: the task may be purged while the repository stays.
    index_task_id    uuid,
    index_generation bigint NOT NULL DEFAULT 0,
    created_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    indexed_at       timestamptz,
    UNIQUE (tenant_id, name)
);
CREATE INDEX repositories_created_by ON repositories (created_by);

GRANT SELECT, INSERT, UPDATE, DELETE ON repositories TO morningai_app;

ALTER TABLE repositories ENABLE ROW LEVEL SECURITY;
ALTER TABLE repositories FORCE ROW LEVEL SECURITY;
CREATE POLICY repositories_select ON repositories FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY repositories_insert ON repositories FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY repositories_update ON repositories FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY repositories_delete ON repositories FOR DELETE USING (tenant_id = app_current_tenant());
