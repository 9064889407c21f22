"""Big lists: every list page and API list at 100,000 rows against the same page with the demo's
few rows, measured in the same run (issue 11, target: within 1.5x).

    python bench/lists.py                                   # SQLite, ~4 minutes
    python bench/lists.py --rows 100000 --rounds 3 --json bench/results/lists-sqlite.json
    python bench/lists.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

Two real servers (bench/app_server.py), each with the demo community, run side by side: "small"
with `--small-rows` (200) more suggestions (by the demo resident) and as many resolutions, each
with two ratings (a party member's and a resident's), so that every page it shows is full (20
rows), and "big" with `--rows` (100,000) of each, inserted with SQL before measuring. Every
page is measured on both in turn, with the same client processes and load as
bench/pages.py (closed loop, keep-alive, a phone's headers, `--warmup` + `--duration` s), the
whole table `--rounds` times; figures are medians. The ratio big/small of p50 and of server CPU
per request is the figure to read.

"Deep page" is page 2,501 (rows 50,001–50,020): reached by the `next_cursor` the API hands out
at offset 50,000 (what a client walking the list, or the page's Next link, uses). On the small
server it is the first page, the cost the deep page should match. `--offset-deep` measures the
same page by `?offset=50000` instead (the only way before keyset pagination).
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
from pathlib import Path
from typing import Any

try:  # python bench/lists.py, or python -m bench.lists
    from app_server import DEMO, AppServer
    from pages import Page, _load, insert_suggestions, measure
except ImportError:  # pragma: no cover
    from bench.app_server import DEMO, AppServer
    from bench.pages import Page, _load, insert_suggestions, measure

PAGES: list[Page] = [
    Page("trivial /healthz", "/healthz"),
    Page("suggestion list /suggestions", "/suggestions"),
    Page("suggestions, most supported", "/suggestions?sort=supported"),
    Page("suggestions API", "/api/v1/suggestions"),
    Page("suggestions API, deep page", "{deep_suggestions}"),
    Page("my suggestions (resident)", "/suggestions/mine", login="resident"),
    Page("resolution list /resolutions", "/resolutions"),
    Page("resolutions API", "/api/v1/resolutions"),
    Page("resolutions API, deep page", "{deep_resolutions}"),
]
DEEP = 50_000  # or half the rows, when fewer


def insert_resolutions(db_url: str, n: int) -> None:
    """n adopted proposals on one closed meeting, each a resolution with two ratings."""
    import datetime as dt

    import sqlalchemy as sa

    from meetingroom.models import AgendaItem, Meeting, Proposal, Rating, Resolution, User

    engine = sa.create_engine(db_url)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        people = dict(conn.execute(sa.select(User.phone, User.id).where(User.phone.in_(
            [DEMO["chair"], DEMO["party_member"], DEMO["resident"]]))).all())
        community_id = conn.execute(sa.select(User.community_id).where(
            User.phone == DEMO["chair"])).scalar_one()
        meeting_id = conn.execute(sa.insert(Meeting.__table__).values(
            community_id=community_id, kind="work", title="Bench: a long year",
            starts_at=now - dt.timedelta(days=400), location="", status="closed", seq=0,
            created_at=now).returning(Meeting.__table__.c.id)).scalar_one()
        statuses = ("not_started", "in_progress", "done", "delayed")
        for start in range(0, n, 5000):
            batch = range(start, min(n, start + 5000))
            proposal_ids = conn.execute(sa.insert(Proposal.__table__).returning(
                Proposal.__table__.c.id, sort_by_parameter_order=True), [
                {"community_id": community_id, "sponsor_id": people[DEMO["chair"]],
                 "title": f"Bench proposal {i}", "body": "加装电梯。", "draft_resolution": "",
                 "principle": "practical", "status": "adopted",
                 "created_at": now - dt.timedelta(minutes=3 * (n - i))} for i in batch]
            ).scalars().all()
            item_ids = conn.execute(sa.insert(AgendaItem.__table__).returning(
                AgendaItem.__table__.c.id, sort_by_parameter_order=True), [
                {"community_id": community_id, "meeting_id": meeting_id, "proposal_id": pid,
                 "position": i, "vote_status": "closed", "method": "ballot", "agree": 9,
                 "oppose": 0, "abstain": 0, "outcome": "adopted", "rule_text": ""}
                for i, pid in zip(batch, proposal_ids, strict=True)]).scalars().all()
            resolution_ids = conn.execute(sa.insert(Resolution.__table__).returning(
                Resolution.__table__.c.id, sort_by_parameter_order=True), [
                {"community_id": community_id, "item_id": item, "proposal_id": pid,
                 "title": f"Bench resolution {i}: 为3号楼加装电梯", "text": "年底前完成。",
                 "responsible": "物业公司", "status": statuses[i % 4],
                 "percent": 100 if statuses[i % 4] == "done" else 40,
                 "deadline": (now + dt.timedelta(days=i % 300 - 100)).date(),
                 "ratings_opened_at": now - dt.timedelta(days=1),
                 "created_at": now - dt.timedelta(minutes=3 * (n - i))}
                for i, pid, item in zip(batch, proposal_ids, item_ids, strict=True)]
            ).scalars().all()
            conn.execute(sa.insert(Rating.__table__), [
                {"community_id": community_id, "resolution_id": rid, "user_id": people[phone],
                 "group": group, "score": 1 + (rid + k) % 5, "comment": "", "hidden": False,
                 "report_count": 0, "created_at": now, "updated_at": now}
                for rid in resolution_ids
                for k, (phone, group) in enumerate(((DEMO["party_member"], "party_member"),
                                                    (DEMO["resident"], "resident")))])
    if engine.dialect.name == "postgresql":
        # VACUUM too, not only ANALYZE: a table bulk-loaded a moment ago has no visibility map,
        # so every index-only scan (the capped counts) would visit the table's pages as well;
        # autovacuum sets it on a live database soon after such inserts (PostgreSQL >= 13).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


def prepare(server: AppServer, rows: int, offset_deep: bool, small: bool) -> dict[str, str]:
    import httpx

    db_url = server.env.get("MEETINGROOM_DATABASE_URL") or \
        f"sqlite:///{(server.dir / 'data' / 'meetingroom.db').resolve()}"
    if rows:
        insert_suggestions(db_url, rows)
        insert_resolutions(db_url, rows)
    deep = min(DEEP, rows // 2)
    context = {}
    with httpx.Client(base_url=server.url, timeout=120) as client:
        for key, path in (("deep_suggestions", "/api/v1/suggestions"),
                          ("deep_resolutions", "/api/v1/resolutions")):
            if small:
                context[key] = path  # the first page: what a deep page should cost
            elif offset_deep:
                context[key] = f"{path}?offset={deep}"
            else:
                page = client.get(path, params={"offset": deep - 20, "limit": 20}).json()
                context[key] = f"{path}?cursor={page['next_cursor']}"
    return context


def _client_main(conn, conns: int) -> None:
    while True:
        cmd = conn.recv()
        if cmd is None:
            return
        port, index, *rest = cmd
        conn.send(asyncio.run(_load(port, conns, PAGES[index], *rest)))


class _Port:
    """What bench.pages.measure sends to a client, with the server's port in front."""

    def __init__(self, conn, port: int) -> None:
        self.conn, self.port = conn, port

    def send(self, cmd) -> None:
        self.conn.send((self.port, *cmd))

    def recv(self):
        return self.conn.recv()


def _chosen(page: Page, args: argparse.Namespace) -> bool:
    return not args.only or page.name == PAGES[0].name or any(
        word in page.name for word in args.only)


def run(args: argparse.Namespace) -> dict[str, Any]:
    servers = {"small": AppServer(postgres=args.postgres),
               "big": AppServer(postgres=args.postgres)}
    clients, procs = [], []
    try:
        contexts, auths = {}, {}
        for name, server in servers.items():
            server.start()
            t0 = time.monotonic()
            contexts[name] = prepare(server, args.rows if name == "big" else args.small_rows,
                                     args.offset_deep, small=name == "small")
            print(f"  {name}: ready in {time.monotonic() - t0:.0f} s", file=sys.stderr)
            auths[name] = {"resident": server.login("resident")}
        ctx = mp.get_context("spawn")
        for _ in range(args.procs):
            parent, child = ctx.Pipe()
            p = ctx.Process(target=_client_main, args=(child, args.conns), daemon=True)
            p.start()
            clients.append(parent)
            procs.append(p)
        rounds = []
        for r in range(args.rounds):
            row: dict[str, dict[str, Any]] = {}
            for index, page in enumerate(PAGES):
                if not _chosen(page, args):
                    continue
                for name, server in servers.items():
                    path = page.path.format(**contexts[name])
                    auth = auths[name].get(page.login, ({}, "")) if page.login else ({}, "")
                    res = measure(server, [_Port(c, server.port) for c in clients], index, path,
                                  auth, args)
                    row[f"{page.name}|{name}"] = res
                    print(f"  round {r + 1} {name:<5} {page.name:<30} {res['rps']:>7} req/s "
                          f"p50 {res['p50_ms']} ms  errors {res['errors']}", file=sys.stderr,
                          flush=True)
            rounds.append(row)
    finally:
        for c in clients:
            with contextlib.suppress(OSError):
                c.send(None)
        for p in procs:
            p.join(5)
            if p.is_alive():
                p.kill()
        for server in servers.values():
            server.stop()
    return summarise(rounds)


def summarise(rounds: list[dict]) -> dict[str, Any]:
    def med(key: str, field: str) -> float | None:
        vals = [r[key][field] for r in rounds if r[key][field] is not None]
        return round(statistics.median(vals), 3) if vals else None

    table = {}
    for page in PAGES:
        if f"{page.name}|small" not in rounds[0]:
            continue  # not chosen (--only)
        row: dict[str, Any] = {}
        for name in ("small", "big"):
            for field in ("rps", "p50_ms", "p99_ms", "server_cpu_ms_per_req"):
                row[f"{name}_{field}"] = med(f"{page.name}|{name}", field)
            row[f"{name}_errors"] = sum(r[f"{page.name}|{name}"]["errors"] for r in rounds)
        for field in ("p50_ms", "server_cpu_ms_per_req"):
            a, b = row[f"big_{field}"], row[f"small_{field}"]
            row[f"ratio_{field}"] = round(a / b, 2) if a is not None and b else None
        table[page.name] = row
    return {"pages": table, "rounds": rounds}


def print_table(result: dict[str, Any], args: argparse.Namespace) -> None:
    print(f"lists: {'PostgreSQL' if args.postgres else 'SQLite'}, 1 worker each, big = "
          f"+{args.rows:,} suggestions and resolutions (2 ratings each), "
          f"{args.procs}x{args.conns} connections, {args.rounds} rounds of "
          f"{args.warmup:g}+{args.duration:g} s, medians")
    head = ["page", "small p50", "big p50", "x p50", "small cpu", "big cpu", "x cpu",
            "big p99", "errors"]
    rows = [head]
    for name, r in result["pages"].items():
        rows.append([name, str(r["small_p50_ms"]), str(r["big_p50_ms"]),
                     str(r["ratio_p50_ms"]), str(r["small_server_cpu_ms_per_req"]),
                     str(r["big_server_cpu_ms_per_req"]), str(r["ratio_server_cpu_ms_per_req"]),
                     str(r["big_p99_ms"]), str(r["small_errors"] + r["big_errors"])])
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for j, r in enumerate(rows):
        print("  ".join([r[0].ljust(widths[0])] + [c.rjust(w) for c, w in
                                                    zip(r[1:], widths[1:], strict=True)]))
        if j == 0:
            print("  ".join("-" * w for w in widths))
    print("ms = latency; cpu = server CPU ms per request; x = big / small (target <= 1.5).")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="list pages at 100,000 rows vs a few, same run",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--small-rows", type=int, default=200,
                   help="rows added to the small server too, so its pages are full (20 rows)")
    p.add_argument("--postgres", metavar="ADMIN_URL")
    p.add_argument("--offset-deep", action="store_true",
                   help="deep pages by ?offset= instead of the cursor (as before issue 11)")
    p.add_argument("--procs", type=int, default=1)
    p.add_argument("--conns", type=int, default=4)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--duration", type=float, default=4.0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--only", nargs="+", metavar="WORDS",
                   help="only the pages whose name contains one of these (and /healthz)")
    p.add_argument("--json", metavar="PATH")
    args = p.parse_args(argv)
    started = time.time()
    result = run(args)
    print_table(result, args)
    if args.json:
        out = {"config": vars(args), "date": time.strftime("%Y-%m-%d %H:%M %z"),
               "host": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                        "load_1min_at_end": os.getloadavg()[0]},
               **result, "wall_s": round(time.time() - started, 1)}
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {args.json}")
    errors = sum(r["small_errors"] + r["big_errors"] for r in result["pages"].values())
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
