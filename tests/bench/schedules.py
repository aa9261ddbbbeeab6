#!/usr/bin/env python3
"""Scheduler overhead: `quire serve` with N schedules loaded (default 10,000).

Measures, with the release binary:
  start-up   from exec to the first 200 on /healthz (provisioning N schedules from config)
  idle CPU   CPU seconds the process used over --idle seconds with nothing due
  RSS        resident memory after start and after the idle period
  lateness   for a schedule firing every 5 seconds: the time from each due instant to the
             "running schedule" log line (JSON logs carry microsecond timestamps)

    python3 tests/bench/schedules.py --quire target/release/quire --schedules 10000 --idle 60
"""
import argparse
import datetime as dt
import json
import os
import sys
import random
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import access  # noqa: E402

ZONES = ["UTC", "America/New_York", "Europe/London", "Asia/Tokyo", "Australia/Sydney", "Europe/Berlin"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def config(path, data, port, n, fast):
    rnd = random.Random(7)
    with open(path, "w") as f:
        f.write('[server]\nbind = "127.0.0.1:%d"\n[storage]\ndata_dir = "%s"\n' % (port, data))
        for i in range(n):
            # Daily/weekly/monthly times that are not due during the measurement.
            hour = (dt.datetime.utcnow().hour + 3 + rnd.randrange(18)) % 24
            kind = rnd.choice(["%d %d * * *", "%d %d * * 1-5", "%d %d 1 * *"])
            f.write('[[schedules]]\nname = "s%05d"\nreportId = "Sales overview"\nschedule = "%s"\n'
                    'timezone = "%s"\nexportFormat = "csv"\n' % (i, kind % (rnd.randrange(60), hour), rnd.choice(ZONES)))
        if fast:
            f.write('[[schedules]]\nname = "every5s"\nreportId = "Sales overview"\nschedule = "*/5 * * * * *"\n'
                    'exportFormat = "csv"\nrowLimit = 10\n')


def proc_stat(pid):
    with open("/proc/%d/stat" % pid) as f:
        parts = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(parts[11]) + int(parts[12])) / ticks
    with open("/proc/%d/status" % pid) as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024.0
    return cpu, rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quire", default=os.path.join(os.path.dirname(__file__), "..", "..", "target", "release", "quire"))
    ap.add_argument("--schedules", type=int, default=10000)
    ap.add_argument("--idle", type=int, default=60)
    ap.add_argument("--lateness", type=int, default=30, help="seconds of the every-5-seconds schedule")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="quire-sched-")
    try:
        port = free_port()
        cfg = os.path.join(tmp, "reports.toml")
        config(cfg, os.path.join(tmp, "data"), port, args.schedules, fast=False)
        # The demo once, so the report exists; then the measured start with N schedules.
        subprocess.run([args.quire, "render", "Sales overview", "--demo", "--format", "csv", "--out", os.devnull,
                        "--data-dir", os.path.join(tmp, "data")], check=True, capture_output=True)
        t0 = time.perf_counter()
        p = subprocess.Popen([args.quire, "serve", "--config", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=1).read()
                break
            except Exception:
                time.sleep(0.01)
        startup = time.perf_counter() - t0
        time.sleep(2)
        cpu0, rss0 = proc_stat(p.pid)
        time.sleep(args.idle)
        cpu1, rss1 = proc_stat(p.pid)
        get = access.opener(access.token(args.quire, os.path.join(tmp, "data"), cfg))
        listed = json.loads(get("http://127.0.0.1:%d/api/v1/schedules" % port))
        p.terminate()
        p.wait()
        print("| schedules | start-up (s) | idle CPU over %d s (s) | idle CPU (%%) | RSS after start (MB) | RSS after idle (MB) |" % args.idle)
        print("|---:|---:|---:|---:|---:|---:|")
        print("| %s | %.2f | %.3f | %.2f | %.0f | %.0f |" % ("{:,}".format(len(listed)), startup, cpu1 - cpu0,
                                                           100.0 * (cpu1 - cpu0) / args.idle, rss0, rss1))

        # Lateness: the same N schedules plus one every 5 seconds.
        config(cfg, os.path.join(tmp, "data"), port, args.schedules, fast=True)
        log = open(os.path.join(tmp, "log.jsonl"), "w")
        p = subprocess.Popen([args.quire, "serve", "--config", cfg, "--log-json"], stdout=log, stderr=log,
                             env=dict(os.environ, RUST_LOG="info"))
        time.sleep(args.lateness)
        p.terminate()
        p.wait()
        log.close()
        late = []
        with open(os.path.join(tmp, "log.jsonl")) as f:
            for line in f:
                try:
                    v = json.loads(line)
                except ValueError:
                    continue
                fields = v.get("fields", {})
                if fields.get("message") == "running schedule" and fields.get("trigger") == "Cron":
                    at = dt.datetime.fromisoformat(v["timestamp"].replace("Z", "+00:00"))
                    due = dt.datetime.fromisoformat(fields["due"].replace("Z", "+00:00"))
                    late.append((at - due).total_seconds() * 1000)
        if late:
            print()
            print("| runs | lateness median (ms) | max (ms) |")
            print("|---:|---:|---:|")
            print("| %d | %.1f | %.1f |" % (len(late), statistics.median(late), max(late)))
        else:
            print("no timed runs found in the log")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
