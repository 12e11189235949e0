-- The FAQ knowledge base: categories (a tree), FAQs with a version per edit,
-- feedback, the query log, suggested FAQs, and the per-tenant revision
-- counter (with tombstones) the search indexes sync from.
-- No row-level security here: every query adds `tenant_id = ?`.
--
-- Timestamps are written as fixed-width UTC text (microseconds, `Z`) so that
-- comparing and ordering them as text is comparing and ordering times.
-- Foreign keys that must stop a deletion use NO ACTION (checked at the end of
-- the statement), not RESTRICT: deleting a tenant removes a category and the
-- FAQs in it in one statement. `(tenant_id, …)` keys keep references inside
-- one tenant.

CREATE TABLE faq_categories (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    parent_id  BLOB,
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    position   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES faq_categories (tenant_id, id)
);
-- Names are unique among siblings; top-level categories (no parent) too.
CREATE UNIQUE INDEX faq_categories_name
    ON faq_categories (tenant_id, COALESCE(parent_id, X''), name);
CREATE INDEX faq_categories_parent ON faq_categories (tenant_id, parent_id);

CREATE TABLE faqs (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    question        TEXT NOT NULL CHECK (length(question) BETWEEN 1 AND 1000),
    answer          TEXT NOT NULL CHECK (length(answer) BETWEEN 1 AND 20000),
    category_id     BLOB,
    tags            TEXT NOT NULL DEFAULT '[]' CHECK (json_type(tags) = 'array'),
    language        TEXT NOT NULL CHECK (length(language) BETWEEN 1 AND 35),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    source          TEXT NOT NULL CHECK (source IN ('manual', 'imported', 'generated', 'suggested')),
    origin          TEXT,
    external_id     TEXT CHECK (length(external_id) BETWEEN 1 AND 200),
    views           INTEGER NOT NULL DEFAULT 0,
    helpful         INTEGER NOT NULL DEFAULT 0,
    not_helpful     INTEGER NOT NULL DEFAULT 0,
    answer_hits     INTEGER NOT NULL DEFAULT 0,
    version         INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    revision        INTEGER NOT NULL,
    embedding       BLOB,
    embedding_model TEXT,
    created_by      BLOB REFERENCES users (id) ON DELETE SET NULL,
    updated_by      BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, external_id),
    FOREIGN KEY (tenant_id, category_id) REFERENCES faq_categories (tenant_id, id)
);
CREATE INDEX faqs_tenant_updated ON faqs (tenant_id, updated_at DESC, id DESC);
CREATE INDEX faqs_tenant_revision ON faqs (tenant_id, revision);
CREATE INDEX faqs_category ON faqs (tenant_id, category_id);
CREATE INDEX faqs_created_by ON faqs (created_by);
CREATE INDEX faqs_updated_by ON faqs (updated_by);

-- What a FAQ said at each version; the API diffs them.
CREATE TABLE faq_versions (
    faq_id      BLOB NOT NULL,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL CHECK (version >= 1),
    question    TEXT NOT NULL,
    answer      TEXT NOT NULL,
    -- A snapshot: no foreign key, the category may be gone since.
    category_id BLOB,
    tags        TEXT NOT NULL,
    language    TEXT NOT NULL,
    status      TEXT NOT NULL,
    edited_by   BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (faq_id, version),
    FOREIGN KEY (tenant_id, faq_id) REFERENCES faqs (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX faq_versions_tenant ON faq_versions (tenant_id, faq_id);
CREATE INDEX faq_versions_edited_by ON faq_versions (edited_by);

-- The questions asked (the query log); `query_key` groups the same question
-- asked differently.
CREATE TABLE faq_queries (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    query      TEXT NOT NULL CHECK (length(query) <= 2000),
    query_key  TEXT NOT NULL,
    language   TEXT,
    channel    TEXT NOT NULL CHECK (length(channel) BETWEEN 1 AND 50),
    top_faq_id BLOB REFERENCES faqs (id) ON DELETE SET NULL,
    top_score  REAL,
    answered   INTEGER NOT NULL CHECK (answered IN (0, 1)),
    feedback   INTEGER CHECK (feedback IN (-1, 1)),
    created_at TEXT NOT NULL
);
CREATE INDEX faq_queries_tenant_created ON faq_queries (tenant_id, created_at);
CREATE INDEX faq_queries_top_faq ON faq_queries (top_faq_id);

CREATE TABLE faq_feedback (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    faq_id     BLOB NOT NULL,
    query_id   BLOB REFERENCES faq_queries (id) ON DELETE SET NULL,
    -- None for anonymous (public) feedback.
    user_id    BLOB REFERENCES users (id) ON DELETE SET NULL,
    helpful    INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    comment    TEXT CHECK (length(comment) <= 2000),
    created_at TEXT NOT NULL,
    FOREIGN KEY (tenant_id, faq_id) REFERENCES faqs (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX faq_feedback_faq ON faq_feedback (tenant_id, faq_id);
CREATE INDEX faq_feedback_tenant_created ON faq_feedback (tenant_id, created_at);
CREATE INDEX faq_feedback_query ON faq_feedback (query_id);
CREATE INDEX faq_feedback_user ON faq_feedback (user_id);

-- FAQs suggested from clusters of unanswered questions.
CREATE TABLE faq_suggestions (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    query      TEXT NOT NULL CHECK (length(query) BETWEEN 1 AND 2000),
    examples   TEXT NOT NULL DEFAULT '[]' CHECK (json_type(examples) = 'array'),
    count      INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0),
    status     TEXT NOT NULL CHECK (status IN ('open', 'approved', 'dismissed')),
    -- No foreign key: the task may be purged while the suggestion stays.
    task_id    BLOB,
    centroid   BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX faq_suggestions_tenant_status ON faq_suggestions (tenant_id, status, count DESC);

-- The tenant's FAQ revision: every change to a FAQ's searchable content,
-- status or embedding takes the next one, in its transaction.
CREATE TABLE faq_revisions (
    tenant_id BLOB PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    revision  INTEGER NOT NULL CHECK (revision >= 0)
);

-- Deleted FAQs, with the revision of their deletion.
CREATE TABLE faq_tombstones (
    tenant_id BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    faq_id    BLOB NOT NULL,
    revision  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, faq_id)
);
CREATE INDEX faq_tombstones_revision ON faq_tombstones (tenant_id, revision);
