-- Quire's own state. Datasets live in a separate file (datasets.db).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE reports (
    id          TEXT PRIMARY KEY,           -- UUID
    name        TEXT NOT NULL UNIQUE,
    definition  TEXT NOT NULL,              -- ReportDefinition as JSON
    provisioned INTEGER NOT NULL DEFAULT 0, -- 1 = from reports.toml or the demo
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE dashboards (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    report_id   TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    widgets     TEXT NOT NULL DEFAULT '[]', -- visualization ids, JSON array
    provisioned INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE schedules (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    report_id       TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    cron            TEXT NOT NULL,
    timezone        TEXT NOT NULL DEFAULT 'UTC',
    parameters      TEXT NOT NULL DEFAULT '{}',  -- JSON object of strings
    recipients      TEXT NOT NULL DEFAULT '[]',  -- JSON array of {type, address}
    export_format   TEXT NOT NULL DEFAULT 'pdf',
    row_limit       INTEGER,
    enabled         INTEGER NOT NULL DEFAULT 1,
    next_run_at     TEXT,                        -- RFC 3339 UTC
    last_run_at     TEXT,
    last_run_status TEXT,
    provisioned     INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- One row per execution. (schedule_id, scheduled_for) is the idempotency key of a cron
-- occurrence: an occurrence can be claimed once only. Manual runs have no scheduled_for.
CREATE TABLE schedule_runs (
    id            TEXT PRIMARY KEY,
    schedule_id   TEXT NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
    scheduled_for TEXT,
    trigger       TEXT NOT NULL,                 -- cron | catchup | manual
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    status        TEXT NOT NULL,                 -- running | succeeded | failed
    error         TEXT,
    delivered     INTEGER NOT NULL DEFAULT 0,    -- recipients reached
    UNIQUE (schedule_id, scheduled_for)
);
CREATE INDEX schedule_runs_by_schedule ON schedule_runs (schedule_id, started_at);

CREATE TABLE datasets (
    name        TEXT PRIMARY KEY,
    table_name  TEXT NOT NULL,
    source      TEXT NOT NULL,   -- file name it came from
    source_hash TEXT NOT NULL,   -- sha256 of the file, to skip unchanged provisioned files
    row_count   INTEGER NOT NULL,
    columns     TEXT NOT NULL,   -- JSON [{name, original, type}]
    imported_at TEXT NOT NULL
);
