-- Documents agents write about a repository: one per question (by its
-- normalised key), a version per run. Tenant-owned: forced RLS like the others.

CREATE TABLE documents (
    id             uuid PRIMARY KEY,
    tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- A repository's documents go with it.
    repository_id  uuid NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    question       text NOT NULL CHECK (length(question) BETWEEN 1 AND 2000),
    question_key   text NOT NULL,
    title          text NOT NULL,
    slug           text NOT NULL,
    latest_version bigint NOT NULL CHECK (latest_version >= 1),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    UNIQUE (tenant_id, repository_id, question_key)
);
CREATE INDEX documents_repository ON documents (repository_id);
CREATE INDEX documents_tenant_updated ON documents (tenant_id, updated_at DESC, id DESC);

CREATE TABLE document_versions (
    document_id    uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    version        bigint NOT NULL CHECK (version >= 1),
    commit_sha     text NOT NULL,
    -- One version per run: a re-run save finds the version it wrote.
    task_id        uuid NOT NULL UNIQUE,
    trace_id       uuid NOT NULL,
    model          text NOT NULL,
    markdown       text NOT NULL,
    manifest       jsonb NOT NULL,
    report         jsonb NOT NULL,
    claims_checked bigint NOT NULL DEFAULT 0,
    claims_removed bigint NOT NULL DEFAULT 0,
    publication    jsonb,
    -- Set with `publication`; counted for the pull-request rate limit.
    published_at   timestamptz,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (document_id, version)
);
CREATE INDEX document_versions_published ON document_versions (tenant_id, published_at)
    WHERE published_at IS NOT NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON documents, document_versions TO morningai_app;

ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY documents_select ON documents FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY documents_insert ON documents FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY documents_update ON documents FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY documents_delete ON documents FOR DELETE USING (tenant_id = app_current_tenant());

ALTER TABLE document_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE document_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY document_versions_select ON document_versions FOR SELECT
    USING (tenant_id = app_current_tenant());
CREATE POLICY document_versions_insert ON document_versions FOR INSERT
    WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY document_versions_update ON document_versions FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY document_versions_delete ON document_versions FOR DELETE
    USING (tenant_id = app_current_tenant());
