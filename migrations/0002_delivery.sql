-- Delivery: the file each run produced, an outbox of deliveries written before sending,
-- and what the messages say, kept so a retry after a restart sends the same thing.

CREATE TABLE exports (
    id          TEXT PRIMARY KEY,            -- UUID; the file is exports/<id>.<format>
    report_id   TEXT NOT NULL,
    report_name TEXT NOT NULL,
    format      TEXT NOT NULL,               -- pdf | xlsx | csv | json
    file_name   TEXT NOT NULL,               -- the name a download gets
    size        INTEGER NOT NULL,
    rows        INTEGER NOT NULL,            -- table rows in the file
    status      TEXT NOT NULL,               -- completed | expired
    duration_ms INTEGER NOT NULL,
    parameters  TEXT NOT NULL DEFAULT '[]',  -- [[name, value], ...] as shown
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX exports_by_expiry ON exports (status, expires_at);

ALTER TABLE schedule_runs ADD COLUMN export_id TEXT REFERENCES exports(id) ON DELETE SET NULL;
-- JSON of deliver::Summary: the KPI lines every message quotes.
ALTER TABLE schedule_runs ADD COLUMN summary TEXT;
-- The report's main chart as PNG, for the email body (mail clients block SVG).
ALTER TABLE schedule_runs ADD COLUMN chart_png BLOB;

-- The outbox: one row per recipient of a run, written in the transaction that records the
-- export. A row is sent, retried with backoff, or given up with its error; never dropped.
CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    run_id          TEXT NOT NULL REFERENCES schedule_runs(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,           -- email | slack | teams | webhook
    address         TEXT NOT NULL,
    status          TEXT NOT NULL,           -- pending | delivered | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- When it may next be tried; an attempt in progress pushes it forward (a lease), so a
    -- crash mid-attempt is retried once the lease runs out, and no two workers send it.
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    delivered_at    TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (run_id, kind, address)
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX schedules_due ON schedules (enabled, next_run_at);
