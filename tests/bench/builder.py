#!/usr/bin/env python3
"""Builder preview latency: POST /api/v1/builder/preview on the bench data set (100k rows by
default, made by ../shared/bench/gen_sales.py and imported with `quire import`), 20 "edits"
each for a group-by on one dimension and on two, as the page sends them (each a different
measure or sort, so no two are the same query; the result cache off). Prints median and p95.
With --policy, the same previews also for an editor whose row policy shows one region
(`region = {{user.region}}`), to see what a policy costs. With --join, also a question joining
a products table (made here from the CSV's products: a category and a list cost each) grouped by
category, and a question built on a saved one (revenue by region and month) grouped by region.

    python3 tests/bench/builder.py --quire target/release/quire --rows 100000 [--policy] [--join]
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import access  # noqa: E402

SHARED = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "bench"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def edits(dims):
    """20 specs: the same shape with a different measure, aggregation or order each time."""
    measures = ["revenue", "units", "cost", "unit_price"]
    aggs = ["sum", "avg", "max", "min", "count_distinct"]
    out = []
    for i in range(20):
        m = {"field": measures[i % 4], "agg": aggs[i % 5]}
        spec = {"dataset": "sales", "dimensions": dims, "measures": [m],
                "sort": [{"field": "%s_%s" % (m["agg"], m["field"]), "dir": "desc" if i % 2 else "asc"}]}
        out.append({"builder": spec})
    return out


def joined_edits():
    """20 specs joining products by product, by category: a different measure or order each."""
    measures = [("revenue", "sum"), ("units", "sum"), ("products.list_cost", "avg"), ("cost", "max"),
                ("customer_id", "count_distinct")]
    out = []
    for i in range(20):
        field, agg = measures[i % 5]
        spec = {"dataset": "sales", "joins": [{"dataset": "products", "type": "left",
                                               "on": [{"left": "product", "right": "product"}]}],
                "dimensions": ["products.category"], "measures": [{"field": field, "agg": agg, "as": "m"}],
                "sort": [{"field": "m", "dir": "desc" if i % 2 else "asc"}]}
        out.append({"builder": spec})
    return out


def nested_edits(report):
    """20 specs on the saved question `report` (revenue and orders by region and month)."""
    out = []
    for i in range(20):
        spec = {"source": {"report": report}, "dimensions": ["region"],
                "measures": [{"field": "revenue" if i % 2 else "orders", "agg": ["sum", "max", "avg", "min"][i % 4],
                              "as": "m"}],
                "filters": [{"field": "revenue", "op": "gt", "value": 100 * i}]}
        out.append({"builder": spec})
    return out


def products(csv, out):
    """The products of the sales CSV with a category and a list cost each (deterministic)."""
    import csv as csvmod
    seen = {}
    with open(csv, newline="") as f:
        for row in csvmod.DictReader(f):
            seen.setdefault(row["product"], float(row["unit_price"]))
    cats = ["Hardware", "Software", "Services", "Supplies", "Training", "Spares"]
    with open(out, "w", newline="") as f:
        w = csvmod.writer(f)
        w.writerow(["product", "category", "list_cost"])
        for i, (name, price) in enumerate(sorted(seen.items())):
            w.writerow([name, cats[i % len(cats)], "%.2f" % (price * 0.6)])


def limited(quire, data, base, get):
    """An editor in a group whose row policy shows `region = {{user.region}}`, North: their opener."""
    email = "north@example.com"
    subprocess.run([quire, "users", "add", email, "--role", "editor", "--data-dir", data],
                   input="bench password 123\n", text=True, capture_output=True)
    out = subprocess.run([quire, "tokens", "create", email, "--name", "bench", "--data-dir", data],
                         capture_output=True, text=True, check=True)
    ask = access.opener(out.stdout.strip().splitlines()[-1])
    js = {"Content-Type": "application/json"}
    group = json.loads(get(base + "/api/v1/groups", json.dumps({"name": "North"}).encode(), js))
    users = json.loads(get(base + "/api/v1/users"))
    uid = [u["id"] for u in users if u["email"] == email][0]
    get(base + "/api/v1/groups/%s/members/%s" % (group["id"], uid), b"", js)
    patch = urllib.request.Request(base + "/api/v1/users/" + uid, method="PATCH",
                                   data=json.dumps({"attributes": {"region": "North"}}).encode(),
                                   headers=dict(js, Authorization="Bearer " + access.token(quire, data)))
    urllib.request.urlopen(patch).read()
    policy = {"dataset": "sales", "groupId": group["id"],
              "filter": {"field": "region", "op": "eq", "value": "{{user.region}}"}}
    get(base + "/api/v1/row-policies", json.dumps(policy).encode(), js)
    return ask


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quire", default="target/release/quire")
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--policy", action="store_true", help="also as an editor limited by a row policy")
    ap.add_argument("--join", action="store_true", help="also a joined question and one on a saved question")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="quire-builder-")
    csv = os.path.join(tmp, "sales.csv")
    subprocess.run([sys.executable, os.path.join(SHARED, "gen_sales.py"), str(args.rows), csv], check=True,
                   stdout=subprocess.DEVNULL)
    data = os.path.join(tmp, "data")
    subprocess.run([args.quire, "import", csv, "--dataset", "sales", "--data-dir", data], check=True,
                   capture_output=True)
    if args.join:
        products(csv, os.path.join(tmp, "products.csv"))
        subprocess.run([args.quire, "import", os.path.join(tmp, "products.csv"), "--dataset", "products",
                        "--data-dir", data], check=True, capture_output=True)
    get = access.opener(access.token(args.quire, data))
    port = free_port()
    env = dict(os.environ, QUIRE_SERVER__BIND="127.0.0.1:%d" % port, QUIRE_LIMITS__CACHE_MB="0")
    p = subprocess.Popen([args.quire, "serve", "--data-dir", data], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = "http://127.0.0.1:%d" % port
        for _ in range(600):
            try:
                get(base + "/healthz")
                break
            except Exception:
                time.sleep(0.05)
        readers = [("admin", get)]
        if args.policy:
            readers.append(("row policy", limited(args.quire, data, base, get)))
        shapes = [("region", edits(["region"])),
                  ("region × month", edits(["region", {"field": "order_date", "bucket": "month"}]))]
        if args.join:
            js = {"Content-Type": "application/json"}
            monthly = {"name": "Monthly", "builder": {"dataset": "sales",
                       "dimensions": ["region", {"field": "order_date", "bucket": "month"}],
                       "measures": [{"field": "revenue", "agg": "sum", "as": "revenue"},
                                    {"field": "*", "agg": "count", "as": "orders"}]},
                       "visualizations": [{"id": "rows", "type": "table", "title": "Rows"}]}
            report = json.loads(get(base + "/api/v1/reports", json.dumps(monthly).encode(), js))["id"]
            shapes += [("category (sales ⋈ products)", joined_edits()),
                       ("region, on a saved question (region × month)", nested_edits(report))]
        print("| reader | group by | edits | median (ms) | p95 (ms) | rows |")
        print("|---|---|---:|---:|---:|---:|")
        for who, ask in readers:
            for label, bodies in shapes:
                times, rows = [], 0
                ask(base + "/api/v1/builder/preview", json.dumps(bodies[0]).encode(),
                    {"Content-Type": "application/json"})  # warm-up
                for body in bodies:
                    t = time.perf_counter()
                    out = json.loads(ask(base + "/api/v1/builder/preview", json.dumps(body).encode(),
                                         {"Content-Type": "application/json"}))
                    times.append((time.perf_counter() - t) * 1000)
                    rows = out["totalRows"]
                times.sort()
                p95 = times[int(round(0.95 * (len(times) - 1)))]
                print("| %s | %s | %d | %.1f | %.1f | %d |" % (who, label, len(times), statistics.median(times), p95, rows))
    finally:
        p.terminate()
        p.wait()


if __name__ == "__main__":
    main()
