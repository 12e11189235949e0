-- Cached model answers expire: the server deletes those older than
-- MORNINGAI_MODEL_CACHE_DAYS.
CREATE INDEX model_cache_created ON model_cache (created_at_ms);
