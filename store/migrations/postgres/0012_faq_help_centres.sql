-- A tenant's public help centre: its published FAQs, readable without an
-- account at /public/<slug>/… once the tenant turns it on.
CREATE TABLE faq_help_centres (
    tenant_id  uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    -- Lower-case letters, digits and inner hyphens; one tenant per slug.
    slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$'),
    enabled    boolean NOT NULL DEFAULT false,
    title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    updated_at timestamptz NOT NULL
);

-- The slug a public request names: it finds that help centre's row (and
-- only when it is turned on), which is how the request learns its tenant.
CREATE FUNCTION app_public_slug() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('app.public_slug', true), '') $$;

ALTER TABLE faq_help_centres ENABLE ROW LEVEL SECURITY;
ALTER TABLE faq_help_centres FORCE ROW LEVEL SECURITY;
CREATE POLICY faq_help_centres_select ON faq_help_centres FOR SELECT
    USING (tenant_id = app_current_tenant() OR (enabled AND slug = app_public_slug()));
CREATE POLICY faq_help_centres_insert ON faq_help_centres FOR INSERT
    WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY faq_help_centres_update ON faq_help_centres FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY faq_help_centres_delete ON faq_help_centres FOR DELETE
    USING (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON faq_help_centres TO morningai_app;
