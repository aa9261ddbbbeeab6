-- Who made an export: the person who downloaded or generated it (their email as it was then).
-- A schedule's exports leave it empty: the run that made them (schedule_runs.export_id) names
-- the schedule, found through the index below.
ALTER TABLE exports ADD COLUMN made_by TEXT;
CREATE INDEX schedule_runs_by_export ON schedule_runs (export_id);
