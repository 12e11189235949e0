-- One row per publication a tenant started (a branch pushed, a pull request
-- opened), taken before anything is pushed: the hourly limit is reserved,
-- not counted after the fact, and covers documents and FAQs alike. The key
-- (the branch) makes a retried run reuse its own slot.
CREATE TABLE publication_slots (
    tenant_id   BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    key         TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 300),
    reserved_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key)
);
CREATE INDEX publication_slots_recent ON publication_slots (tenant_id, reserved_at_ms);
