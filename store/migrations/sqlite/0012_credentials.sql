-- Credentials a tenant stores for its agents (a git token, an SSH key; later
-- the chat channels' secrets). `secret` holds the sealed bytes, never the
-- secret itself. Several may share a kind and host: the newest is used.
-- No row-level security here: every query adds `tenant_id = ?`.
CREATE TABLE credentials (
    id           BLOB PRIMARY KEY,
    tenant_id    BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 50),
    host         TEXT NOT NULL CHECK (length(host) BETWEEN 1 AND 253),
    username     TEXT CHECK (length(username) BETWEEN 1 AND 100),
    label        TEXT NOT NULL DEFAULT '' CHECK (length(label) <= 100),
    secret       BLOB NOT NULL CHECK (length(secret) > 0),
    created_by   BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX credentials_lookup ON credentials (tenant_id, kind, host, created_at);
CREATE INDEX credentials_created_by ON credentials (created_by);
