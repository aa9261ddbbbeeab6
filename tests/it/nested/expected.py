"""The expected answer of the nested question in tests/it/nested.rs, by pandas on the demo CSV:
the inner question (revenue and orders by region and month, one channel), then the outer one over
its rows (months above a revenue, by region: their revenue summed, their most orders).

    python3 expected.py CSV CHANNEL MIN_REVENUE  ->  {"<region>": [revenue, most_orders], ...}
"""
import json
import sys

import pandas as pd

csv, channel, least = sys.argv[1], sys.argv[2], float(sys.argv[3])
d = pd.read_csv(csv)
d = d[d["channel"] == channel].copy()
d["month"] = d["order_date"].str.slice(0, 7) + "-01"
inner = d.groupby(["region", "month"]).agg(revenue=("revenue", "sum"), orders=("order_id", "count")).reset_index()
inner = inner[inner["revenue"] > least]
outer = inner.groupby("region").agg(total=("revenue", "sum"), most=("orders", "max"))
print(json.dumps({r: [float(t), int(m)] for r, (t, m) in outer.iterrows()}))
