"""The members' poll of a busy evening on its own (issue 11): `GET /api/v1/meetings/{id}` of
the busy evening's meeting (12 items, one vote open with ballots in it, 30 members, every seated
person present), asked N times by 30 members' tokens in turn, against one worker on PostgreSQL;
prints the server's CPU per request (utime + stime from /proc) and the p50/p99 latency.

    python bench/meeting_poll.py --requests 600
    PYTHONPATH=<a git archive tree> python bench/meeting_poll.py      # the same, other code

Loopback only (127.0.0.1).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import httpx

try:  # python bench/meeting_poll.py
    from app_server import AppServer
    from busy_evening import PG, _ok, prepare
    from fanout import pct, sum_cpu
except ImportError:  # pragma: no cover
    from bench.app_server import AppServer
    from bench.busy_evening import PG, _ok, prepare
    from bench.fanout import pct, sum_cpu


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--postgres", default=PG, metavar="ADMIN_URL")
    p.add_argument("--requests", type=int, default=600)
    p.add_argument("--json", metavar="PATH")
    args = p.parse_args(argv)
    setup_args = argparse.Namespace(members=30, residents=1, suggestions=20)
    with AppServer(workers=1, postgres=args.postgres) as server:
        setup = prepare(server, setup_args)
        members = setup["member_headers"]
        with httpx.Client(base_url=server.url, timeout=60) as api:
            item = setup["item_ids"][0]
            _ok(api.post(f"/api/v1/items/{item}/vote/open", headers=setup["secretary_headers"],
                         json={"secret": False}))
            for h in members[:20]:
                _ok(api.post(f"/api/v1/items/{item}/ballots", headers=h,
                             json={"choice": "agree"}), 201)
            url = f"/api/v1/meetings/{setup['meeting_id']}"
            for h in members:  # warm: each token resolved once, the first body built
                _ok(api.get(url, headers=h))
            pids = server.pids()
            times = []
            cpu0, t0 = sum_cpu(pids), time.monotonic()
            for i in range(args.requests):
                s = time.perf_counter()
                _ok(api.get(url, headers=members[i % len(members)]))
                times.append((time.perf_counter() - s) * 1000)
            cpu, wall = sum_cpu(pids) - cpu0, time.monotonic() - t0
    times.sort()
    result = {"requests": args.requests, "server_cpu_ms_per_request":
              round(cpu * 1000 / args.requests, 2), "p50_ms": round(pct(times, 50), 2),
              "p99_ms": round(pct(times, 99), 2), "wall_s": round(wall, 1)}
    print(f"GET /api/v1/meetings/{{id}}: {result}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
