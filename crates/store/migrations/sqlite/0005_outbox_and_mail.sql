-- The background-work outbox gets its worker, and accounts get e-mailed links. Kept in step
-- with ../postgres/0005_outbox_and_mail.sql.

-- A job that ran out of attempts stays in the table, failed, with its last error (which never
-- holds personal data), so an operator can see what was not done.
ALTER TABLE jobs ADD COLUMN failed_at TEXT;

-- Links e-mailed to the holder of an account: an invitation to choose a first password, or a
-- password reset. Only the SHA-256 digest of the link's token is kept for checking it. The
-- token itself is kept sealed (encrypted with the secrets key) only until the e-mail carrying
-- it has been sent, so the worker can send it; then it is blanked.
CREATE TABLE account_links (
    id             BLOB PRIMARY KEY,
    user_id        BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose        TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    token_hash     TEXT NOT NULL UNIQUE,
    sealed_token   TEXT,
    created_by     BLOB REFERENCES users (id),
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    sent_at        TEXT,
    send_failed_at TEXT,
    used_at        TEXT,
    superseded_at  TEXT
);
CREATE INDEX account_links_user ON account_links (user_id, purpose, created_at);
