-- Repositories a tenant registers for its agents, with the state of their index.
-- No row-level security here: every query adds `tenant_id = ?`.
CREATE TABLE repositories (
    id               BLOB PRIMARY KEY,
    tenant_id        BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name             TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    source           TEXT NOT NULL CHECK (length(source) BETWEEN 1 AND 2000),
    default_branch   TEXT,
    indexed_commit   TEXT,
    file_count       INTEGER NOT NULL DEFAULT 0 CHECK (file_count >= 0),
    chunk_count      INTEGER NOT NULL DEFAULT 0 CHECK (chunk_count >= 0),
    symbol_count     INTEGER NOT NULL DEFAULT 0 CHECK (symbol_count >= 0),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'indexing', 'ready', 'failed')),
    error            TEXT,
    progress_done    INTEGER NOT NULL DEFAULT 0,
    progress_total   INTEGER NOT NULL DEFAULT 0,
    index_task_id    BLOB,
    index_generation INTEGER NOT NULL DEFAULT 0,
    created_by       BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    indexed_at       TEXT,
    UNIQUE (tenant_id, name)
);
CREATE INDEX repositories_created_by ON repositories (created_by);
