-- Report generation: a job per request (queued → processing → completed | failed) and the
-- result it produced, kept so it can be read and exported later.

CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    report_id   TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    parameters  TEXT NOT NULL DEFAULT '{}',  -- JSON object of strings, as given
    today       TEXT NOT NULL,               -- the date date expressions are relative to
    status      TEXT NOT NULL,               -- queued | processing | completed | failed
    progress    INTEGER NOT NULL DEFAULT 0,  -- 0..100
    error       TEXT,
    result_id   TEXT,
    created_at  TEXT NOT NULL,
    started_at  TEXT,
    finished_at TEXT
);
CREATE INDEX jobs_by_status ON jobs (status, created_at);

CREATE TABLE results (
    id         TEXT PRIMARY KEY,
    job_id     TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    report_id  TEXT NOT NULL,
    output     TEXT NOT NULL,                -- the result as the API shows it (JSON)
    created_at TEXT NOT NULL
);

-- What an export was made from, so a failed or expired one can be made again, and why it
-- failed. JSON {params, today, rowLimit}.
ALTER TABLE exports ADD COLUMN request TEXT;
ALTER TABLE exports ADD COLUMN error TEXT;
