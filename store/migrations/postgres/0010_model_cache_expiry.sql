-- Cached model answers expire: the server deletes those older than
-- MORNINGAI_MODEL_CACHE_DAYS for every tenant at once, as the system (a
-- DELETE with a WHERE clause needs to see the rows as well).
CREATE POLICY model_cache_system_select ON model_cache FOR SELECT USING (app_is_system());
CREATE POLICY model_cache_system_delete ON model_cache FOR DELETE USING (app_is_system());
CREATE INDEX model_cache_created ON model_cache (created_at_ms);
