-- What a dataset's column is called for people and how its values are shown (the dataset
-- page's "Names and formats"): a ColumnMeta as JSON, {label?, format?}. Kept across imports
-- of the same dataset; forgotten with it.
CREATE TABLE dataset_columns (
    dataset TEXT NOT NULL,
    name TEXT NOT NULL,
    meta TEXT NOT NULL,
    PRIMARY KEY (dataset, name)
);
