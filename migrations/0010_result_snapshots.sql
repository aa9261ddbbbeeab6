-- What a result's public JSON leaves out (a table's typed rows, a chart's numbers, a KPI's
-- number): with it, a result renders to the same files later, without running its report
-- again. Results stored before it have none and cannot be exported.
ALTER TABLE results ADD COLUMN extra TEXT;
