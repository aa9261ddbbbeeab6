-- Who sees which rows: groups of users, a user's attributes, and row policies on the main
-- store's datasets. A dataset with any policy shows a non-admin only the rows the policies of
-- their groups allow, and none when no policy applies (model::access).

CREATE TABLE groups (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at TEXT NOT NULL
);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_at TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (user_id);

CREATE TABLE user_attributes (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE row_policies (
    id         TEXT PRIMARY KEY,
    dataset    TEXT NOT NULL,                -- a main-store dataset's name (it may not exist yet)
    group_id   TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    filter     TEXT NOT NULL,                -- JSON {field, op, value}; value may quote {{user.<key>}}
    created_by TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX row_policies_by_dataset ON row_policies (dataset);

-- Work done later on someone's behalf sees what they see: a schedule runs as the person who
-- last saved it (`owner`, an email; NULL: reports.toml, the CLI, or saved before owners were
-- kept: every row); a job and a share link keep the sight of the person who asked, frozen
-- (JSON of model::access::Sight; NULL: made before row policies existed: every row).
ALTER TABLE schedules ADD COLUMN owner TEXT;
ALTER TABLE jobs ADD COLUMN sight TEXT;
ALTER TABLE jobs ADD COLUMN requested_by TEXT;
ALTER TABLE shares ADD COLUMN sight TEXT;
