-- quire: foreign keys off
-- A schedule sends a report or a whole dashboard: report_id becomes optional and dashboard_id
-- is added, exactly one of them set. SQLite cannot drop a NOT NULL, so the table is rebuilt;
-- the migration runs with foreign keys off so that dropping the old table leaves its runs be
-- (a DROP TABLE would otherwise delete them through their ON DELETE CASCADE).

CREATE TABLE schedules_v2 (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    report_id       TEXT REFERENCES reports(id) ON DELETE CASCADE,
    dashboard_id    TEXT REFERENCES dashboards(id) ON DELETE CASCADE,
    cron            TEXT NOT NULL,
    timezone        TEXT NOT NULL DEFAULT 'UTC',
    parameters      TEXT NOT NULL DEFAULT '{}',  -- JSON object of strings (a dashboard's: filter values by filter id)
    recipients      TEXT NOT NULL DEFAULT '[]',  -- JSON array of {type, address}
    export_format   TEXT NOT NULL DEFAULT 'pdf',
    row_limit       INTEGER,
    enabled         INTEGER NOT NULL DEFAULT 1,
    next_run_at     TEXT,                        -- RFC 3339 UTC
    last_run_at     TEXT,
    last_run_status TEXT,
    provisioned     INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK ((report_id IS NULL) <> (dashboard_id IS NULL))
);
INSERT INTO schedules_v2 (id, name, report_id, cron, timezone, parameters, recipients,
    export_format, row_limit, enabled, next_run_at, last_run_at, last_run_status, provisioned,
    created_at, updated_at)
SELECT id, name, report_id, cron, timezone, parameters, recipients, export_format, row_limit,
    enabled, next_run_at, last_run_at, last_run_status, provisioned, created_at, updated_at
FROM schedules;
DROP TABLE schedules;
ALTER TABLE schedules_v2 RENAME TO schedules;
CREATE INDEX schedules_due ON schedules (enabled, next_run_at);
CREATE INDEX schedules_by_dashboard ON schedules (dashboard_id);
