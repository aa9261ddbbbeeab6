-- A join the builder remembers for a pair of tables of one source: the rows it keeps (inner or
-- left) and its keys as JSON [{left, right}], offered first the next time the one is joined to
-- the other.
CREATE TABLE relationships (
    source TEXT NOT NULL,
    left_table TEXT NOT NULL,
    right_table TEXT NOT NULL,
    kind TEXT NOT NULL,
    keys TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (source, left_table, right_table)
);
