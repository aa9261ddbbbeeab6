-- One report or dashboard shared with a user or a group: view or edit, whatever its collection
-- says, until it expires (NULL: never).

CREATE TABLE object_shares (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,                -- report | dashboard
    object_id  TEXT NOT NULL,
    user_id    TEXT REFERENCES users(id) ON DELETE CASCADE,
    group_id   TEXT REFERENCES groups(id) ON DELETE CASCADE,
    access     TEXT NOT NULL,                -- view | edit
    expires_at TEXT,
    created_by TEXT,
    created_at TEXT NOT NULL,
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX object_shares_by_object ON object_shares (kind, object_id);
