#!/usr/bin/env python3
"""A crowd on the demo dashboard (issue 24): `wrk` with N connections for D seconds, each request
the dashboard page or one of its widgets in turn, as a browser loading the page asks for them,
with an API token. Prints what was answered, the non-2xx answers, wrk's timeouts and socket
errors, the latency percentiles, /healthz's time while the crowd is on, and the server's peak
RSS. Goal (2 cores): 200 connections for 30 s, no timeouts, non-2xx < 1 %, p99 < 500 ms.

    python3 tests/bench/load.py --quire target/release/quire --connections 200 --seconds 30

Needs wrk (Debian: apt-get install wrk).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import access  # noqa: E402
from report import free_port  # noqa: E402

LUA = r"""
local paths = {}
local token = os.getenv("QUIRE_TOKEN")
local cookie = os.getenv("QUIRE_COOKIE")
for p in string.gmatch(os.getenv("QUIRE_PATHS"), "[^ ]+") do paths[#paths + 1] = p end
local counter = 0
request = function()
  counter = counter + 1
  local headers = { ["Authorization"] = "Bearer " .. token }
  if cookie ~= "" then headers = { ["Cookie"] = cookie } end
  return wrk.format("GET", paths[(counter % #paths) + 1], headers)
end
local non2xx = 0
response = function(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("JSON {\"requests\": %d, \"timeouts\": %d, \"connect\": %d, \"read\": %d, \"write\": %d, \"status\": %d, \"p50\": %d, \"p90\": %d, \"p99\": %d, \"max\": %d}\n",
    summary.requests, summary.errors.timeout, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
"""


def rss_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quire", default="target/release/quire")
    ap.add_argument("--connections", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-cache", action="store_true",
                    help="the result cache off: every widget runs its queries")
    ap.add_argument("--cookie", action="store_true",
                    help="sign in as a browser does (a session cookie) instead of an API token")
    ap.add_argument("--pages", action="store_true",
                    help="the dashboard's pages only (at / as the home page and at "
                         "/dashboards/{id}), not its widgets")
    args = ap.parse_args()
    quire = os.path.abspath(args.quire)
    data = tempfile.mkdtemp(prefix="quire-load-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, RUST_LOG="warn")
    if args.no_cache:
        env["QUIRE_LIMITS__CACHE_MB"] = "0"
    server = subprocess.Popen([quire, "serve", "--demo", "--data-dir", data, "--bind",
                               f"127.0.0.1:{port}"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except Exception:
                time.sleep(0.1)
        tok = access.token(quire, data)
        get = access.opener(tok)
        dashboards = json.loads(get(base + "/api/v1/dashboards"))
        d = dashboards[0]["id"]
        widgets = [w["id"] for w in json.loads(get(f"{base}/api/v1/dashboards/{d}"))["widgets"]
                   if w.get("kind", "visualization") == "visualization"]
        paths = ["/", f"/dashboards/{d}"] + [f"/dashboards/{d}/widgets/{w}" for w in widgets]
        if args.pages:
            paths = paths[:2]
        for p in paths:  # warm: fonts, caches
            get(base + p)
        lua = os.path.join(data, "load.lua")
        with open(lua, "w") as f:
            f.write(LUA)
        health = []

        def probe():
            end = time.time() + args.seconds - 1
            time.sleep(1)
            while time.time() < end:
                t = time.time()
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=30).read()
                    health.append(time.time() - t)
                except Exception:
                    health.append(float("inf"))
                time.sleep(0.5)

        prober = threading.Thread(target=probe)
        prober.start()
        cookie = ""
        if args.cookie:
            login = urllib.request.Request(
                base + "/api/v1/auth/login", method="POST",
                data=json.dumps({"email": access.EMAIL, "password": "bench password 123"}).encode(),
                headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(login) as r:
                cookie = r.headers["Set-Cookie"].split(";")[0]
        wenv = dict(os.environ, QUIRE_TOKEN=tok, QUIRE_COOKIE=cookie, QUIRE_PATHS=" ".join(paths))
        out = subprocess.run(["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d",
                              f"{args.seconds}s", "--timeout", "10s", "-s", lua, base],
                             env=wenv, capture_output=True, text=True)
        prober.join()
        m = re.search(r"^JSON (.*)$", out.stdout, re.M)
        if not m:
            sys.exit("wrk said:\n" + out.stdout + out.stderr)
        r = json.loads(m.group(1))
        non2xx = int(re.search(r"Non-2xx or 3xx responses: (\d+)", out.stdout).group(1)) \
            if "Non-2xx" in out.stdout else 0
        peak = rss_kb(server.pid, "VmHWM")
        print(f"{args.connections} connections, {args.seconds} s, {len(paths)} paths "
              f"(the home page, the dashboard page and {len(paths) - 2} widgets)")
        print(f"cache: {'off' if args.no_cache else 'on'}; binary: {quire}; signed in with {'a session cookie' if args.cookie else 'an API token'}")
        print(f"answered: {r['requests']} ({r['requests'] / args.seconds:.0f}/s)")
        print(f"non-2xx: {non2xx} ({100 * non2xx / max(r['requests'], 1):.2f} %)")
        print(f"timeouts: {r['timeouts']}, connect errors: {r['connect']}, read: {r['read']}")
        print(f"latency ms: p50 {r['p50'] / 1000:.1f}, p90 {r['p90'] / 1000:.1f}, "
              f"p99 {r['p99'] / 1000:.1f}, max {r['max'] / 1000:.1f}")
        finite = sorted(h for h in health if h != float("inf"))
        print(f"/healthz under load: {len(health)} probes, {len(health) - len(finite)} failed, "
              f"max {1000 * max(finite or [0]):.0f} ms")
        print(f"server peak RSS: {peak / 1024:.0f} MB")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
