-- Documents agents write about a repository: one per question (by its
-- normalised key), a version per run.
-- No row-level security here: every query adds `tenant_id = ?`.

CREATE TABLE documents (
    id             BLOB PRIMARY KEY,
    tenant_id      BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    repository_id  BLOB NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    question       TEXT NOT NULL CHECK (length(question) BETWEEN 1 AND 2000),
    question_key   TEXT NOT NULL,
    title          TEXT NOT NULL,
    slug           TEXT NOT NULL,
    latest_version INTEGER NOT NULL CHECK (latest_version >= 1),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (tenant_id, repository_id, question_key)
);
CREATE INDEX documents_repository ON documents (repository_id);
CREATE INDEX documents_tenant_updated ON documents (tenant_id, updated_at DESC, id DESC);

CREATE TABLE document_versions (
    document_id    BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    tenant_id      BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    version        INTEGER NOT NULL CHECK (version >= 1),
    commit_sha     TEXT NOT NULL,
    task_id        BLOB NOT NULL UNIQUE,
    trace_id       BLOB NOT NULL,
    model          TEXT NOT NULL,
    markdown       TEXT NOT NULL,
    manifest       TEXT NOT NULL,
    report         TEXT NOT NULL,
    claims_checked INTEGER NOT NULL DEFAULT 0,
    claims_removed INTEGER NOT NULL DEFAULT 0,
    publication    TEXT,
    published_at   TEXT,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (document_id, version)
);
CREATE INDEX document_versions_published ON document_versions (tenant_id, published_at);
