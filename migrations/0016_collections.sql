-- Collections: folders of reports and dashboards (a definition's `collectionId`), nested, each
-- with what each group may do in it (none | view | edit). A collection without permissions of
-- its own takes its parent's; the root and a collection under no permission are everyone's.
-- A personal collection (`owner` set) is its owner's and the admins'.

CREATE TABLE collections (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    parent_id  TEXT REFERENCES collections(id) ON DELETE CASCADE,
    owner      TEXT REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX collections_by_parent ON collections (parent_id);
CREATE UNIQUE INDEX collections_personal ON collections (owner) WHERE owner IS NOT NULL;

CREATE TABLE collection_permissions (
    collection_id TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    group_id      TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    access        TEXT NOT NULL,              -- none | view | edit
    PRIMARY KEY (collection_id, group_id)
);
