-- Accounts: users, server-side sessions, API tokens, one-time links (invites, password resets)
-- and the audit log. Session ids and tokens are stored as keyed hashes, never as themselves.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,             -- UUID
    email         TEXT NOT NULL UNIQUE,         -- lowercased
    role          TEXT NOT NULL,                -- viewer | editor | admin
    password_hash TEXT,                         -- argon2id PHC string; NULL until an invite is used
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    last_login_at TEXT
);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,                 -- the absolute end; idle expiry is from last_seen_at
    ip           TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,                 -- at most the owner's
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

CREATE TABLE one_time_links (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,                   -- invite | reset
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     TEXT NOT NULL,
    actor  TEXT,                                -- email, `token:<name>`, `cli` or NULL (anonymous)
    action TEXT NOT NULL,                       -- e.g. login.ok, report.update
    target TEXT,
    ip     TEXT,
    detail TEXT
);
CREATE INDEX audit_log_by_at ON audit_log (at);
CREATE INDEX audit_log_by_actor ON audit_log (actor, at);
