-- Tasks a tenant started in the past hour, counted (under the tenant's lock)
-- before each new one when the operator sets MORNINGAI_TASKS_PER_HOUR.
CREATE INDEX tasks_tenant_created ON tasks (tenant_id, created_at);
