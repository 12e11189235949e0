-- A tenant's public help centre: its published FAQs, readable without an
-- account at /public/<slug>/… once the tenant turns it on.
CREATE TABLE faq_help_centres (
    tenant_id  BLOB PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    -- Lower-case letters, digits and inner hyphens; one tenant per slug.
    slug       TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 3 AND 63),
    enabled    INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    title      TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    updated_at TEXT NOT NULL
);
