"""A pivot table's every cell, subtotal and total from pandas, against Quire's.

argv: the CSV the dataset was imported from. stdin: JSON {"pivot": the pivot item of a report's
JSON, "rows": [column], "columns": [column], "values": [[column, agg], ...], "bucket": {column:
"quarter"}}. Prints JSON {"checked": cells compared, "margins": grand totals compared against
pandas.pivot_table(margins=True), "mismatches": [...]} (empty when every number agrees).
"""
import json
import math
import sys

import pandas as pd

spec = json.load(sys.stdin)
p = spec["pivot"]
df = pd.read_csv(sys.argv[1])
for col, bucket in spec.get("bucket", {}).items():
    d = pd.to_datetime(df[col])
    period = {"quarter": "Q", "month": "M", "year": "Y"}[bucket]
    df[col] = d.dt.to_period(period).dt.start_time.dt.strftime("%Y-%m-%d")

rows, cols, values = spec["rows"], spec["columns"], spec["values"]
PANDAS = {"sum": "sum", "avg": "mean", "count": "count", "min": "min", "max": "max",
          "count_distinct": "nunique"}


def aggregate(frame, column, agg):
    if len(frame) == 0:
        return None
    return float(frame[column].agg(PANDAS[agg]))


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


mismatches, checked = [], 0
for row in p["rows"]:
    mask = pd.Series(True, index=df.index)
    for field, member in zip(rows, row["members"]):
        mask &= df[field] == member
    for column, got in zip(p["columns"], row["cells"]):
        m = mask.copy()
        for field, member in zip(cols, column["members"]):
            m &= df[field] == member
        name, agg = values[column["value"]]
        want = aggregate(df[m], name, agg)
        checked += 1
        if not close(want, got):
            mismatches.append({"row": row["members"], "column": column["members"],
                               "value": name, "want": want, "got": got})

# The grand totals again, as pandas' own pivot table with margins computes them.
margins = 0
for v, (name, agg) in enumerate(values):
    table = pd.pivot_table(df, index=rows or None, columns=cols or None, values=name,
                           aggfunc=PANDAS[agg], margins=True, margins_name="All")
    total_row = next(r for r in p["rows"] if not r["members"])
    for column, got in zip(p["columns"], total_row["cells"]):
        if column["value"] != v or len(column["members"]) not in (0, len(cols)):
            continue
        key = "All" if not column["members"] else tuple(column["members"]) if len(cols) > 1 \
            else column["members"][0]
        want = float(table.loc[("All",) + ("",) * (len(rows) - 1) if len(rows) > 1 else "All", key])
        margins += 1
        if not close(want, got):
            mismatches.append({"margin": column["members"], "value": name, "want": want,
                               "got": got})

print(json.dumps({"checked": checked, "margins": margins, "mismatches": mismatches[:20]}))
