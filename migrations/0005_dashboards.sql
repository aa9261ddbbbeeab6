-- Dashboards become documents of their own: widgets from any report on a grid, filters. The
-- old rows (one report, a list of visualization ids) are kept in the short form, which Quire
-- reads and lays out.

CREATE TABLE dashboards_v2 (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    definition  TEXT NOT NULL,                 -- DashboardDefinition as JSON
    is_default  INTEGER NOT NULL DEFAULT 0,
    provisioned INTEGER NOT NULL DEFAULT 0,    -- 1 = from reports.toml or the demo, unedited
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

INSERT INTO dashboards_v2 (id, name, definition, provisioned, created_at, updated_at)
SELECT id, name,
       json_object('name', name, 'reportId', report_id, 'widgets', json(widgets)),
       provisioned, created_at, updated_at
FROM dashboards;

DROP TABLE dashboards;
ALTER TABLE dashboards_v2 RENAME TO dashboards;
