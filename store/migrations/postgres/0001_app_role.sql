-- The role the server works as. It does not own the tables and cannot bypass
-- row-level security, so every query it runs is confined to one tenant.
-- Roles are cluster-wide: create it once, tolerate a concurrent creator.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'morningai_app') THEN
        BEGIN
            CREATE ROLE morningai_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    -- The migrating user must be able to SET ROLE to it; superusers already can.
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       AND NOT pg_has_role(current_user, 'morningai_app', 'MEMBER') THEN
        EXECUTE format('GRANT morningai_app TO %I', current_user);
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO morningai_app;
-- /readyz compares applied migrations with the ones this build knows.
GRANT SELECT ON _sqlx_migrations TO morningai_app;

-- Per-transaction settings the store sets with set_config(..., true).
-- An unset or empty setting is NULL, which matches no row.
CREATE FUNCTION app_current_tenant() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE FUNCTION app_current_user() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;

-- The hash of an API key being presented: knowing the key is what lets a
-- request find the key's row before its tenant is known.
CREATE FUNCTION app_presented_key_hash() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('app.api_key_hash', true), '') $$;
