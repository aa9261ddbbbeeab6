-- Every save of a report, a dashboard or a schedule is a version: its definition as JSON, who
-- saved it, when, an optional note, and a name a person may give it later. Versions are numbered
-- from 1 per object and never rewritten (a restore is a new version).
CREATE TABLE versions (
    kind TEXT NOT NULL CHECK (kind IN ('report', 'dashboard', 'schedule')),
    object_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    at TEXT NOT NULL,
    by TEXT,
    note TEXT,
    name TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, object_id, version)
);

-- What is there already is each object's first version.
INSERT INTO versions (kind, object_id, version, at, by, note, body)
    SELECT 'report', id, 1, updated_at, NULL, NULL, definition FROM reports;
INSERT INTO versions (kind, object_id, version, at, by, note, body)
    SELECT 'dashboard', id, 1, updated_at, NULL, NULL, definition FROM dashboards;

-- A deleted report or dashboard, restorable for 30 days (its versions stay beside it).
CREATE TABLE trash (
    kind TEXT NOT NULL CHECK (kind IN ('report', 'dashboard')),
    object_id TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    deleted_at TEXT NOT NULL,
    deleted_by TEXT,
    PRIMARY KEY (kind, object_id)
);

-- Which local object a bundle's object became (by the id it had where it was exported), so a
-- second import of the same bundle updates those objects instead of making copies.
CREATE TABLE bundle_links (
    kind TEXT NOT NULL CHECK (kind IN ('report', 'dashboard', 'schedule')),
    origin TEXT NOT NULL,
    local_id TEXT NOT NULL,
    PRIMARY KEY (kind, origin)
);
