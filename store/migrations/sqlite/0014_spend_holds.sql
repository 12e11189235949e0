-- Model spend held for calls in flight (see the PostgreSQL migration
-- 0016_spend_holds.sql): checked with the caps before a call, released when
-- the call is recorded (same id), lapsing at expires_at_ms.
CREATE TABLE spend_holds (
    id            BLOB PRIMARY KEY,
    tenant_id     BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    task_id       BLOB,
    cost_micros   INTEGER NOT NULL CHECK (cost_micros >= 0),
    tokens        INTEGER NOT NULL CHECK (tokens >= 0),
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
);
CREATE INDEX spend_holds_tenant ON spend_holds (tenant_id, expires_at_ms);
