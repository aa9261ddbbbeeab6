#!/usr/bin/env python3
"""A six-widget dashboard on the 100k-row bench data set (issue 13): time to first paint and to
every widget loaded in a real browser, and the dashboard PDF's time and size.

The file (../shared/bench/gen_sales.py, made if missing) is imported as `sales` into a fresh
data folder; a fresh `quire serve` with the reference reports (tests/bench/reference.toml) and
its result cache off (every load runs every widget's queries) gets, through the API, a dashboard
of the "Sales Report": two KPIs (revenue, orders), the daily revenue line, the top products
bars, the region donut and the orders table, under a 90-day period filter. Then
tests/bench/dashboard.mjs (playwright-core, /usr/bin/chromium) loads the page --reps times after
one warm-up, and the PDF and XLSX exports are each downloaded once to warm up and --reps times
timed. Medians; the server's peak RSS over the whole run.

    python3 tests/bench/dashboard.py --quire target/release/quire --rows 100000
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import access  # noqa: E402
from report import free_port  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "bench"))
CONFIG = os.path.join(HERE, "reference.toml")
WIDGETS = [  # id, x, y, w, h
    ("revenue", 0, 0, 3, 2),
    ("orders_count", 3, 0, 3, 2),
    ("daily_revenue", 6, 0, 6, 5),
    ("top_products", 0, 2, 6, 5),
    ("region_share", 6, 5, 6, 5),
    ("orders", 0, 10, 12, 8),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quire", default="target/release/quire")
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "bench-data"))
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    src = os.path.join(args.data, "sales_%d.csv" % args.rows)
    if not os.path.exists(src):
        os.makedirs(args.data, exist_ok=True)
        subprocess.run([sys.executable, os.path.join(SHARED, "gen_sales.py"), str(args.rows), src], check=True)
    data_dir = tempfile.mkdtemp(prefix="quire-dash-bench-")
    p = None
    try:
        subprocess.run([args.quire, "import", src, "--dataset", "sales", "--data-dir", data_dir,
                        "--config", CONFIG], check=True, stdout=subprocess.DEVNULL)
        tok = access.token(args.quire, data_dir, CONFIG)
        get = access.opener(tok)
        port = free_port()
        env = dict(os.environ, QUIRE_SERVER__BIND="127.0.0.1:%d" % port, QUIRE_LIMITS__CACHE_MB="0")
        p = subprocess.Popen([args.quire, "serve", "--config", CONFIG, "--data-dir", data_dir],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = "http://127.0.0.1:%d" % port
        for _ in range(600):
            try:
                get(base + "/healthz")
                break
            except Exception:
                time.sleep(0.05)
        reports = json.loads(get(base + "/api/v1/reports"))
        rid = next(r["id"] for r in reports if r["name"] == "Sales Report")
        widgets = [{"id": w, "reportId": rid, "visualizationId": w, "x": x, "y": y, "w": ww, "h": h}
                   for (w, x, y, ww, h) in WIDGETS]
        body = {"name": "Bench six widgets", "widgets": widgets,
                "filters": [{"id": "period", "label": "Period", "type": "date_range", "default": "last_90_days",
                             "targets": [{"widgetId": w[0], "parameter": "days"} for w in WIDGETS]}]}
        made = json.loads(get(base + "/api/v1/dashboards", data=json.dumps(body).encode(),
                              headers={"Content-Type": "application/json"}))
        did = made["id"]

        node = subprocess.run(["node", os.path.join(HERE, "dashboard.mjs"), base, did, access.EMAIL,
                               "bench password 123", str(args.reps)],
                              capture_output=True, text=True, check=True)
        browser = json.loads(node.stdout.strip().splitlines()[-1])
        runs = browser["runs"]
        assert all(r["widgets"] == 6 and r["swaps"] >= 6 and r["failed"] == 0 for r in runs), runs
        assert not browser["errors"], browser["errors"]

        def export(fmt):
            url = "%s/api/v1/dashboards/%s/export?format=%s" % (base, did, fmt)
            body = get(url)  # warm-up: fonts, query plans, page cache
            times = []
            for _ in range(args.reps):
                t = time.perf_counter()
                body = get(url)
                times.append(time.perf_counter() - t)
            return statistics.median(times), body

        pdf_s, pdf = export("pdf")
        xlsx_s, xlsx = export("xlsx")
        with open("/proc/%d/status" % p.pid) as f:
            hwm = int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) / 1024.0
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))

        def med(k):
            # Chromium now and then reports no paint entry for a load: the others' median.
            seen = [r[k] for r in runs if r[k] is not None]
            return statistics.median(seen) if seen else float("nan")

        out = {
            "rows": args.rows,
            "reps": args.reps,
            "html_ms": round(med("htmlMs"), 1),
            "first_paint_ms": round(med("firstPaintMs"), 1),
            "first_contentful_paint_ms": round(med("fcpMs"), 1),
            "all_widgets_ms": round(med("allWidgetsMs"), 1),
            "all_widgets_ms_runs": [round(r["allWidgetsMs"]) for r in runs],
            "pdf_s": round(pdf_s, 3),
            "pdf_bytes": len(pdf),
            "pdf_pages": pages,
            "xlsx_s": round(xlsx_s, 3),
            "xlsx_bytes": len(xlsx),
            "server_peak_rss_mb": round(hwm),
        }
        print(json.dumps(out))
    finally:
        if p:
            p.terminate()
            p.wait()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
