-- Share links: a dashboard or report shown read-only to whoever has the link, its parameters
-- locked. The token is stored as its keyed hash only.

CREATE TABLE shares (
    id           TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,              -- dashboard | report
    target_id    TEXT NOT NULL,
    parameters   TEXT NOT NULL DEFAULT '{}', -- JSON object of strings, locked
    embed        INTEGER NOT NULL DEFAULT 0,
    created_by   TEXT,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    revoked_at   TEXT,
    last_used_at TEXT
);
