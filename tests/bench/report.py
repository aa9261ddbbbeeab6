#!/usr/bin/env python3
"""The reference report (../shared/bench/WORKLOAD.md) from Quire against the Python peer, on the
same input in the same run.

Quire is a server: the file is imported once (`quire import`, timed separately by run.py), then
for each format a fresh `quire serve` (its query cache off, so every request runs its queries)
answers one warm-up and --reps timed downloads of the report; the figure is the median request
latency and the server's peak RSS (VmHWM) over those requests. That is the comparison WORKLOAD.md §7 names for a long-running server. The peer runs
`peer_python.py pdf|xlsx|csv INPUT OUT` --reps times; its figure is the median stage time it
prints (parse + compute + write, after module imports) and its peak RSS.

The CSV is also checked byte for byte against the sha256 in WORKLOAD.md.

    python3 -m pip install -r ../shared/bench/requirements-peer.txt
    python3 tests/bench/report.py --quire target/release/quire --data ../bench-data --sizes 100000,1000000
"""
import argparse
import hashlib
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import json

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import access  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "bench"))
CONFIG = os.path.join(HERE, "reference.toml")
CSV_SHA = {
    100000: "3e32c761e7743da41734f2b668b510c18343bb7598fc3ef56914f2e920220cbc",
    1000000: "88d3feb7714b79700cfd020351a3f9bd494f6a0689ddaafb00277151c8b44c44",
}
REPORT = {"pdf": "Sales Report", "xlsx": "Sales Report data", "csv": "Sales Report data"}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(url):
    with urllib.request.urlopen(url, timeout=600) as r:
        return r.read()


def quire_format(quire, data_dir, fmt, reps):
    """Median latency (s), peak RSS (MB) and the last body, for `fmt` from a fresh server."""
    port = free_port()
    # The result cache off: every timed request runs its queries again, as the peer re-reads.
    env = dict(os.environ, QUIRE_SERVER__BIND="127.0.0.1:%d" % port, QUIRE_LIMITS__CACHE_MB="0")
    get = access.opener(access.token(quire, data_dir, CONFIG))
    p = subprocess.Popen([quire, "serve", "--config", CONFIG, "--data-dir", data_dir],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = "http://127.0.0.1:%d" % port
        for _ in range(600):
            try:
                get(base + "/healthz")
                break
            except Exception:
                time.sleep(0.05)
        reports = json.loads(get(base + "/api/v1/reports"))
        rid = next(r["id"] for r in reports if r["name"] == REPORT[fmt])
        url = "%s/reports/%s/download?format=%s" % (base, rid, fmt)
        get(url)  # warm-up: fonts, query plans, page cache
        times = []
        body = b""
        for _ in range(reps):
            t = time.perf_counter()
            body = get(url)
            times.append(time.perf_counter() - t)
        with open("/proc/%d/status" % p.pid) as f:
            hwm = int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) / 1024.0
        return statistics.median(times), hwm, body
    finally:
        p.terminate()
        p.wait()


def peer_format(src, fmt, reps):
    """Median stage time (s), median peak RSS (MB) and output size of the peer."""
    times, rss, size = [], [], 0
    for _ in range(reps):
        out = tempfile.mkdtemp(prefix="peer-")
        r = subprocess.run(["/usr/bin/time", "-v", sys.executable, os.path.join(SHARED, "peer_python.py"),
                            fmt, src, out], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("peer failed: %s" % r.stderr[-2000:])
        times.append(float(re.search(r"^%s ([0-9.]+)" % fmt, r.stdout, re.M).group(1)))
        rss.append(int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) / 1024.0)
        size = os.path.getsize(os.path.join(out, "report.%s" % fmt))
        shutil.rmtree(out)
    return statistics.median(times), statistics.median(rss), size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quire", default=os.path.join(HERE, "..", "..", "target", "release", "quire"))
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "bench-data"))
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--formats", default="pdf,xlsx,csv")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        src = os.path.join(args.data, "sales_%d.csv" % size)
        if not os.path.exists(src):
            subprocess.run([sys.executable, os.path.join(SHARED, "gen_sales.py"), str(size), src], check=True)
        data_dir = tempfile.mkdtemp(prefix="quire-bench-")
        try:
            subprocess.run([args.quire, "import", src, "--dataset", "sales", "--data-dir", data_dir],
                           check=True, stdout=subprocess.DEVNULL)
            for fmt in args.formats.split(","):
                q_time, q_rss, body = quire_format(args.quire, data_dir, fmt, args.reps)
                p_time, p_rss, p_size = peer_format(src, fmt, args.reps)
                note = ""
                if fmt == "csv":
                    same = hashlib.sha256(body).hexdigest() == CSV_SHA.get(size)
                    note = "sha256 matches WORKLOAD.md" if same else "sha256 DIFFERS"
                rows.append((size, fmt, q_time, p_time, p_time / q_time, q_rss, p_rss, len(body), p_size, note))
        finally:
            shutil.rmtree(data_dir)
    print("| rows | output | quire (s) | peer (s) | peer/quire | quire peak RSS (MB) | peer peak RSS (MB) | quire bytes | peer bytes | note |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print("| {:,} | {} | {:.3f} | {:.3f} | {:.1f}× | {:.0f} | {:.0f} | {:,} | {:,} | {} |".format(*r))


if __name__ == "__main__":
    main()
