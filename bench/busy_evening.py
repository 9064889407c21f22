"""A busy evening (issue 11): 300 residents browsing and suggesting, 30 committee members voting
through a meeting, and 2,000 viewers on its live feed, against 2 workers on PostgreSQL and Redis,
for 2 minutes. Target: no error, page p99 <= 300 ms.

    python bench/busy_evening.py --json bench/results/busy-evening.json
    python bench/busy_evening.py --duration 30 --viewers 200        # a quick look

Everything is on this machine, over loopback (127.0.0.1) only. The server is a real `meetingroom
serve --workers 2` (bench/app_server.py) on a fresh PostgreSQL database with Redis as the hub.
Set-up, kept out of the measurement: the 30 members (seated, checked in) and 300 residents are
inserted with SQL and given bearer tokens directly (no Argon2 login each, bench/live_meeting.py);
2,000 suggestions are inserted; a member sponsors 12 proposals and the demo secretary puts them on
one meeting and opens it, through the API.

Then, at once:
- Locust (`locust`, bench/locustfile.py, headless, one process, FastHttpUser) runs the
  residents (pages, the suggestion list and its next page by cursor, resolutions, the meeting
  page; now and then a new suggestion or a support), the members (each polls the meeting every
  2 s and votes once on each open item), the secretary (opens a vote, closes it 10 s later, the
  next item) and a probe on /healthz every 0.5 s: the same run's baseline, so the page figures
  are also given as ratios.
- 2,000 viewers on `WS /api/v1/meetings/{id}/live` (bench/ws_clients.py, their own
  processes), by default on the live listener (`MEETINGROOM_LIVE_PORT`), the deployment
  docs/deployment.md recommends for meetings watched by hundreds or thousands of phones
  (`--live asgi` puts them on the app's own ASGI route, as every run before 2026-12-07 did),
  and by default on bare sockets (`--viewer-client websockets`: the websockets library's
  client, every run before 2026-12-07 evening, at twice the CPU per message on the cores the
  server shares). They follow the feed as a client does (CONTRACT "Live feed"): a snapshot
  sets where they stand (also one in the stream: a resync, or the room covering a late
  event), every event must be the next `seq`; a `seq` that jumps ahead is a gap (an error:
  the skipped seqs are recorded, and the viewer reconnects for a fresh snapshot, as a client
  must), so are a failed or dropped socket. The server's live warnings (a late event covered
  by a snapshot, a slow socket dropped, a Redis outage) are read from its log.

The CPU of every process group (server, Locust, viewers, PostgreSQL's backends, Redis, the
rest of the machine) over Locust's run is printed and kept (`cpu`): whether the load generator
or the app is the limit.

Stats are reset once every user has started (`--reset-stats`), so the figures cover the full
load. Locust's own CSV (`--csv`) is kept next to the JSON (without `--json`, in a temp dir
removed after reading). Every Locust user has a token of its own, also with
`--locust-processes` > 1 (a counter file shared by Locust's processes, locustfile.take).

`--py-spy DIR` records each worker (py-spy raw stacks, DIR/worker-N.txt; add `--gil` through
`--py-spy-exe` a wrapper for on-CPU samples only); `cpu.by_worker_s` is each worker's CPU, to
see whether the load spreads evenly.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

try:  # python bench/busy_evening.py
    from app_server import DEMO, DEMO_PASSWORD, AppServer, free_port
    from fanout import CLK_TCK, proc_cpu_s
    from live_meeting import LiveMeeting
    from pages import insert_suggestions
    from ws_clients import ClientSwarm, raise_nofile_limit
except ImportError:  # pragma: no cover
    from bench.app_server import DEMO, DEMO_PASSWORD, AppServer, free_port
    from bench.fanout import CLK_TCK, proc_cpu_s
    from bench.live_meeting import LiveMeeting
    from bench.pages import insert_suggestions
    from bench.ws_clients import ClientSwarm, raise_nofile_limit

HERE = Path(__file__).parent
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379/0"
ITEMS = 12


def _ok(r: httpx.Response, status: int = 200) -> dict:
    if r.status_code != status:
        raise RuntimeError(f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:300]}")
    return r.json()


def prepare(server: AppServer, args: argparse.Namespace) -> dict[str, Any]:
    """The people, the suggestions and the meeting (see the module docstring)."""
    from meetingroom.auth.security import hash_password
    from meetingroom.models import Attendance, Community, Suggestion, User, utcnow

    meeting = LiveMeeting(server, members=args.members)
    engine = sa.create_engine(meeting.db_url())
    with sa.orm.Session(engine) as s:
        community_id = s.scalars(sa.select(Community.id)).first()
        password = hash_password(DEMO_PASSWORD)
        members = [User(community_id=community_id, name=f"Evening member {i}",
                        phone=f"15{i:09d}", password_hash=password, seat="part_time",
                        is_party_member=True) for i in range(args.members)]
        residents = [User(community_id=community_id, name=f"Evening resident {i}",
                          phone=f"16{i:09d}", password_hash=password)
                     for i in range(args.residents)]
        s.add_all(members + residents)
        s.commit()
        resident_ids = [u.id for u in residents]
        # Every seated person checks in (the demo's committee too): quorum is R7.1's 2/3 of S.
        member_ids = list(s.scalars(sa.select(User.id).where(
            User.community_id == community_id, User.seat.is_not(None))))
        voters = [u.id for u in members]
    # Tokens through LiveMeeting's issuer (the server's key and database, as login would).
    meeting.member_ids = resident_ids
    resident_tokens = meeting._tokens()
    meeting.member_ids = voters
    member_headers = [{"Authorization": f"Bearer {t}"} for t in meeting._tokens()]
    if engine.dialect.name == "postgresql":
        # Redis channels are named by meeting id and shared by every run on this Redis: a
        # fresh database's meeting 1 must not hear another run's meeting 1.
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('meeting', 'id'), "
                                 f"{random.randint(10**6, 10**9)})")
    insert_suggestions(meeting.db_url(), args.suggestions)
    with engine.connect() as conn:
        suggestion_ids = list(conn.execute(sa.select(Suggestion.id).order_by(
            Suggestion.id.desc()).limit(500)).scalars())

    with httpx.Client(base_url=server.url, timeout=60) as api:
        secretary = {"Authorization": "Bearer " + _ok(api.post("/api/v1/auth/token", json={
            "phone": DEMO["secretary"], "password": DEMO_PASSWORD}))["access_token"]}
        proposal_ids = [_ok(api.post("/api/v1/proposals", headers=member_headers[0], json={
            "title": f"议题 {i + 1}：为{i + 1}号楼加装电梯", "body": "居民反映上下楼困难。",
            "draft_resolution": "年内完成。", "principle": "practical"}), 201)["id"]
            for i in range(ITEMS)]
        created = _ok(api.post("/api/v1/meetings", headers=secretary, json={
            "kind": "work", "title": "今晚的工作会议", "starts_at": "2026-12-01T19:00:00+08:00",
            "location": "社区会议室", "proposal_ids": proposal_ids}), 201)
        meeting.id = created["id"]
        item_ids = [item["id"] for item in created["agenda"]]
        with engine.begin() as conn:  # every member checks in (before opening: no events)
            conn.execute(sa.insert(Attendance.__table__), [
                {"meeting_id": meeting.id, "user_id": uid, "present": True,
                 "checked_in_at": utcnow()} for uid in member_ids])
        _ok(api.post(f"/api/v1/meetings/{meeting.id}/open", headers=secretary))
    engine.dispose()
    return {"meeting_id": meeting.id, "item_ids": item_ids, "member_headers": member_headers,
            "secretary_headers": secretary, "resident_tokens": resident_tokens,
            "suggestion_ids": suggestion_ids, "live_url": meeting.live_url()}


def _machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of every core, from /proc/stat's first line."""
    with open("/proc/stat") as fh:
        f = [int(x) for x in fh.readline().split()[1:]]
    idle = f[3] + f[4]  # idle + iowait
    return sum(f[:8]) - idle, sum(f[:8])


def _postgres_backends(db_name: str | None) -> list[int]:
    """PostgreSQL's backends serving the bench database (their title names the database)."""
    if not db_name:
        return []
    needle = f" {db_name} ".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(b"postgres: ") and needle in cmdline:
                pids.append(int(entry.name))
    return pids


def _redis_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "redis-server":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class CpuAccount:
    """Where the machine's CPU went during the run, by process group: utime + stime read from
    /proc at the start, every second (so a PostgreSQL backend that comes or goes in the run
    is counted up to its last sample) and at the end. Locust is this script's child: its CPU
    (with its worker processes') is the children's rusage once it is reaped, exact.

    `machine` is every core's busy time (/proc/stat); `other` is what no group explains: the
    other sessions on a shared machine, this script itself, the kernel's own work. PostgreSQL
    and Redis are shared servers: Redis's figure includes whatever else uses it then."""

    def __init__(self, groups: dict[str, Any]) -> None:
        self.groups = groups  # name -> () -> pids
        self.first: dict[str, dict[int, float]] = {g: {} for g in groups}
        self.last: dict[str, dict[int, float]] = {g: {} for g in groups}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self, initial: bool = False) -> None:
        for name, pids_of in self.groups.items():
            for pid in pids_of():
                cpu = proc_cpu_s(pid)
                if cpu <= 0:
                    continue
                if pid not in self.first[name]:  # a process that started in the run counts whole
                    self.first[name][pid] = cpu if initial else 0.0
                self.last[name][pid] = cpu

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            self._sample()

    def start(self) -> None:
        self.t0 = time.monotonic()
        self.machine0 = _machine_jiffies()
        self.children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._sample(initial=True)
        self._thread.start()

    def stop(self) -> dict[str, Any]:
        """Call once Locust has been reaped (its CPU is then in the children's rusage)."""
        self._sample()
        self._stop.set()
        self._thread.join()
        window = time.monotonic() - self.t0
        busy0, total0 = self.machine0
        busy1, total1 = _machine_jiffies()
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = {name: sum(self.last[name][p] - self.first[name][p] for p in self.last[name])
               for name in self.groups}
        # The children's rusage also holds the set-up's `meetingroom demo` only if it ended in
        # the window (it did not: it ran before start), so the delta is Locust's alone.
        cpu["locust"] = (ru.ru_utime + ru.ru_stime) - (self.children0.ru_utime
                                                      + self.children0.ru_stime)
        machine = (busy1 - busy0) / CLK_TCK
        cores = (total1 - total0) / CLK_TCK / window if window else 0
        cpu["other"] = machine - sum(cpu.values())
        return {"window_s": round(window, 1), "cores": os.cpu_count(),
                "machine_busy_s": round(machine, 1),
                "machine_busy_share": round(machine / (cores * window), 2) if window else None,
                "by_group_s": {k: round(v, 1) for k, v in cpu.items()},
                "by_group_cores": {k: round(v / window, 2) for k, v in cpu.items()}
                if window else {}}


def read_stats(prefix: Path) -> dict[str, dict[str, Any]]:
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            name = row["Name"] if row["Type"] else "Aggregated"
            rows[name] = {
                "method": row["Type"], "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "p50_ms": _num(row["50%"]), "p95_ms": _num(row["95%"]),
                "p99_ms": _num(row["99%"]), "max_ms": _num(row["Max Response Time"])}
    return rows


def _num(value: str) -> float | None:
    try:
        return round(float(value), 1)
    except ValueError:
        return None


def viewer_figures(result) -> dict[str, Any]:
    """What the viewers saw, followed as a client follows the feed (bench/ws_clients.py,
    `follow_seq`): a snapshot in the stream (a resync, or the room covering a late event)
    resets the count and is no error; an event whose seq jumps ahead is a gap (an error), after
    which the viewer reconnects for a fresh snapshot, as CONTRACT tells a client to."""
    events = sum(n for kind, n in result.types.items()
                 if kind not in ("snapshot", "heartbeat", "?"))
    ready = max(result.ready, 1)
    # A seq every connected viewer skipped was lost (or skipped) before the rooms' fan-out;
    # one only some skipped was lost on their sockets' way.
    missed_by_all = sorted(seq for seq, n in result.missing.items() if n >= result.ready)
    return {"viewers": result.viewers, "ready": result.ready, "failed": result.failed,
            "dropped": result.dropped, "events_delivered": events,
            "events_per_viewer": round(events / ready, 1),
            "message_types": dict(sorted(result.types.items())),
            "seq_gaps": result.gaps, "reconnects_after_gap": result.reconnects,
            "stale_events": result.stale, "in_stream_snapshots": result.in_stream_snapshots,
            "seqs_missed": len(result.missing), "seqs_missed_by_every_viewer": missed_by_all,
            "errors": result.errors[:5]}


def live_log(path: Path) -> dict[str, Any]:
    """The server's own account of its live feed (read before the server's dir is removed)."""
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    live = [line for line in lines if "live" in line and ("WARNING" in line or "ERROR" in line
                                                           or "dropped a slow" in line)]
    return {"late_event_snapshots": sum("came more than" in line for line in live),
            "slow_sockets_dropped": sum("dropped a slow socket" in line for line in live),
            "redis_outages": sum("unreachable" in line for line in live),
            # uvicorn's supervisor killing a worker that missed its health ping (cli.py)
            "worker_restarts": sum("Child process" in line and "died" in line for line in lines),
            "tracebacks": sum(line.startswith("Traceback") for line in lines),
            "first_lines": live[:10]}


def run(args: argparse.Namespace) -> dict[str, Any]:
    raise_nofile_limit(args.viewers + 1024)
    live_port = free_port() if args.live == "listener" else None
    server = AppServer(workers=args.workers, postgres=args.postgres, redis=args.redis,
                       extra_env={"MEETINGROOM_LIVE_PORT": str(live_port)} if live_port else None)
    # Locust's CSV: next to the JSON, or in a temp dir of its own (read before it is removed).
    scratch = None if args.json else tempfile.mkdtemp(prefix="busy-evening-")
    out_dir = Path(args.json).parent if args.json else Path(scratch)
    prefix = out_dir / "busy-evening-locust"
    # Each Locust user takes the next token from a counter file shared by every Locust
    # process (--locust-processes), so no two users share a token (locustfile.py).
    counters = Path(tempfile.mkdtemp(prefix="busy-evening-users-"))
    swarm = None
    spies: list[subprocess.Popen] = []
    try:
        server.start()
        t0 = time.monotonic()
        setup = prepare(server, args)
        print(f"  set up in {time.monotonic() - t0:.0f} s; {args.viewers} viewers connecting",
              file=sys.stderr, flush=True)
        live_url, origin = setup["live_url"], server.url
        if live_port:  # the deployment docs' live listener: the same path on its own port;
            # behind the proxy the browser's Origin is the one site the proxy serves, and so
            # is the Host the listener sees: here that host is the listener's own address.
            live_url = live_url.replace(f":{server.port}/", f":{live_port}/", 1)
            origin = f"http://127.0.0.1:{live_port}"
        swarm = ClientSwarm([live_url] * args.viewers, processes=args.viewer_procs,
                            marker_field="seq", headers={"Origin": origin},
                            follow_seq=True, raw=args.viewer_client == "raw")
        swarm.start()
        ready, failed = swarm.wait_ready(timeout=180)
        print(f"  viewers ready {ready}, failed {failed}; locust for {args.duration} s",
              file=sys.stderr, flush=True)
        users = args.residents + args.members + 1 + 2
        env = {**os.environ, "BUSY_EVENING": json.dumps(setup),
               "BUSY_EVENING_CLIENT": args.locust_client,
               "BUSY_EVENING_COUNTERS": str(counters)}
        if args.trace:
            env["BUSY_EVENING_TRACE"] = f"{args.trace}.requests"
        cmd = [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless",
               "--host", server.url, "-u", str(users), "-r", str(args.spawn_rate),
               "-t", f"{args.duration + users // args.spawn_rate}s", "--reset-stats",
               "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
               "--stop-timeout", "15"]
        if args.locust_processes > 1:
            cmd += ["--processes", str(args.locust_processes)]
        server_pids = server.pids()
        worker_pids = server_pids[1:] if len(server_pids) > 1 else server_pids
        swarm_pids = swarm.pids()
        if args.py_spy:
            Path(args.py_spy).mkdir(parents=True, exist_ok=True)
            spies = [subprocess.Popen([args.py_spy_exe, "record", "--pid", str(pid), "--rate",
                                       str(args.py_spy_rate), "--format", "raw", "-o",
                                       str(Path(args.py_spy) / f"worker-{n}.txt")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                     for n, pid in enumerate(worker_pids)]
        worker_cpu0 = [proc_cpu_s(pid) for pid in worker_pids]
        account = CpuAccount({"server": lambda: server_pids, "viewers": lambda: swarm_pids,
                              "postgres": lambda: _postgres_backends(server.db_name),
                              "redis": _redis_pids})
        load_start = os.getloadavg()
        # Locust resets its stats once every user has started (--reset-stats): the server's CPU
        # per request is its CPU from then on over the requests counted from then on (the
        # whole-run figure, which earlier rounds reported, also charges the ramp-up's CPU).
        ramp_s = users / args.spawn_rate
        at_ramp: dict[str, Any] = {}

        def mark_ramp_end() -> None:
            at_ramp["t"] = time.monotonic()
            at_ramp["workers"] = [proc_cpu_s(pid) for pid in worker_pids]
            at_ramp["server"] = sum(proc_cpu_s(pid) for pid in server_pids)

        ramp_timer = threading.Timer(ramp_s, mark_ramp_end)
        account.start()
        ramp_timer.start()
        sampler = None
        if args.trace:
            sampler = TraceSampler(args.trace, worker_pids, {
                "viewers": swarm_pids, "postgres": _postgres_backends(server.db_name),
                "locust": []})
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        if sampler:
            sampler.groups["locust"] = [proc.pid]
        try:
            out, err = proc.communicate(timeout=args.duration + 300)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        locust = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
        ramp_timer.cancel()
        if sampler:
            sampler.stop()
        cpu_use = account.stop()
        worker_cpu1 = [proc_cpu_s(pid) for pid in worker_pids]
        cpu_use["by_worker_s"] = [round(c1 - c0, 1)
                                  for c1, c0 in zip(worker_cpu1, worker_cpu0, strict=True)]
        if at_ramp:
            cpu_use["after_ramp"] = {
                "ramp_s": round(ramp_s, 1),
                "window_s": round(time.monotonic() - at_ramp["t"], 1),
                "server_s": round(sum(proc_cpu_s(pid) for pid in server_pids)
                                  - at_ramp["server"], 2),
                "by_worker_s": [round(c1 - c0, 1) for c1, c0 in
                                zip(worker_cpu1, at_ramp["workers"], strict=True)]}
        for spy in spies:
            spy.send_signal(signal.SIGINT)
        for spy in spies:
            spy.wait(60)
        spies = []
        cpu_use["load_avg_start"] = [round(x, 2) for x in load_start]
        cpu_use["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
        cpu, window = cpu_use["by_group_s"]["server"], cpu_use["window_s"]
        if locust.returncode not in (0, 1):  # 1: some request failed (reported below)
            raise RuntimeError(f"locust failed ({locust.returncode}):\n{locust.stderr[-3000:]}")
        time.sleep(2)  # the last events reach the viewers
        viewers = viewer_figures(swarm.stop_and_collect())
        swarm = None
        server_live = live_log(server.log)
        stats = read_stats(prefix)
    finally:
        for spy in spies:
            spy.kill()
        if swarm is not None:
            swarm.close()
        server.stop()
        shutil.rmtree(counters, ignore_errors=True)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    pages = {k: v for k, v in stats.items() if k.startswith("page ")}
    base = stats.get("baseline /healthz", {})
    page_p99 = max((v["p99_ms"] or 0) for v in pages.values()) if pages else None
    failures = sum(v["failures"] for k, v in stats.items() if k != "Aggregated")
    return {"requests": stats, "viewers": viewers, "server_live_log": server_live,
            "page_p99_ms_worst": page_p99, "baseline_p99_ms": base.get("p99_ms"),
            "page_p99_ratio_worst": round(page_p99 / base["p99_ms"], 2)
            if page_p99 and base.get("p99_ms") else None,
            "request_failures": failures,
            "errors": failures + viewers["failed"] + viewers["dropped"] + viewers["seq_gaps"],
            "server_cpu_s": round(cpu, 1), "window_s": round(window, 1),
            "server_cpu_ms_per_request": round(
                cpu_use["after_ramp"]["server_s"] * 1000 / stats["Aggregated"]["requests"], 2)
            if stats.get("Aggregated", {}).get("requests") and "after_ramp" in cpu_use else None,
            "server_cpu_ms_per_request_whole_run": round(
                cpu * 1000 / stats["Aggregated"]["requests"], 2)
            if stats.get("Aggregated", {}).get("requests") else None,
            "cpu": cpu_use,
            "locust_stderr_tail": locust.stderr[-2000:]}


def _run_delay(pid: int) -> float:
    """Seconds the process's main thread has waited on a run queue (/proc/PID/schedstat)."""
    try:
        with open(f"/proc/{pid}/schedstat") as fh:
            return int(fh.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


class TraceSampler(threading.Thread):
    """--trace: every worker's CPU and the machine's busy share every 100 ms (PATH.cpu, JSON
    lines: wall clock, each worker's CPU seconds, the machine's busy and total jiffies, each
    worker's main thread's (the event loop's) seconds spent runnable but waiting for a core,
    the CPU seconds of the viewers, PostgreSQL's backends and Locust so far), to set
    against the requests' trace (PATH.requests.PID, locustfile.py): in a window where requests
    stall, were the workers busy (a queue of work), idle (waiting on something), or was the
    machine full (the workers waiting for a core)?"""

    def __init__(self, path: str, worker_pids: list[int], groups: dict[str, list[int]]) -> None:
        super().__init__(daemon=True)
        self.out = open(f"{path}.cpu", "w")  # noqa: SIM115 (closed in stop)
        self.pids = worker_pids
        self.groups = groups
        self.done = threading.Event()
        self.start()

    def run(self) -> None:
        while not self.done.wait(0.1):
            busy, total = _machine_jiffies()
            self.out.write(json.dumps([time.time(), [proc_cpu_s(p) for p in self.pids],
                                       busy, total, [_run_delay(p) for p in self.pids],
                                       {g: sum(proc_cpu_s(p) for p in pids)
                                        for g, pids in self.groups.items()}])
                           + "\n")

    def stop(self) -> None:
        self.done.set()
        self.join()
        self.out.close()


def print_result(result: dict[str, Any], args: argparse.Namespace) -> None:
    print(f"busy evening: {args.workers} workers, PostgreSQL + Redis, viewers on {args.live}, "
          f"{args.residents} residents,"
          f" {args.members} members, {args.viewers} viewers, {args.duration} s after ramp-up")
    head = ["request", "count", "fail", "req/s", "p50", "p95", "p99", "max"]
    rows = [head] + [[k, str(v["requests"]), str(v["failures"]), str(v["rps"]), str(v["p50_ms"]),
                      str(v["p95_ms"]), str(v["p99_ms"]), str(v["max_ms"])]
                     for k, v in result["requests"].items()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for j, r in enumerate(rows):
        print("  ".join([r[0].ljust(widths[0])] + [c.rjust(w) for c, w in
                                                    zip(r[1:], widths[1:], strict=True)]))
        if j == 0:
            print("  ".join("-" * w for w in widths))
    v = result["viewers"]
    print(f"viewers: {v['ready']}/{v['viewers']} connected, {v['failed']} failed, "
          f"{v['dropped']} dropped, {v['events_delivered']} events delivered "
          f"({v['events_per_viewer']} each), {v['seq_gaps']} seq gaps "
          f"({v['reconnects_after_gap']} reconnects), {v['in_stream_snapshots']} in-stream "
          f"snapshots, {v['stale_events']} stale; seqs missed {v['seqs_missed']}, by every "
          f"viewer {v['seqs_missed_by_every_viewer']}; types {v['message_types']}")
    print(f"server log (live): {result['server_live_log']}")
    print(f"worst page p99 {result['page_p99_ms_worst']} ms (target <= 300), baseline /healthz "
          f"p99 {result['baseline_p99_ms']} ms in the same run (x{result['page_p99_ratio_worst']});"
          f" errors {result['errors']}; server CPU {result['server_cpu_s']} s in "
          f"{result['window_s']} s ({result['server_cpu_ms_per_request_whole_run']} ms per "
          f"request); after the ramp-up {result['cpu'].get('after_ramp')}: "
          f"{result['server_cpu_ms_per_request']} ms per request")
    c = result["cpu"]
    print(f"CPU by process group in {c['window_s']} s on {c['cores']} cores (core-seconds, "
          f"cores used): " + ", ".join(f"{k} {v} s ({c['by_group_cores'][k]})"
                                       for k, v in c["by_group_s"].items())
          + f"; machine busy {c['machine_busy_s']} s ({c['machine_busy_share']:.0%}); load "
          f"average {c['load_avg_start']} at the start, {c['load_avg_end']} at the end")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="a busy evening: Locust + a live-feed swarm",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--postgres", default=PG, metavar="ADMIN_URL")
    p.add_argument("--redis", default=REDIS)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--residents", type=int, default=300)
    p.add_argument("--members", type=int, default=30)
    p.add_argument("--viewers", type=int, default=2000)
    p.add_argument("--viewer-procs", type=int, default=2)
    p.add_argument("--viewer-client", choices=("raw", "websockets"), default="raw",
                   help="the viewers on bare sockets (bench/ws_clients.py _RawFeed), or on the "
                        "websockets library's client (every run before 2026-12-07 evening)")
    p.add_argument("--suggestions", type=int, default=2000)
    p.add_argument("--duration", type=int, default=120, help="seconds at full load")
    p.add_argument("--spawn-rate", type=int, default=30)
    p.add_argument("--locust-client", choices=("fast", "requests"), default="fast",
                   help="Locust's FastHttpUser, or HttpUser (requests) for comparison")
    p.add_argument("--locust-processes", type=int, default=1,
                   help="Locust's --processes (more than 1 only if one process is CPU-bound)")
    p.add_argument("--live", choices=("listener", "asgi"), default="listener",
                   help="where the viewers connect: MEETINGROOM_LIVE_PORT's listener, the "
                        "deployment docs/deployment.md recommends for big rooms, or the app's "
                        "own ASGI route (the default before 2026-12-07)")
    p.add_argument("--py-spy", metavar="DIR",
                   help="profile each worker during Locust's run (py-spy raw stacks, "
                        "DIR/worker-N.txt)")
    p.add_argument("--py-spy-rate", type=int, default=200)
    p.add_argument("--py-spy-exe", default=shutil.which("py-spy") or "py-spy")
    p.add_argument("--trace", metavar="PATH",
                   help="keep every request's start, name and time (PATH.requests.PID) and the "
                        "workers' and machine's CPU every 100 ms (PATH.cpu); bench/trace.py "
                        "reads them")
    p.add_argument("--json", metavar="PATH")
    args = p.parse_args(argv)
    started = time.time()
    result = run(args)
    print_result(result, args)
    if args.json:
        out = {"config": vars(args), "date": time.strftime("%Y-%m-%d %H:%M %z"),
               "host": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                        "load_1min_at_end": os.getloadavg()[0]},
               **result, "wall_s": round(time.time() - started, 1)}
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {args.json}")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
