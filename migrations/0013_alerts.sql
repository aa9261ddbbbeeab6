-- quire: foreign keys off
-- Alerts: a report's value watched on a cron, its state per member, every evaluation kept,
-- and their notifications sent through the same outbox as schedule runs.

CREATE TABLE alerts (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    definition  TEXT NOT NULL,               -- JSON of model::alert::AlertDefinition
    enabled     INTEGER NOT NULL DEFAULT 1,
    next_run_at TEXT,                        -- the next evaluation (none when paused)
    created_by  TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX alerts_due ON alerts (enabled, next_run_at);

-- The state of each member ('' when the alert watches one value).
CREATE TABLE alert_states (
    alert_id    TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    member      TEXT NOT NULL,
    state       TEXT NOT NULL,               -- ok | firing | no_data | error
    value       REAL,
    since       TEXT NOT NULL,
    notified_at TEXT,                        -- the last message about it (firing or resolved)
    told        INTEGER NOT NULL DEFAULT 0,  -- whether a message told of its current state
    PRIMARY KEY (alert_id, member)
);

-- Every evaluation: its trigger, the state it found, and the message it queued (if any),
-- written with its deliveries in one transaction.
CREATE TABLE alert_evaluations (
    id          TEXT PRIMARY KEY,
    alert_id    TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    due_at      TEXT,                        -- the occurrence it evaluates (none: by hand)
    trigger     TEXT NOT NULL,               -- cron | manual
    state       TEXT NOT NULL,
    value       REAL,
    members     TEXT NOT NULL DEFAULT '[]',  -- [{member, state, value}]
    error       TEXT,
    message     TEXT,                        -- JSON of deliver::alert::Notice, when it notified
    created_at  TEXT NOT NULL,
    UNIQUE (alert_id, due_at)
);
CREATE INDEX alert_evaluations_by_alert ON alert_evaluations (alert_id, created_at);

-- The outbox now holds a schedule run's deliveries or an alert evaluation's: exactly one.
CREATE TABLE deliveries_new (
    id              TEXT PRIMARY KEY,
    run_id          TEXT REFERENCES schedule_runs(id) ON DELETE CASCADE,
    evaluation_id   TEXT REFERENCES alert_evaluations(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    address         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    delivered_at    TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (run_id, kind, address),
    UNIQUE (evaluation_id, kind, address),
    CHECK ((run_id IS NULL) <> (evaluation_id IS NULL))
);
INSERT INTO deliveries_new (id, run_id, kind, address, status, attempts, next_attempt_at,
                            last_error, delivered_at, created_at)
    SELECT id, run_id, kind, address, status, attempts, next_attempt_at, last_error,
           delivered_at, created_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
