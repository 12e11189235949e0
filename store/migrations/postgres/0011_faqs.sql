-- The FAQ knowledge base: categories (a tree), FAQs with a version per edit,
-- feedback, the query log, suggested FAQs, and the per-tenant revision
-- counter (with tombstones) the search indexes sync from. Tenant-owned:
-- forced RLS like the others.
--
-- Foreign keys that must stop a deletion use NO ACTION (checked at the end of
-- the statement), not RESTRICT: deleting a tenant removes a category and the
-- FAQs in it in one statement. `(tenant_id, …)` keys keep references inside
-- one tenant.

CREATE TABLE faq_categories (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    parent_id  uuid,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    position   integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES faq_categories (tenant_id, id)
);
-- Names are unique among siblings; top-level categories (no parent) too.
CREATE UNIQUE INDEX faq_categories_name ON faq_categories
    (tenant_id, COALESCE(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), name);
CREATE INDEX faq_categories_parent ON faq_categories (tenant_id, parent_id);

CREATE TABLE faqs (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    question        text NOT NULL CHECK (length(question) BETWEEN 1 AND 1000),
    -- Markdown.
    answer          text NOT NULL CHECK (length(answer) BETWEEN 1 AND 20000),
    category_id     uuid,
    tags            jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(tags) = 'array'),
    -- A canonical BCP 47 tag.
    language        text NOT NULL CHECK (length(language) BETWEEN 1 AND 35),
    status          text NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    source          text NOT NULL CHECK (source IN ('manual', 'imported', 'generated', 'suggested')),
    -- Evidence manifest, trace, task, repository: opaque to the store.
    origin          jsonb,
    -- The key imports upsert by.
    external_id     text CHECK (length(external_id) BETWEEN 1 AND 200),
    views           bigint NOT NULL DEFAULT 0,
    helpful         bigint NOT NULL DEFAULT 0,
    not_helpful     bigint NOT NULL DEFAULT 0,
    answer_hits     bigint NOT NULL DEFAULT 0,
    -- The edit number (faq_versions).
    version         bigint NOT NULL DEFAULT 1 CHECK (version >= 1),
    -- The tenant's revision (faq_revisions) of the last change.
    revision        bigint NOT NULL,
    -- Little-endian f32s.
    embedding       bytea,
    embedding_model text,
    created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, external_id),
    FOREIGN KEY (tenant_id, category_id) REFERENCES faq_categories (tenant_id, id)
);
CREATE INDEX faqs_tenant_updated ON faqs (tenant_id, updated_at DESC, id DESC);
CREATE INDEX faqs_tenant_revision ON faqs (tenant_id, revision);
CREATE INDEX faqs_category ON faqs (tenant_id, category_id);
CREATE INDEX faqs_tags ON faqs USING gin (tags);
CREATE INDEX faqs_created_by ON faqs (created_by);
CREATE INDEX faqs_updated_by ON faqs (updated_by);

-- What a FAQ said at each version; the API diffs them.
CREATE TABLE faq_versions (
    faq_id      uuid NOT NULL,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    version     bigint NOT NULL CHECK (version >= 1),
    question    text NOT NULL,
    answer      text NOT NULL,
    -- A snapshot: no foreign key, the category may be gone since.
    category_id uuid,
    tags        jsonb NOT NULL,
    language    text NOT NULL,
    status      text NOT NULL,
    edited_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (faq_id, version),
    FOREIGN KEY (tenant_id, faq_id) REFERENCES faqs (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX faq_versions_tenant ON faq_versions (tenant_id, faq_id);
CREATE INDEX faq_versions_edited_by ON faq_versions (edited_by);

-- The questions asked (the query log); `query_key` groups the same question
-- asked differently.
CREATE TABLE faq_queries (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    query      text NOT NULL CHECK (length(query) <= 2000),
    query_key  text NOT NULL,
    language   text,
    channel    text NOT NULL CHECK (length(channel) BETWEEN 1 AND 50),
    top_faq_id uuid REFERENCES faqs (id) ON DELETE SET NULL,
    top_score  double precision,
    answered   boolean NOT NULL,
    feedback   smallint CHECK (feedback IN (-1, 1)),
    created_at timestamptz NOT NULL
);
CREATE INDEX faq_queries_tenant_created ON faq_queries (tenant_id, created_at);
CREATE INDEX faq_queries_top_faq ON faq_queries (top_faq_id);

CREATE TABLE faq_feedback (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    faq_id     uuid NOT NULL,
    query_id   uuid REFERENCES faq_queries (id) ON DELETE SET NULL,
    -- NULL for anonymous (public) feedback.
    user_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    helpful    boolean NOT NULL,
    comment    text CHECK (length(comment) <= 2000),
    created_at timestamptz NOT NULL,
    FOREIGN KEY (tenant_id, faq_id) REFERENCES faqs (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX faq_feedback_faq ON faq_feedback (tenant_id, faq_id);
CREATE INDEX faq_feedback_tenant_created ON faq_feedback (tenant_id, created_at);
CREATE INDEX faq_feedback_query ON faq_feedback (query_id);
CREATE INDEX faq_feedback_user ON faq_feedback (user_id);

-- FAQs suggested from clusters of unanswered questions.
CREATE TABLE faq_suggestions (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    query      text NOT NULL CHECK (length(query) BETWEEN 1 AND 2000),
    examples   jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(examples) = 'array'),
    count      bigint NOT NULL DEFAULT 0 CHECK (count >= 0),
    status     text NOT NULL CHECK (status IN ('open', 'approved', 'dismissed')),
    -- No foreign key: the task may be purged while the suggestion stays.
    task_id    uuid,
    -- The cluster's centre: little-endian f32s.
    centroid   bytea,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX faq_suggestions_tenant_status ON faq_suggestions (tenant_id, status, count DESC);

-- The tenant's FAQ revision: every change to a FAQ's searchable content,
-- status or embedding takes the next one, in its transaction (the row lock
-- makes the revisions commit in order).
CREATE TABLE faq_revisions (
    tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    revision  bigint NOT NULL CHECK (revision >= 0)
);

-- Deleted FAQs, with the revision of their deletion.
CREATE TABLE faq_tombstones (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    faq_id    uuid NOT NULL,
    revision  bigint NOT NULL,
    PRIMARY KEY (tenant_id, faq_id)
);
CREATE INDEX faq_tombstones_revision ON faq_tombstones (tenant_id, revision);

GRANT SELECT, INSERT, UPDATE, DELETE ON
    faq_categories, faqs, faq_versions, faq_queries, faq_feedback, faq_suggestions,
    faq_revisions, faq_tombstones
    TO morningai_app;

ALTER TABLE faq_categories ENABLE ROW LEVEL SECURITY;
ALTER TABLE faq_categories FORCE ROW LEVEL SECURITY;
CREATE POLICY faq_categories_select ON faq_categories FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY faq_categories_insert ON faq_categories FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY faq_categories_update ON faq_categories FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY faq_categories_delete ON faq_categories FOR DELETE USING (tenant_id = app_current_tenant());

ALTER TABLE faqs ENABLE ROW LEVEL SECURITY;
ALTER TABLE faqs FORCE ROW LEVEL SECURITY;
CREATE POLICY faqs_select ON faqs FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY faqs_insert ON faqs FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY faqs_update ON faqs FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY faqs_delete ON faqs FOR DELETE USING (tenant_id = app_current_tenant());

ALTER TABLE faq_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE faq_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY faq_versions_select ON faq_versions FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY faq_versions_insert ON faq_versions FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY faq_versions_update ON faq_versions FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY faq_versions_delete ON faq_versions FOR DELETE USING (tenant_id = app_current_tenant());

ALTER TABLE faq_queries ENABLE ROW LEVEL SECURITY;
ALTER TABLE faq_queries FORCE ROW LEVEL SECURITY;
CREATE POLICY faq_queries_select ON faq_queries FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY faq_queries_insert ON faq_queries FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY faq_queries_update ON faq_queries FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY faq_queries_delete ON faq_queries FOR DELETE USING (tenant_id = app_current_tenant());

ALTER TABLE faq_feedback ENABLE ROW LEVEL SECURITY;
ALTER TABLE faq_feedback FORCE ROW LEVEL SECURITY;
CREATE POLICY faq_feedback_select ON faq_feedback FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY faq_feedback_insert ON faq_feedback FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY faq_feedback_update ON faq_feedback FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY faq_feedback_delete ON faq_feedback FOR DELETE USING (tenant_id = app_current_tenant());

ALTER TABLE faq_suggestions ENABLE ROW LEVEL SECURITY;
ALTER TABLE faq_suggestions FORCE ROW LEVEL SECURITY;
CREATE POLICY faq_suggestions_select ON faq_suggestions FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY faq_suggestions_insert ON faq_suggestions FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY faq_suggestions_update ON faq_suggestions FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY faq_suggestions_delete ON faq_suggestions FOR DELETE USING (tenant_id = app_current_tenant());

ALTER TABLE faq_revisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE faq_revisions FORCE ROW LEVEL SECURITY;
CREATE POLICY faq_revisions_select ON faq_revisions FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY faq_revisions_insert ON faq_revisions FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY faq_revisions_update ON faq_revisions FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY faq_revisions_delete ON faq_revisions FOR DELETE USING (tenant_id = app_current_tenant());

ALTER TABLE faq_tombstones ENABLE ROW LEVEL SECURITY;
ALTER TABLE faq_tombstones FORCE ROW LEVEL SECURITY;
CREATE POLICY faq_tombstones_select ON faq_tombstones FOR SELECT USING (tenant_id = app_current_tenant());
CREATE POLICY faq_tombstones_insert ON faq_tombstones FOR INSERT WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY faq_tombstones_update ON faq_tombstones FOR UPDATE
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY faq_tombstones_delete ON faq_tombstones FOR DELETE USING (tenant_id = app_current_tenant());
