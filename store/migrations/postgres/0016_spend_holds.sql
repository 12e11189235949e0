-- Model spend held for calls in flight: a call's estimated cost and tokens
-- are held (checked against the caps together with what was spent and what
-- other calls hold, under the tenant's lock) before anything is sent, and
-- released when the call is recorded (the hold's id is the call's id), so
-- calls running at the same time cannot overshoot a cap together. A hold
-- whose call was never recorded (a killed worker) lapses at expires_at_ms.
CREATE TABLE spend_holds (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    task_id       uuid,
    cost_micros   bigint NOT NULL CHECK (cost_micros >= 0),
    tokens        bigint NOT NULL CHECK (tokens >= 0),
    created_at_ms bigint NOT NULL,
    expires_at_ms bigint NOT NULL
);
CREATE INDEX spend_holds_tenant ON spend_holds (tenant_id, expires_at_ms);

ALTER TABLE spend_holds ENABLE ROW LEVEL SECURITY;
ALTER TABLE spend_holds FORCE ROW LEVEL SECURITY;
CREATE POLICY spend_holds_all ON spend_holds
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, DELETE ON spend_holds TO morningai_app;
