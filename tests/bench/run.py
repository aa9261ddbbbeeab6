#!/usr/bin/env python3
"""Quire against the Python peer (../shared/bench) on the same input in the same run.

Stages (each its own process, as in ../shared/bench/WORKLOAD.md §7):
  import   quire import FILE --dataset sales      vs  peer_python.py import FILE OUT
  pdf      quire render "Sales overview" --format pdf (demo report on the same file)
           is not comparable yet (the peer's reference report differs) and is not run.

Each stage runs --reps times under /usr/bin/time -v; the medians of wall time and peak RSS
are printed as a Markdown table with the ratio peer/quire.

    python3 tests/bench/run.py --quire target/release/quire --data ../bench-data --sizes 100000,1000000
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "bench"))


def timed(cmd, cwd=None):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, peak RSS MB, stdout)."""
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit("failed: %s\n%s%s" % (" ".join(cmd), p.stdout, p.stderr))
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return wall, rss_kb / 1024.0, p.stdout


def wait_idle(limit=0.15, timeout=60):
    """Waits until the machine is nearly idle (load of other processes)."""
    def busy():
        with open("/proc/stat") as f:
            a = [int(x) for x in f.readline().split()[1:]]
        time.sleep(0.5)
        with open("/proc/stat") as f:
            b = [int(x) for x in f.readline().split()[1:]]
        idle = (b[3] + b[4]) - (a[3] + a[4])
        total = sum(b) - sum(a)
        return (total - idle) / total * os.cpu_count()
    end = time.time() + timeout
    while time.time() < end and busy() > limit:
        time.sleep(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quire", default=os.path.join(HERE, "..", "..", "target", "release", "quire"))
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "bench-data"))
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    os.makedirs(args.data, exist_ok=True)
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        src = os.path.join(args.data, "sales_%d.csv" % size)
        if not os.path.exists(src):
            subprocess.run([sys.executable, os.path.join(SHARED, "gen_sales.py"), str(size), src], check=True)
        results = {"quire": [], "peer": []}
        for _ in range(args.reps):
            for who in ("quire", "peer"):
                out = tempfile.mkdtemp(prefix="bench-")
                wait_idle()
                if who == "quire":
                    cmd = [args.quire, "import", src, "--dataset", "sales", "--data-dir", out]
                else:
                    cmd = [sys.executable, os.path.join(SHARED, "peer_python.py"), "import", src, out]
                results[who].append(timed(cmd)[:2])
                shutil.rmtree(out)
        q_wall = statistics.median(r[0] for r in results["quire"])
        p_wall = statistics.median(r[0] for r in results["peer"])
        q_rss = statistics.median(r[1] for r in results["quire"])
        p_rss = statistics.median(r[1] for r in results["peer"])
        rows.append((size, q_wall, p_wall, p_wall / q_wall, q_rss, p_rss))
    print("| rows | quire import (s) | peer import (s) | peer/quire | quire peak RSS (MB) | peer peak RSS (MB) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size, qw, pw, ratio, qr, pr in rows:
        print("| %s | %.2f | %.2f | %.1f× | %.0f | %.0f |" % ("{:,}".format(size), qw, pw, ratio, qr, pr))


if __name__ == "__main__":
    main()
