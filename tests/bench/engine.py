#!/usr/bin/env python3
"""The columnar engine against SQLite (issue 30, "Figures to reach"), on the bench data set of
each --rows (../shared/bench/gen_sales.py; a CSV already in --data is reused), same run:

1. `quire import` of the CSV, timed (wall, and peak RSS by /usr/bin/time -v when there is one),
   with the engine (the Parquet copy written) and without it (QUIRE_LIMITS__ENGINE_MEMORY_MB=0,
   into a second data folder); with the `duckdb` Python module, DuckDB's own load of the same
   CSV (`CREATE TABLE t AS SELECT * FROM read_csv_auto(...)`, in memory, 2 threads) for scale.
2. A `quire serve` (result cache off) answers the four builder questions of
   tests/bench/engines/queries.txt through POST /api/v1/builder/preview, one warm-up and --reps
   timed each: median and p95 end to end. Then the same with the engine off (a second server on
   the same data folder, its query time limit raised to 600 s), --off-reps each: the "before"
   figures. `/metrics` tells which engine ran each question's queries.
3. The sqlite3 shell on <data>/datasets.db runs the SQL each preview reported with the engine
   off (`.timer on`, real time, median of 3); the ratio is shell / engine p95.
4. A dashboard of 8 builder widgets on the data set (made through the API): "all widgets
   loaded" = the wall time of fetching its widget fragments (the page's `hx-get` URLs), 6 at a
   time as a browser does, cache off; one warm-up, median of --dash-reps, on both servers (a
   widget showing an error, or answered with one, counts as failed).
5. The engine server's RSS (/proc/PID/status VmRSS every 50 ms) while 20 previews run at once
   (the four questions round robin), 3 rounds: the peak, and 5 s after; the answers by status
   (a 503 is the server shedding load) and whether the server is still up.
6. A markdown table per row count, and one JSON line of everything. A binary from before the
   engine (no `[limits] engine_memory_mb`) is run as both sides, and the table says so.

    python3 tests/bench/engine.py --quire target/release/quire --rows 1000000,5000000 --reps 20 --data ../bench-data
"""
import argparse
import concurrent.futures
import html
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import access  # noqa: E402

try:
    import duckdb  # optional: DuckDB's own CSV load for scale
except ImportError:
    duckdb = None

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "bench"))
ENGINE_OFF = {"QUIRE_LIMITS__ENGINE_MEMORY_MB": "0"}
# The SQLite side's questions take longer than the default 10 s limit from a few million rows.
SLOW_OK = {"QUIRE_LIMITS__QUERY_TIMEOUT_MS": "600000"}

# The four aggregates of tests/bench/engines/queries.txt as builder specs.
REVENUE = {"field": "revenue", "agg": "sum", "as": "revenue"}
QUESTIONS = [
    ("region", {"dataset": "sales", "dimensions": ["region"], "measures": [REVENUE]}),
    ("month × region", {"dataset": "sales",
                        "dimensions": [{"field": "order_date", "bucket": "month"}, "region"],
                        "measures": [REVENUE, {"field": "*", "agg": "count", "as": "orders"}]}),
    ("distinct customers", {"dataset": "sales", "dimensions": [],
                            "measures": [{"field": "customer_id", "agg": "count_distinct", "as": "customers"}]}),
    ("top 10 products", {"dataset": "sales", "dimensions": ["product"], "measures": [REVENUE],
                         "sort": [{"field": "revenue", "dir": "desc"}], "limit": 10}),
]

# The dashboard: 8 builder widgets, (id, type, spec, dataMapping, x, y, w, h).
WIDGETS = [
    ("kpi_revenue", "kpi", {"dimensions": [], "measures": [REVENUE]}, {"value": "revenue"}, 0, 0, 4, 2),
    ("kpi_orders", "kpi", {"dimensions": [], "measures": [{"field": "*", "agg": "count", "as": "orders"}]},
     {"value": "orders"}, 4, 0, 4, 2),
    ("kpi_customers", "kpi", QUESTIONS[2][1], {"value": "customers"}, 8, 0, 4, 2),
    ("by_region", "bar", QUESTIONS[0][1], {"x": "region", "y": "revenue"}, 0, 2, 6, 5),
    ("by_channel", "donut", {"dimensions": ["channel"], "measures": [REVENUE]},
     {"label": "channel", "value": "revenue"}, 6, 2, 6, 5),
    ("monthly", "line", QUESTIONS[1][1], {"x": "order_date", "y": "revenue", "series": "region"}, 0, 7, 12, 6),
    ("top_products", "hbar", QUESTIONS[3][1], {"x": "product", "y": "revenue"}, 0, 13, 6, 6),
    ("region_channel", "table", {"dimensions": ["region", "channel"],
                                 "measures": [REVENUE, {"field": "units", "agg": "sum", "as": "units"},
                                              {"field": "cost", "agg": "sum", "as": "cost"}]},
     {}, 6, 13, 6, 6),
]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def p95(xs):
    xs = sorted(xs)
    return xs[int(round(0.95 * (len(xs) - 1)))]


def mb(nbytes):
    return nbytes / (1 << 20)


def size_of(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total


def has_engine(quire):
    """Whether `quire` knows `[limits] engine_memory_mb` (a binary from before the engine does not:
    then both sides of the comparison are SQLite)."""
    out = subprocess.run([quire, "check-config"], env=dict(os.environ, **ENGINE_OFF), capture_output=True,
                         text=True, cwd=tempfile.gettempdir())
    return "engine_memory_mb" not in out.stderr


def timed_import(quire, csv, data_dir, env):
    """Wall seconds and peak RSS (MB) of `quire import`."""
    cmd = [quire, "import", csv, "--dataset", "sales", "--data-dir", data_dir]
    gnu_time = os.path.exists("/usr/bin/time")
    if gnu_time:
        cmd = ["/usr/bin/time", "-v"] + cmd
    t = time.perf_counter()
    out = subprocess.run(cmd, env=dict(os.environ, **env), capture_output=True, text=True)
    wall = time.perf_counter() - t
    if out.returncode != 0:
        sys.exit("quire import failed:\n" + out.stderr[-2000:])
    if gnu_time:
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr)
        rss = int(m.group(1)) / 1024.0 if m else float("nan")
    else:
        import resource
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0  # the peak of any child so far
    return wall, rss


def duckdb_load(csv, reps=3):
    """Median seconds of DuckDB loading the CSV into a fresh in-memory database (2 threads)."""
    if duckdb is None:
        return None
    times = []
    for _ in range(reps):
        con = duckdb.connect(":memory:", config={"threads": 2})
        t = time.perf_counter()
        con.execute("CREATE TABLE t AS SELECT * FROM read_csv_auto('%s')" % csv.replace("'", "''"))
        times.append(time.perf_counter() - t)
        con.close()
    return statistics.median(times)


class Server:
    """A `quire serve` on `data_dir`, result cache off, `env` added."""

    def __init__(self, quire, data_dir, tok, env):
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        e = dict(os.environ, QUIRE_SERVER__BIND="127.0.0.1:%d" % self.port, QUIRE_LIMITS__CACHE_MB="0", **env)
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([quire, "serve", "--data-dir", data_dir], env=e,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.get = access.opener(tok)
        for _ in range(1200):
            try:
                self.get(self.base + "/healthz", timeout=5)
                return
            except Exception:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        sys.exit("quire serve did not start:\n" + self.tail())

    def tail(self):
        self.log.seek(0)
        return self.log.read()[-3000:].decode("utf-8", "replace")

    def call(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        try:
            return self.get(self.base + path, data, headers)
        except urllib.error.HTTPError as e:
            sys.exit("%s %s: %d %s" % ("POST" if body is not None else "GET", path, e.code,
                                        e.read()[:2000].decode("utf-8", "replace")))

    def preview(self, spec):
        """Milliseconds and the answer; an error answer raises urllib.error.HTTPError."""
        body = json.dumps({"builder": spec}).encode()
        t = time.perf_counter()
        out = json.loads(self.get(self.base + "/api/v1/builder/preview", body, {"Content-Type": "application/json"}))
        return (time.perf_counter() - t) * 1000, out

    def queries(self):
        """Queries run so far by engine, from /metrics (empty when it cannot be read)."""
        try:
            text = self.get(self.base + "/metrics").decode()
        except Exception:
            return None
        return {m.group(1): int(m.group(2))
                for m in re.finditer(r'quire_query_seconds_count\{engine="(\w+)"\} (\d+)', text)}

    def rss_mb(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024.0
        except (OSError, AttributeError):
            return float("nan")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def used(before, after):
    """`columnar 21`: the queries each engine ran between two /metrics reads."""
    if before is None or after is None:
        return "no /metrics"
    if not after:
        return "no per-engine counts in /metrics"
    parts = ["%s %d" % (e, after.get(e, 0) - before.get(e, 0)) for e in sorted(after)
             if after.get(e, 0) - before.get(e, 0)]
    return ", ".join(parts) if parts else "none counted"


def previews(srv, reps):
    """Per question: times (ms), server millis, total rows, sql, bound values, engines used; an
    error answer (a query over the time limit) ends that question's runs and is kept."""
    out = {}
    for label, spec in QUESTIONS:
        times, server_ms, last, error = [], [], {}, None
        before = srv.queries()
        try:
            srv.preview(spec)  # warm-up: plans, the OS file cache
            before = srv.queries()
            for _ in range(reps):
                ms, last = srv.preview(spec)
                times.append(ms)
                server_ms.append(last.get("millis", float("nan")))
        except urllib.error.HTTPError as e:
            error = "%d: %s" % (e.code, e.read()[:300].decode("utf-8", "replace"))
            print("%s: %s" % (label, error), file=sys.stderr)
        out[label] = {"times": times, "p50": statistics.median(times) if times else None,
                      "p95": p95(times) if times else None,
                      "server_p50": statistics.median(server_ms) if times else None,
                      "rows": last.get("totalRows"), "sql": last.get("sql"), "bound": last.get("bound") or {},
                      "engines": used(before, srv.queries()), "error": error}
    return out


def make_dashboard(srv):
    queries = {w[0]: {"builder": dict({"dataset": "sales"}, **w[2])} for w in WIDGETS}
    vizzes = [{"id": w[0], "type": w[1], "title": w[0].replace("_", " "), "query": w[0], "dataMapping": w[3]}
              for w in WIDGETS]
    report = json.loads(srv.call("/api/v1/reports", {"name": "Engine bench", "dataSource": "main",
                                                      "queries": queries, "visualizations": vizzes}))
    widgets = [{"id": w[0], "kind": "visualization", "reportId": report["id"], "visualizationId": w[0],
                "x": w[4], "y": w[5], "w": w[6], "h": w[7]} for w in WIDGETS]
    made = json.loads(srv.call("/api/v1/dashboards", {"name": "Engine bench, 8 widgets", "widgets": widgets}))
    return made["id"]


def dashboard(srv, did, reps):
    """Median ms to fetch every widget of the page 6 at a time, failed widgets, widget count."""
    page = srv.call("/dashboards/%s" % did).decode()
    cells = re.findall(r'data-widget-id="([^"]+)"[^>]*?hx-get="([^"]+)"', page, re.S)
    width = {w[0]: w[6] * 105 for w in WIDGETS}  # about a 1366 px window's grid columns
    urls = [srv.base + html.unescape(u) + ("&" if "?" in u else "?") + "w=%d" % width.get(wid, 600)
            for wid, u in cells]
    hx = {"HX-Request": "true"}

    def fetch(u):
        try:
            return srv.get(u, None, hx).decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return "error-box: %d" % e.code

    def load():
        with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
            bodies = list(pool.map(fetch, urls))
        return sum(1 for b in bodies if "error-box" in b)

    failed = load()  # warm-up
    times = []
    before = srv.queries()
    for _ in range(reps):
        t = time.perf_counter()
        failed = max(failed, load())
        times.append((time.perf_counter() - t) * 1000)
    return {"ms": statistics.median(times), "times": times, "widgets": len(urls), "failed": failed,
            "engines": used(before, srv.queries())}


def burst(srv, n=20, rounds=3, after_s=5):
    """RSS (MB) of the server: idle, the peak while `n` previews run at once, `after_s` s later."""
    idle = srv.rss_mb()
    peak = [idle]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], srv.rss_mb())
            time.sleep(0.05)

    def one(i):
        body = json.dumps({"builder": QUESTIONS[i % len(QUESTIONS)][1]}).encode()
        try:
            srv.get(srv.base + "/api/v1/builder/preview", body, {"Content-Type": "application/json"})
            return 200
        except urllib.error.HTTPError as e:
            return e.code

    sampler = threading.Thread(target=sample)
    sampler.start()
    t = time.perf_counter()
    statuses = []
    try:
        for _ in range(rounds):
            with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
                statuses += list(pool.map(one, range(n)))
    finally:
        stop.set()
        sampler.join()
    wall = time.perf_counter() - t
    time.sleep(after_s)
    counts = {str(c): statuses.count(c) for c in sorted(set(statuses))}
    return {"idle": idle, "peak": peak[0], "after": srv.rss_mb(), "wall_s": wall, "statuses": counts,
            "alive": srv.proc.poll() is None}


def shell(db, sql, bound, reps=3):
    """Median ms of the sqlite3 shell running `sql` on `db` (.timer's real time)."""
    for k in sorted(bound, key=len, reverse=True):
        sql = sql.replace(k, bound[k])
    times = []
    for _ in range(reps):
        out = subprocess.run(["sqlite3", "-readonly", db], input=".timer on\n%s;\n" % sql,
                             capture_output=True, text=True)
        m = re.search(r"Run Time: real ([0-9.]+)", out.stdout + out.stderr)
        if out.returncode != 0 or not m:
            return None, (out.stderr or out.stdout).strip()[:300]
        times.append(float(m.group(1)) * 1000)
    return statistics.median(times), None


def run(args, rows, have_sqlite3, engine_off):
    if args.data:
        os.makedirs(args.data, exist_ok=True)
        csv_dir = args.data
    else:
        csv_dir = tempfile.mkdtemp(prefix="quire-engine-csv-")
    csv = os.path.join(csv_dir, "sales_%d.csv" % rows)
    if not os.path.exists(csv):
        subprocess.run([sys.executable, os.path.join(SHARED, "gen_sales.py"), str(rows), csv], check=True,
                       stdout=subprocess.DEVNULL)
    off_reps = args.off_reps or (args.reps if rows < 1000000 else min(args.reps, 3))
    data_dir = tempfile.mkdtemp(prefix="quire-engine-")
    off_dir = tempfile.mkdtemp(prefix="quire-engine-off-")
    r = {"rows": rows, "reps": args.reps, "off_reps": off_reps}
    servers = []
    try:
        print("%d rows: importing…" % rows, file=sys.stderr)
        r["import_s"], r["import_rss_mb"] = timed_import(args.quire, csv, data_dir, {})
        r["import_off_s"], r["import_off_rss_mb"] = timed_import(args.quire, csv, off_dir, engine_off)
        shutil.rmtree(off_dir, ignore_errors=True)
        r["duckdb_load_s"] = duckdb_load(csv)
        columnar = os.path.join(data_dir, "columnar")
        r["columnar_copy"] = os.path.isdir(columnar) and any(f.endswith(".parquet") for f in os.listdir(columnar))
        r["datasets_db_mb"] = mb(sum(size_of(os.path.join(data_dir, f)) for f in os.listdir(data_dir)
                                     if f.startswith("datasets.db")))
        r["columnar_mb"] = mb(size_of(columnar)) if os.path.isdir(columnar) else 0.0
        tok = access.token(args.quire, data_dir)

        print("%d rows: engine on…" % rows, file=sys.stderr)
        on = Server(args.quire, data_dir, tok, {})
        servers.append(on)
        r["on"] = previews(on, args.reps)
        did = make_dashboard(on)
        r["dash_on"] = dashboard(on, did, args.dash_reps)
        r["rss"] = burst(on)
        on.stop()

        print("%d rows: engine off…" % rows, file=sys.stderr)
        off = Server(args.quire, data_dir, tok, dict(engine_off, **SLOW_OK))
        servers.append(off)
        r["off"] = previews(off, off_reps)
        r["dash_off"] = dashboard(off, did, min(args.dash_reps, off_reps))
        off.stop()

        db = os.path.join(data_dir, "datasets.db")
        r["shell"] = {}
        for label, _ in QUESTIONS:
            q = r["off"][label]
            if not q["sql"]:
                r["shell"][label] = (None, "no SQL: the preview failed")
            elif have_sqlite3:
                r["shell"][label] = shell(db, q["sql"], q["bound"])
            else:
                r["shell"][label] = (None, "no sqlite3 shell")
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(off_dir, ignore_errors=True)
        if not args.data:
            shutil.rmtree(csv_dir, ignore_errors=True)
    return r


def fmt(x, spec="%.1f"):
    return "–" if x is None or x != x else spec % x


def table(r):
    print("\n### %s rows\n" % format(r["rows"], ","))
    if not r["engine_in_binary"]:
        print("(this binary has no columnar engine: \"engine\" and \"SQLite\" are the same server)\n")
    print("| question | engine p50 (ms) | engine p95 (ms) | SQLite p50 (ms) | SQLite p95 (ms) | sqlite3 shell (ms) "
          "| shell / engine p95 | engine server p50 (ms) | rows | queries run (engine on); errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for label, _ in QUESTIONS:
        on, off = r["on"][label], r["off"][label]
        sh, err = r["shell"][label]
        ratio = "%.1f×" % (sh / on["p95"]) if sh is not None and on["p95"] else "–"
        notes = on["engines"] + "".join("; %s: %s" % (side, q["error"]) for side, q in (("engine", on), ("SQLite", off))
                                        if q["error"])
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            label, fmt(on["p50"]), fmt(on["p95"]), fmt(off["p50"]), fmt(off["p95"]),
            fmt(sh) if sh is not None else "(%s)" % err, ratio, fmt(on["server_p50"], "%.0f"),
            fmt(on["rows"], "%d"), notes.replace("|", "/").replace("\n", " ")))
    duck = r["duckdb_load_s"]
    print()
    print("| import engine on (s) | peak RSS (MB) | import engine off (s) | peak RSS (MB) | DuckDB load (s) "
          "| import / DuckDB | columnar copy | datasets.db (MB) | columnar/ (MB) |")
    print("|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    print("| %.2f | %.0f | %.2f | %.0f | %s | %s | %s | %.1f | %.1f |" % (
        r["import_s"], r["import_rss_mb"], r["import_off_s"], r["import_off_rss_mb"],
        fmt(duck, "%.2f") if duck is not None else "(no duckdb module)",
        "%.1f×" % (r["import_s"] / duck) if duck else "–",
        "yes" if r["columnar_copy"] else "NO", r["datasets_db_mb"], r["columnar_mb"]))
    d_on, d_off, rss = r["dash_on"], r["dash_off"], r["rss"]
    print()
    print("| dashboard, %d widgets, engine (ms) | same, SQLite (ms) | failed widgets | server RSS idle (MB) "
          "| peak, 20 previews at once × 3 (MB) | 5 s after (MB) | burst wall (s) | burst answers "
          "| dashboard queries run (engine on) |" % d_on["widgets"])
    print("|---:|---:|---:|---:|---:|---:|---:|---|---|")
    print("| %.0f | %.0f | %d / %d | %.0f | %.0f | %.0f | %.1f | %s | %s |" % (
        d_on["ms"], d_off["ms"], d_on["failed"], d_off["failed"], rss["idle"], rss["peak"], rss["after"],
        rss["wall_s"], ", ".join("%s × %d" % kv for kv in rss["statuses"].items())
        + ("" if rss["alive"] else "; THE SERVER DIED"), d_on["engines"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quire", default="target/release/quire")
    ap.add_argument("--rows", default="1000000", help="row counts, comma separated")
    ap.add_argument("--reps", type=int, default=20, help="timed previews per question, engine on")
    ap.add_argument("--off-reps", type=int, default=0,
                    help="timed previews per question, engine off (default: --reps, at most 3 from 1M rows)")
    ap.add_argument("--dash-reps", type=int, default=5)
    ap.add_argument("--data", help="a folder for the CSVs, kept and reused (default: a temporary one)")
    args = ap.parse_args()
    quire = os.path.abspath(args.quire)
    if not os.access(quire, os.X_OK):
        sys.exit("%s: no such program" % args.quire)
    args.quire = quire
    have_sqlite3 = shutil.which("sqlite3") is not None
    if not have_sqlite3:
        print("no sqlite3 shell on PATH (apt-get install sqlite3): its column is left empty", file=sys.stderr)
    if duckdb is None:
        print("no duckdb Python module: DuckDB's load is left out", file=sys.stderr)
    engine_off = ENGINE_OFF
    if not has_engine(quire):
        print("%s has no columnar engine (no `[limits] engine_memory_mb`): both sides are SQLite" % args.quire,
              file=sys.stderr)
        engine_off = {}
    binary_mb = mb(os.path.getsize(quire))
    print("%s: %.1f MB%s" % (args.quire, binary_mb, "" if engine_off == ENGINE_OFF else ", no columnar engine"))
    results = []
    for rows in [int(x.replace("_", "")) for x in args.rows.split(",") if x.strip()]:
        r = run(args, rows, have_sqlite3, engine_off)
        r["engine_in_binary"] = engine_off == ENGINE_OFF
        r["binary_mb"] = binary_mb
        table(r)
        results.append(r)
    print("\n" + json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
