-- Users are global identities, so the application could change or delete
-- anyone's account (e-mail, password hash) from any tenant's request. Reads
-- (log-in by e-mail, member lists) and sign-up stay open; a change or a
-- deletion is allowed only to the user itself (`app.user_id`).
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_select ON users FOR SELECT USING (true);
CREATE POLICY users_insert ON users FOR INSERT WITH CHECK (true);
CREATE POLICY users_update ON users FOR UPDATE
    USING (id = app_current_user()) WITH CHECK (id = app_current_user());
CREATE POLICY users_delete ON users FOR DELETE USING (id = app_current_user());
