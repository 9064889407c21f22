"""Page benchmark: requests/s and p99 of each page, as a ratio to a trivial endpoint of the same
app measured in the same run.

    python bench/pages.py                                   # SQLite, 1 worker, ~2 minutes
    python bench/pages.py --rounds 1 --duration 3           # a quick look
    python bench/pages.py --only home                       # /healthz and the home page only
    python bench/pages.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        --redis redis://127.0.0.1:6379/0 --workers 2 --json bench/results/pages-pg.json

The server is a real `meetingroom serve` (bench/app_server.py: own data dir, demo community) in
a process of its own; the load comes from `--procs` client processes, each a closed loop of
`--conns` keep-alive HTTP/1.1 connections (a small asyncio client: far cheaper per request than
httpx, so the clients, not the server, are rarely the limit), sending the headers a phone's
browser sends (`Accept-Encoding: br, gzip`, so compression is part of the cost).

For every page and round: `--warmup` seconds of load, then `--duration` seconds measured. The
pages are measured in turn, the whole table `--rounds` times (default 3), and each figure is the
median over rounds, so a slow moment of the machine hits one round, not one page.
Reported per page: requests/s, p50/p99 latency, server CPU per request (the server's own
utime+stime over the window divided by requests: the most stable figure on a shared machine),
errors (non-2xx/3xx), and ratios to the trivial endpoint: rps ratio (page/trivial, higher is
better) and p99 and CPU ratios (page/trivial, lower is better).

Adding a page is one line in `PAGES`. A `Page` may need a logged-in demo person (`login=`) and
may post a form (`form=`: a function of the request number returning the fields; the CSRF token
is added). A path may hold `{placeholders}` filled from `prepare()` (ids of things a benchmark
creates before measuring, e.g. a meeting for the projector page).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:  # python bench/pages.py, or python -m bench.pages
    from app_server import DEMO, AppServer
    from fanout import pct, sum_cpu
except ImportError:  # pragma: no cover
    from bench.app_server import DEMO, AppServer
    from bench.fanout import pct, sum_cpu


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    login: str | None = None  # a demo role (bench/app_server.DEMO), or anonymous
    form: Callable[[int], dict[str, str]] | None = None  # POST these fields (plus csrf_token)


TRIVIAL = Page("trivial /healthz", "/healthz")

# The pages to measure, after TRIVIAL. One line each.
PAGES: list[Page] = [
    Page("home /", "/"),
    Page("committee /committee", "/committee"),
    Page("notifications (logged in)", "/notifications", login="resident"),
    Page("suggestion list /suggestions", "/suggestions"),
    Page("suggestion submit", "/suggestions", login="resident",
         form=lambda n: {"title": f"Bench suggestion {n}", "body": "路灯不亮了，请尽快修理。"}),
    Page("projector (open vote)", "/meetings/{meeting_id}/projector", login="secretary"),
    # The busy evening's other pages (bench/locustfile.py), one at a time: CPU per page type.
    Page("suggestion list, most supported", "/suggestions?sort=supported"),
    Page("suggestion /suggestions/{id}", "/suggestions/1"),
    Page("resolution list /resolutions", "/resolutions"),
    Page("meeting page /meetings/{id}", "/meetings/{meeting_id}"),
    Page("suggestions API (first page)", "/api/v1/suggestions?limit=20"),
    Page("suggestions API (cursor page)", "/api/v1/suggestions?limit=20&cursor={cursor}"),
    Page("meeting API (members' poll)", "/api/v1/meetings/{meeting_id}"),
]


def prepare(server: AppServer, args: argparse.Namespace) -> dict[str, Any]:
    """Create what the pages need before measuring; returns values for `{placeholders}`:
    an open meeting with 30 present members and an open vote (projector), and, with
    `--suggestions N`, N visible suggestions inserted directly with SQL (the list at scale);
    the API's second page by its cursor (the busy evening's "next page")."""
    try:
        from live_meeting import LiveMeeting
    except ImportError:  # pragma: no cover
        from bench.live_meeting import LiveMeeting
    meeting = LiveMeeting(server, members=30).setup()
    if args.suggestions:
        insert_suggestions(meeting.db_url(), args.suggestions)
    import httpx

    first = httpx.get(f"{server.url}/api/v1/suggestions?limit=20", timeout=30).json()
    return {"meeting_id": meeting.id, "cursor": first.get("next_cursor") or ""}


def insert_suggestions(db_url: str, n: int) -> None:
    """N suggestions by the demo resident, spread over the last year, in batches of 5,000."""
    import datetime as dt

    import sqlalchemy as sa

    from meetingroom.models import Suggestion, User

    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        community_id, author_id = conn.execute(
            sa.select(User.community_id, User.id).where(User.phone == DEMO["resident"])).one()
        now = dt.datetime.now(dt.UTC)
        for start in range(0, n, 5000):
            conn.execute(sa.insert(Suggestion.__table__), [
                {"community_id": community_id, "author_id": author_id,
                 "title": f"Suggestion {i}: 路灯不亮了", "body": "请尽快修理楼道的路灯。" * 5,
                 "location": "3号楼", "status": "submitted", "supporters": i % 17,
                 "decline_reason": "", "show_name": False, "hidden": False,
                 "hidden_reason": "", "report_count": 0, "on_behalf_name": "",
                 "on_behalf_address": "", "created_at": now - dt.timedelta(minutes=5 * i)}
                for i in range(start, min(n, start + 5000))])
    engine.dispose()


# -------------------------------------------------------------------- the load generator


def _request(page: Page, path: str, cookies: dict[str, str], csrf: str, n: int,
             host: str) -> bytes:
    head = [f"{'POST' if page.form else 'GET'} {path} HTTP/1.1", f"Host: {host}",
            "User-Agent: Mozilla/5.0 (Linux; Android 14) meetingroom-bench",
            "Accept: text/html,application/xhtml+xml,*/*;q=0.8",
            "Accept-Encoding: br, gzip", "Accept-Language: zh-CN,zh;q=0.9"]
    if cookies:
        head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    body = b""
    if page.form:
        body = urllib.parse.urlencode({**page.form(n), "csrf_token": csrf}).encode()
        head += ["Content-Type: application/x-www-form-urlencoded",
                 f"Origin: http://{host}", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; returns (status, keep-alive)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip().lower()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, headers.get("connection") != "close"


async def _connection(port: int, make: Callable[[int], bytes], stop_at: float, warm_until: float,
                      lat: list[float], counts: list[int]) -> None:
    reader = writer = None
    n = 0
    while time.perf_counter() < stop_at:
        if writer is None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        t0 = time.perf_counter()
        writer.write(make(n))
        n += 1
        try:
            status, keep = await _read_response(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            counts[1] += 1
            writer.close()
            writer = None
            continue
        t1 = time.perf_counter()
        if t0 >= warm_until:
            lat.append(t1 - t0)
            counts[0 if status < 400 else 1] += 1
        if not keep:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def _load(port: int, conns: int, page: Page, path: str, cookies: dict[str, str],
                csrf: str, start_at: float, warmup: float, duration: float
                ) -> tuple[list[float], list[int]]:
    host = f"127.0.0.1:{port}"
    offset = os.getpid() * 1_000_000  # request numbers unique across client processes

    def make(n: int) -> bytes:
        return _request(page, path, cookies, csrf, offset + n, host)

    lat: list[float] = []
    counts = [0, 0]  # ok, errors
    await asyncio.sleep(max(0.0, start_at - time.time()))
    now = time.perf_counter()
    await asyncio.gather(*(_connection(port, make, now + warmup + duration, now + warmup, lat,
                                       counts) for _ in range(conns)))
    return lat, counts


def _client_main(conn, port: int, conns: int) -> None:
    """One client process: runs each command the parent sends, answers with its figures."""
    while True:
        cmd = conn.recv()
        if cmd is None:
            return
        index, *rest = cmd
        page = [TRIVIAL, *PAGES][index]  # by index: a form function does not pickle
        conn.send(asyncio.run(_load(port, conns, page, *rest)))


# ------------------------------------------------------------------------- measuring


def measure(server: AppServer, clients: list, index: int, path: str, auth: tuple,
            args: argparse.Namespace) -> dict[str, Any]:
    cookies, csrf = auth
    start_at = time.time() + 0.3
    for c in clients:
        c.send((index, path, cookies, csrf, start_at, args.warmup, args.duration))
    time.sleep(max(0.0, start_at - time.time()) + args.warmup)
    pids = server.pids()
    cpu0, t0 = sum_cpu(pids), time.monotonic()
    results = [c.recv() for c in clients]
    # The clients stop on their own at start+warmup+duration; the window is close enough.
    cpu = sum_cpu(pids) - cpu0
    window = time.monotonic() - t0
    lat = sorted(x for r in results for x in r[0])
    ok = sum(r[1][0] for r in results)
    errors = sum(r[1][1] for r in results)
    return {
        "requests": ok + errors, "errors": errors,
        "rps": round(len(lat) / args.duration, 1),
        "p50_ms": round(pct(lat, 50) * 1000, 2) if lat else None,
        "p99_ms": round(pct(lat, 99) * 1000, 2) if lat else None,
        "server_cpu_ms_per_req": round(cpu * 1000 / len(lat), 3) if lat else None,
        "window_s": round(window, 2),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    pages = [TRIVIAL, *PAGES]
    server = AppServer(workers=args.workers, postgres=args.postgres, redis=args.redis).start()
    clients, procs = [], []
    try:
        context = prepare(server, args)
        auths = {}
        for page in pages:
            if page.login and page.login not in auths:
                auths[page.login] = server.login(page.login)
        ctx = mp.get_context("spawn")
        for _ in range(args.procs):
            parent, child = ctx.Pipe()
            p = ctx.Process(target=_client_main, args=(child, server.port, args.conns),
                            daemon=True)
            p.start()
            clients.append(parent)
            procs.append(p)
        rounds: list[dict[str, dict]] = []
        chosen = [(i, p) for i, p in enumerate(pages)
                  if p is TRIVIAL or not args.only or any(s in p.name for s in args.only)]
        for r in range(args.rounds):
            row = {}
            for index, page in chosen:
                path = page.path.format(**context)
                row[page.name] = measure(server, clients, index, path,
                                         auths.get(page.login, ({}, "")), args)
                print(f"  round {r + 1} {page.name:<28} {row[page.name]['rps']:>8} req/s  "
                      f"p99 {row[page.name]['p99_ms']} ms  errors {row[page.name]['errors']}",
                      file=sys.stderr, flush=True)
            rounds.append(row)
    finally:
        for c in clients:
            with contextlib.suppress(OSError):
                c.send(None)
        for p in procs:
            p.join(5)
            if p.is_alive():
                p.kill()
        server.stop()
    return summarise([p for _, p in chosen], rounds)


def summarise(pages: list[Page], rounds: list[dict]) -> dict[str, Any]:
    def med(name: str, key: str) -> float | None:
        vals = [r[name][key] for r in rounds if r[name][key] is not None]
        return round(statistics.median(vals), 3) if vals else None

    table = {}
    for page in pages:
        table[page.name] = {k: med(page.name, k) for k in
                            ("rps", "p50_ms", "p99_ms", "server_cpu_ms_per_req")}
        table[page.name]["errors"] = sum(r[page.name]["errors"] for r in rounds)
    base = table[TRIVIAL.name]
    for row in table.values():
        row["rps_ratio"] = _ratio(row["rps"], base["rps"])
        row["p99_ratio"] = _ratio(row["p99_ms"], base["p99_ms"])
        row["cpu_ratio"] = _ratio(row["server_cpu_ms_per_req"], base["server_cpu_ms_per_req"])
    return {"pages": table, "rounds": rounds}


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def print_table(result: dict[str, Any], args: argparse.Namespace) -> None:
    cols = [("rps", "req/s"), ("rps_ratio", "×rps"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"),
            ("p99_ratio", "×p99"), ("server_cpu_ms_per_req", "cpu ms/req"),
            ("cpu_ratio", "×cpu"), ("errors", "errors")]
    rows = [["page"] + [h for _, h in cols]]
    for name, row in result["pages"].items():
        rows.append([name] + ["-" if row[k] is None else str(row[k]) for k, _ in cols])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print(f"pages: {args.workers} worker(s), {'PostgreSQL' if args.postgres else 'SQLite'}, "
          f"{args.procs}×{args.conns} connections, {args.rounds} rounds of "
          f"{args.warmup:g}+{args.duration:g} s, medians")
    for j, r in enumerate(rows):
        print("  ".join([r[0].ljust(widths[0])] + [c.rjust(w) for c, w in
                                                    zip(r[1:], widths[1:], strict=True)]))
        if j == 0:
            print("  ".join("-" * w for w in widths))
    print("×rps = page req/s ÷ trivial (higher is better); ×p99, ×cpu = page ÷ trivial "
          "(lower is better); cpu = server CPU time per request.")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="page benchmark, ratios to a trivial endpoint",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--postgres", metavar="ADMIN_URL",
                   help="use a fresh PostgreSQL database created through this URL")
    p.add_argument("--redis", metavar="URL", help="MEETINGROOM_BROADCAST_URL for the server")
    p.add_argument("--suggestions", type=int, default=0,
                   help="insert this many suggestions first (the list at scale: 100000)")
    p.add_argument("--procs", type=int, default=1, help="client processes")
    p.add_argument("--conns", type=int, default=4, help="connections per client process "
                   "(more only queues: on 2 cores 16 gave less req/s and 7x the p99)")
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--duration", type=float, default=5.0, help="measured seconds per page")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--only", nargs="*", metavar="NAME",
                   help="measure only the pages whose name contains one of these (and /healthz)")
    p.add_argument("--json", metavar="PATH")
    args = p.parse_args(argv)
    started = time.time()
    result = run(args)
    print_table(result, args)
    if args.json:
        out = {"config": vars(args), "date": time.strftime("%Y-%m-%d %H:%M %z"),
               "host": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}, **result,
               "wall_s": round(time.time() - started, 1)}
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {args.json}")
    errors = sum(row["errors"] for row in result["pages"].values())
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
