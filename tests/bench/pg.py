#!/usr/bin/env python3
"""The reference report on the embedded store and on PostgreSQL, same rows, same server.

Generates the bench CSV (../shared/bench/gen_sales.py), imports it as dataset `sales`, loads it
into a throwaway PostgreSQL (initdb in a temp folder, as `postgres` when run as root) with COPY,
starts `quire serve` with the result cache off and times, for each report, --reps downloads of
the JSON (queries and building the output: no document) and of the PDF after one warm-up each.

    python3 tests/bench/pg.py --quire target/release/quire --rows 100000 --reps 5
"""
import argparse
import glob
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import access  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "bench"))
CONFIG = os.path.join(HERE, "pg_reference.toml")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def as_pg(cmd, root):
    if root:
        return subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", cmd], check=True)
    return subprocess.run(["sh", "-c", cmd], check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quire", default="target/release/quire")
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()
    quire = os.path.abspath(a.quire)
    work = tempfile.mkdtemp(prefix="quire-pg-bench-")
    csv = os.path.join(work, "sales.csv")
    subprocess.run([sys.executable, os.path.join(SHARED, "gen_sales.py"), str(a.rows), csv], check=True,
                   stdout=subprocess.DEVNULL)
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bins:
        sys.exit("no /usr/lib/postgresql/*/bin: install postgresql")
    bin_dir = bins[-1]
    root = os.geteuid() == 0
    pgdir = os.path.join(work, "pg")
    os.mkdir(pgdir)
    os.chmod(work, 0o755)
    os.chmod(csv, 0o644)
    if root:
        shutil.chown(pgdir, "postgres")
    pgport = free_port()
    as_pg("%s/initdb -D %s/data -U bench -A trust --no-sync -E UTF8 >/dev/null" % (bin_dir, pgdir), root)
    as_pg("%s/pg_ctl -D %s/data -l %s/log -w -o '-p %d -k %s -c listen_addresses=127.0.0.1' start >/dev/null"
          % (bin_dir, pgdir, pgdir, pgport, pgdir), root)
    url = "postgres://bench@127.0.0.1:%d/postgres?sslmode=disable" % pgport
    try:
        ddl = ("CREATE TABLE sales (order_id bigint PRIMARY KEY, order_date date NOT NULL, region text, "
               "channel text, product text, customer_id integer, units integer, unit_price numeric(12,2), "
               "revenue numeric(12,2), cost numeric(12,2)); CREATE INDEX ON sales (order_date);")
        psql = os.path.join(bin_dir, "psql")
        subprocess.run([psql, url, "-q", "-c", ddl], check=True)
        with open(csv, "rb") as f:
            subprocess.run([psql, url, "-q", "-c", "COPY sales FROM STDIN WITH (FORMAT csv, HEADER true)"],
                           stdin=f, check=True)
        subprocess.run([psql, url, "-q", "-c", "ANALYZE sales"], check=True)
        data = os.path.join(work, "quire-data")
        os.environ["QUIRE_BENCH_PG_URL"] = url  # the config names it; every command reads it
        env = dict(os.environ)
        subprocess.run([quire, "import", csv, "--dataset", "sales", "--config", CONFIG, "--data-dir", data],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        port = free_port()
        env.update(QUIRE_SERVER__BIND="127.0.0.1:%d" % port, QUIRE_LIMITS__CACHE_MB="0")
        get = access.opener(access.token(quire, data, CONFIG))
        p = subprocess.Popen([quire, "serve", "--config", CONFIG, "--data-dir", data], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = "http://127.0.0.1:%d" % port
            for _ in range(600):
                try:
                    get(base + "/healthz")
                    break
                except Exception:
                    time.sleep(0.05)
            reports = {r["name"]: r["id"] for r in json.loads(get(base + "/api/v1/reports"))}
            out = {}
            for name in ["Sales Report", "Sales Report PG"]:
                for fmt in ["json", "pdf"]:
                    url_r = "%s/reports/%s/download?format=%s" % (base, reports[name], fmt)
                    body = get(url_r)
                    times = []
                    for _ in range(a.reps):
                        t = time.perf_counter()
                        body = get(url_r)
                        times.append(time.perf_counter() - t)
                    out[(name, fmt)] = (statistics.median(times), len(body))
                    if fmt == "json":
                        out[(name, "kpis")] = [i for s in json.loads(body)["sections"] for i in s["items"]][:4]
            for name in ["Sales Report", "Sales Report PG"]:
                for fmt in ["json", "pdf"]:
                    t, n = out[(name, fmt)]
                    print("%-16s %-4s median %7.1f ms  %9d bytes" % (name, fmt, t * 1000, n))
            same = json.dumps(out[("Sales Report", "kpis")], sort_keys=True) == \
                json.dumps(out[("Sales Report PG", "kpis")], sort_keys=True)
            print("KPI cards identical:", same)
            if not same:
                print(out[("Sales Report", "kpis")], out[("Sales Report PG", "kpis")])
        finally:
            p.terminate()
            p.wait()
    finally:
        as_pg("%s/pg_ctl -D %s/data -m immediate stop >/dev/null" % (bin_dir, pgdir), root)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
