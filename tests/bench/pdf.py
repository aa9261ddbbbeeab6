#!/usr/bin/env python3
"""PDF engine figures (issue 14): time and peak memory against page count, a 20,000-row table,
the server's memory after a render, and a burst of concurrent PDF downloads.

    python3 tests/bench/pdf.py --quire target/release/quire

1. `quire render "Sales overview" --demo --param days=N` for N in --days: wall time, peak RSS
   (the child's maxrss) and pages (pdfinfo).
2. The same for "All orders" of tests/bench/pdf_rows.toml: every row of the demo's 20,000 (the
   PDF's row cap) in one table.
3. A fresh `quire serve`: one PDF of --server-days, then its RSS 1, 3 and 5 s later.
4. --burst concurrent downloads of that PDF on the same server: how many 200 and 503, the
   slowest answer, the server's peak RSS (VmHWM), its RSS 5 s after, and a download after the
   burst. The server keeps its defaults (2 render workers, 16 waiting).
"""
import argparse
import concurrent.futures
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import access  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def pages(path):
    out = subprocess.run(["pdfinfo", path], capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", out).group(1))


def render_timed(quire, data_dir, report, params, config=None):
    out = os.path.join(data_dir, "out.pdf")
    cmd = ["/usr/bin/time", "-f", "%e %M", quire, "render", report, "--demo", "--format", "pdf",
           "--data-dir", data_dir, "--out", out]
    if config:
        cmd += ["--config", config]
    for p in params:
        cmd += ["--param", p]
    r = subprocess.run(cmd, check=True, capture_output=True, text=True)
    secs, kb = r.stderr.strip().splitlines()[-1].split()
    return float(secs), int(kb) / 1024.0, pages(out)


def rss_mb(pid, field="VmRSS"):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(field + r":\s+(\d+)", f.read()).group(1)) / 1024.0


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def server(quire, data_dir, days, burst):
    port = free_port()
    env = dict(os.environ, QUIRE_SERVER__BIND="127.0.0.1:%d" % port, QUIRE_LIMITS__CACHE_MB="0")
    tok = access.token(quire, data_dir)
    get = access.opener(tok)
    p = subprocess.Popen([quire, "serve", "--demo", "--data-dir", data_dir], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    res = {}
    try:
        base = "http://127.0.0.1:%d" % port
        for _ in range(600):
            try:
                get(base + "/healthz")
                break
            except Exception:
                time.sleep(0.05)
        res["idle_mb"] = rss_mb(p.pid)
        reports = json.loads(get(base + "/api/v1/reports"))
        rid = next(r["id"] for r in reports if r["name"] == "Sales overview")
        url = "%s/reports/%s/download?format=pdf&days=%d" % (base, rid, days)
        t = time.perf_counter()
        get(url)
        res["one_s"] = time.perf_counter() - t
        res["one_peak_mb"] = rss_mb(p.pid, "VmHWM")
        done = time.perf_counter()
        for after in (1, 3, 5):
            time.sleep(max(0.0, done + after - time.perf_counter()))
            res["after_%ds_mb" % after] = rss_mb(p.pid)

        def one(_):
            t = time.perf_counter()
            try:
                get(url, timeout=900)
                code = 200
            except urllib.error.HTTPError as e:
                code = e.code
            return code, time.perf_counter() - t

        t = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=burst) as ex:
            answers = list(ex.map(one, range(burst)))
        res["burst_s"] = time.perf_counter() - t
        res["burst_codes"] = {c: sum(1 for a in answers if a[0] == c) for c in set(a[0] for a in answers)}
        res["burst_slowest_s"] = max(a[1] for a in answers)
        res["burst_peak_mb"] = rss_mb(p.pid, "VmHWM")
        time.sleep(5)
        res["burst_after_5s_mb"] = rss_mb(p.pid)
        t = time.perf_counter()
        get(url)
        res["next_s"] = time.perf_counter() - t
        return res
    finally:
        p.terminate()
        p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quire", default=os.path.join(HERE, "..", "..", "target", "release", "quire"))
    ap.add_argument("--days", default="7,90,200,400")
    ap.add_argument("--server-days", type=int, default=400)
    ap.add_argument("--burst", type=int, default=100)
    args = ap.parse_args()
    data_dir = tempfile.mkdtemp(prefix="quire-pdf-bench-")
    print("| report | pages | time (s) | peak RSS (MB) |")
    print("|---|---:|---:|---:|")
    for d in args.days.split(","):
        secs, mb, n = render_timed(args.quire, data_dir, "Sales overview", ["days=%s" % d])
        print("| Sales overview, days=%s | %d | %.2f | %.0f |" % (d, n, secs, mb))
    rows_dir = tempfile.mkdtemp(prefix="quire-pdf-rows-")
    secs, mb, n = render_timed(args.quire, rows_dir, "All orders", [],
                               os.path.join(HERE, "pdf_rows.toml"))
    print("| All orders (20,000 rows) | %d | %.2f | %.0f |" % (n, secs, mb))
    srv_dir = tempfile.mkdtemp(prefix="quire-pdf-serve-")
    r = server(args.quire, srv_dir, args.server_days, args.burst)
    print()
    for k, v in r.items():
        print("%s: %s" % (k, ("%.2f" % v) if isinstance(v, float) else v))


if __name__ == "__main__":
    main()
