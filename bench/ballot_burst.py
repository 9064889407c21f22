"""Ballot burst: M seated, present members of one meeting vote at the same moment through the
API; how long until every ballot is recorded, and until a viewer of the live feed sees the final
tally (issue 11 targets, one worker: 500 members <= 1 s on SQLite, <= 1.5 s on PostgreSQL;
200 members <= 0.7 s with ballot p99 <= 300 ms).

    python bench/ballot_burst.py                         # 500 members, SQLite, 1 worker
    python bench/ballot_burst.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/ballot_burst.py --server-cpus 0 --client-cpus 1   # server and clients apart

The server runs in a process of its own (bench/app_server.py); the meeting, its members (seated,
checked in) and the open vote come from bench/live_meeting.py. The ballots are sent by
``--procs`` client processes, each firing its share of the members' ballots at once at an
agreed wall-clock instant t0 over up to ``--conns`` keep-alive connections per process, opened
at t0. The client (``--client``) is raw asyncio streams by default, each request's bytes
(httpx's headers, the bearer token, the JSON body) made before t0, so that the voters' core is
not the limit; ``--client httpx`` is one asyncio httpx client per process, as before 2026-12-07
(its CPU, ~4-5 ms a ballot, made the 4 voter processes on one core slower than the server:
docs/benchmarks.md "Issue 11, fourth round: the voters were the limit"). A viewer (no token:
the public feed) in this process is connected before t0. Figures (from t0): every response
received ("all recorded": a 201 is sent after commit), the viewer's receipt of the tally with
cast = M, ballot response p50/p99, the server's CPU, and the voters' CPU (``voters_cpu_s``:
when it nears the wall time, the clients are the limit).
Bounded: every wait has a timeout, every process is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

try:
    from app_server import AppServer
    from fanout import pct, sum_cpu
    from live_meeting import LiveMeeting
except ImportError:  # pragma: no cover
    from bench.app_server import AppServer
    from bench.fanout import pct, sum_cpu
    from bench.live_meeting import LiveMeeting


def voter(url: str, item_id: int, headers: list[dict[str, str]], conns: int, t0: float,
          out: mp.Queue) -> None:
    import httpx

    async def run() -> list[tuple[int, float]]:
        limits = httpx.Limits(max_connections=conns, max_keepalive_connections=conns)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
            await client.get("/healthz")  # one connection up before the burst

            async def one(h: dict[str, str]) -> tuple[int, float]:
                try:
                    r = await client.post(f"/api/v1/items/{item_id}/ballots", headers=h,
                                          json={"choice": "agree"})
                except httpx.HTTPError:  # counted as status 0: the connection failed
                    return 0, time.time()
                return r.status_code, time.time()

            await asyncio.sleep(max(0.0, t0 - time.time()))
            return await asyncio.gather(*(one(h) for h in headers))

    cpu0 = time.process_time()  # from t0 on, more or less: its imports are done by then
    results = asyncio.run(run())
    # the client's own CPU: on a 2-core machine the voters can be the limit, not the server
    out.put((results, time.process_time() - cpu0))


def raw_voter(url: str, item_id: int, headers: list[dict[str, str]], conns: int, t0: float,
              out: mp.Queue) -> None:
    """`voter`'s burst from a load generator that costs the server's side nothing extra and the
    client little: each request's bytes are made before t0 (what httpx would send: the same
    headers, JSON body and Accept-Encoding), `conns` keep-alive connections opened at t0 as
    httpx opens them, each sending its share one after the other and reading the status line,
    headers and Content-Length body. On a 2-core machine httpx's client CPU (about 4-5 ms a
    ballot) made the voters' core, not the server, the limit of the burst (issue 11)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    body = b'{"choice":"agree"}'
    requests = [(
        f"POST /api/v1/items/{item_id}/ballots HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        "Accept: */*\r\nAccept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\n"
        "User-Agent: ballot-burst\r\nContent-Type: application/json\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in h.items())
        + f"Content-Length: {len(body)}\r\n\r\n").encode() + body for h in headers]

    async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                  request: bytes) -> tuple[int, float]:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        fields = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        length = {k.lower(): v for k, v in fields.items()}.get("content-length")
        if length is None:  # the app always sends Content-Length here; anything else fails
            raise ConnectionError("no Content-Length")
        await reader.readexactly(int(length))
        return int(lines[0].split(" ", 2)[1]), time.time()

    async def run() -> list[tuple[int, float]]:
        todo = iter(requests)
        results: list[tuple[int, float]] = []

        async def connection() -> None:
            request = next(todo, None)
            if request is None:
                return
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError:
                results.append((0, time.time()))
                results.extend((0, time.time()) for _ in todo)
                return
            try:
                while request is not None:
                    try:
                        results.append(await one(reader, writer, request))
                    except (OSError, asyncio.IncompleteReadError, ConnectionError):
                        results.append((0, time.time()))  # status 0: the connection failed
                        return
                    request = next(todo, None)
            finally:
                writer.close()

        await asyncio.sleep(max(0.0, t0 - time.time()))
        await asyncio.gather(*(connection() for _ in range(conns)))
        return results

    cpu0 = time.process_time()
    results = asyncio.run(run())
    out.put((results, time.process_time() - cpu0))


async def watch(live_url: str, members: int, ready: asyncio.Event, timeout: float) -> dict:
    import websockets

    async with websockets.connect(live_url, compression=None, open_timeout=10,
                                  max_size=None) as ws:
        snapshot = json.loads(await ws.recv())
        ready.set()
        events = 0
        async with asyncio.timeout(timeout):
            while True:
                event = json.loads(await ws.recv())
                if "seq" not in event:  # a heartbeat (every 10 s of quiet): no event, no seq
                    continue
                events += 1
                tally = event.get("tally") or {}
                if event.get("type") == "tally" and tally.get("cast") == members:
                    return {"final_at": time.time(), "events": events,
                            "seq_from": snapshot["seq"], "seq_to": event["seq"], "tally": tally}


def run(args: argparse.Namespace) -> dict:
    server = AppServer(workers=args.workers, postgres=args.postgres, redis=args.redis)
    procs: list[mp.Process] = []
    try:
        server.start()
        meeting = LiveMeeting(server, members=args.members).setup()
        spids = server.pids()
        if args.server_cpus:  # the server's processes (supervisor and worker) on their core(s)
            for pid in spids:
                os.sched_setaffinity(pid, cpu_set(args.server_cpus))
        if args.client_cpus:  # this process (the viewer) and the voters it starts
            os.sched_setaffinity(0, cpu_set(args.client_cpus))

        async def main() -> dict:
            ready = asyncio.Event()
            watcher = asyncio.create_task(watch(meeting.live_url(), args.members, ready,
                                                args.timeout))
            await asyncio.wait_for(ready.wait(), 15)
            t0 = time.time() + 1.5  # every client process started and connected by then
            out: mp.Queue = mp.Queue()
            share = [meeting.member_headers[i::args.procs] for i in range(args.procs)]
            for part in share:
                p = mp.Process(target=raw_voter if args.client == "raw" else voter,
                               args=(server.url, meeting.item_id, part, args.conns, t0, out),
                               daemon=True)
                p.start()
                procs.append(p)
            spy = None
            if args.py_spy:  # sample the (first) worker during the burst
                import signal
                import subprocess
                exe = Path(sys.executable).with_name("py-spy")
                spy = subprocess.Popen([str(exe) if exe.exists() else "py-spy", "record",
                                        "-p", str(spids[-1]), "-r", "200",
                                        "--format", "raw", "-o", args.py_spy],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            cpu0 = sum_cpu(spids)
            results: list[tuple[int, float]] = []
            client_cpu = 0.0
            for _ in procs:
                got, used = await asyncio.to_thread(out.get, True, args.timeout)
                results += got
                client_cpu += used
            seen = await watcher
            cpu = sum_cpu(spids) - cpu0
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(30)
            return {"t0": t0, "results": results, "seen": seen, "server_cpu_s": round(cpu, 2),
                    "voters_cpu_s": round(client_cpu, 2)}

        r = asyncio.run(main())
        t0, results, seen = r["t0"], r["results"], r["seen"]
        done = sorted(t - t0 for _, t in results)
        codes: dict[int, int] = {}
        for code, _ in results:
            codes[code] = codes.get(code, 0) + 1
        return {
            "members": args.members, "workers": args.workers,
            "database": "postgresql" if args.postgres else "sqlite",
            "statuses": codes,
            "all_recorded_s": round(done[-1], 3),
            "response_p50_s": round(pct(done, 50), 3),
            "response_p99_s": round(pct(done, 99), 3),
            "viewer_final_tally_s": round(seen["final_at"] - t0, 3),
            "viewer_events": seen["events"],
            "seq_gapless": seen["seq_to"] - seen["seq_from"] == seen["events"],
            "final_tally_agree": seen["tally"]["agree"],
            "server_cpu_s": r["server_cpu_s"],
            "server_cpu_ms_per_ballot": round(r["server_cpu_s"] * 1000 / args.members, 2),
            "voters_cpu_s": r["voters_cpu_s"],
        }
    except BaseException:
        log = server.log.read_text(errors="replace") if server.log.exists() else ""
        print(f"server log (tail):\n{log[-4000:]}", file=sys.stderr)
        raise
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
            p.join(5)
        server.stop()
        if args.client_cpus:  # the next run's server must not inherit the pin
            os.sched_setaffinity(0, range(os.cpu_count() or 1))


def cpu_set(spec: str) -> set[int]:
    return {int(c) for c in spec.split(",") if c.strip()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--members", type=int, default=500)
    p.add_argument("--procs", type=int, default=4, help="client processes")
    p.add_argument("--conns", type=int, default=64, help="connections per client process")
    p.add_argument("--client", choices=("raw", "httpx"), default="raw",
                   help="the voters' HTTP client: raw asyncio streams (cheap: the server is "
                        "the limit) or httpx (as before 2026-12-07)")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--postgres", metavar="ADMIN_URL")
    p.add_argument("--redis", metavar="URL")
    p.add_argument("--runs", type=int, default=3, help="fresh server each; the median is shown")
    p.add_argument("--timeout", type=float, default=120.0, help="per-wait limit, seconds")
    p.add_argument("--py-spy", metavar="PATH",
                   help="profile the server during the burst (py-spy raw/collapsed stacks)")
    p.add_argument("--server-cpus", metavar="LIST",
                   help="pin the server's processes to these cores (e.g. 0)")
    p.add_argument("--client-cpus", metavar="LIST",
                   help="pin the voters and the viewer to these cores (e.g. 1)")
    p.add_argument("--json", metavar="PATH")
    args = p.parse_args(argv)
    rows = []
    for i in range(args.runs):
        row = run(args)
        rows.append(row)
        print(f"run {i + 1}: " + json.dumps(row, ensure_ascii=False), flush=True)
    for key in ("all_recorded_s", "viewer_final_tally_s", "response_p99_s",
                "server_cpu_ms_per_ballot"):
        vals = sorted(r[key] for r in rows)
        print(f"median {key}: {vals[len(vals) // 2]}")
    ok = all(r["statuses"] == {201: args.members} and r["seq_gapless"] for r in rows)
    best = sorted(r["viewer_final_tally_s"] for r in rows)[len(rows) // 2]
    # Issue 11 §1: 500 at once in <= 1 s on SQLite, <= 1.5 s on PostgreSQL; 200 in <= 0.7 s.
    limit = 0.7 if args.members <= 200 else (1.5 if args.postgres else 1.0)
    print(f"target <= {limit} s until the viewer has the final tally: "
          f"{'met' if best <= limit else 'MISSED'} ({best:.2f} s, median of {len(rows)})")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"config": vars(args), "host": {
            "cpus": os.cpu_count(), "python": sys.version.split()[0]}, "rows": rows},
            indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
