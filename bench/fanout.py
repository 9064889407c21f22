"""Fan-out latency benchmark: one publisher, N live viewers.

For each N in ``--viewers`` the benchmark starts a fresh server process (the
*target*), opens N WebSocket viewers spread over ``--procs`` client processes
(``ws_clients.ClientSwarm``), waits until every viewer holds its snapshot,
fires ``--messages`` triggers ``--interval-ms`` apart, recording each send time,
then reports per N: latency from send to each viewer's receipt (p50/p99/max,
plus the median/max time until the *last* viewer had a message), delivered vs
expected, and the server's peak RSS (VmHWM from /proc, summed over
``server_pids()``). Server and clients never share a process.

    python bench/fanout.py --target bare --viewers 200,1000,2000,5000 --messages 20
    python bench/fanout.py --target bare --viewers 1000 --json bench/results/bare.json
    python bench/fanout.py --target app --baseline bare --viewers 200,1000,2000 --messages 20
    python bench/fanout.py --target listener --baseline bare --viewers 2000 --client-cpus 1
    python bench/fanout.py --target listener --baseline bare --viewers 2000 --client-cpus 1 \
        --viewer-client raw     # viewers on bare sockets: the clients' queue out of the p99
    python bench/fanout.py --target app --baseline bare --viewers 1000 --workers 2 \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test --redis redis://127.0.0.1:6379/0

Targets
-------
A target is a subclass of ``Target`` registered in ``TARGETS``; the CLI builds
one fresh instance per N with ``cls(args)`` (so a target can read its own CLI
options, added in ``add_target_arguments``) and calls, in this order:

``start()``
    Launch the server as a separate process and return once it accepts
    connections, plus any setup the feed needs before viewers arrive. For the
    meetingroom app that means: start uvicorn on 127.0.0.1, create/log in a
    user, create a meeting and open a vote item, so that
    ``/api/v1/meetings/{id}/live`` has something to stream.
``server_pids() -> list[int]``
    Pids whose VmHWM/CPU are reported as "server" (the uvicorn process, or
    master + workers).
``connect_url(i) -> str``
    The ``ws://`` URL viewer ``i`` (0..N-1) connects to, e.g.
    ``ws://127.0.0.1:PORT/api/v1/meetings/ID/live?ticket=...``.
``connect_headers() -> dict | None``
    Extra handshake headers for every viewer (e.g. ``Cookie``). Leave out
    ``Origin``: per the contract a socket without it is a non-browser client.
``marker_field`` (attribute) and ``marker_value(i)``
    Viewer messages are matched to triggers by the JSON field
    ``marker_field`` (dotted path allowed). Trigger ``i`` must produce a
    message whose field equals ``marker_value(i)``. The first message each
    viewer gets (the snapshot) is never measured. For the app, a ballot POST
    yields a ``tally`` event with ``seq`` = snapshot seq + 1 + i, so an app
    target would use ``marker_field = "seq"`` and return ``base_seq + 1 + i``
    where ``base_seq`` is read in ``start()`` (e.g. from a probe socket's
    snapshot) and no other events may happen during the run.
``trigger(i) -> int``
    Cause message ``i`` and return ``time.time_ns()`` taken immediately
    before the request leaves this process (bare: send ``publish {json}`` on
    the control socket; app: POST a ballot through the HTTP API).
``stats() -> dict``
    Optional server-side numbers, merged into the JSON output.
``stop()``
    Idempotent; terminate (then kill) every process ``start()`` launched.
    Always called, also after errors and timeouts.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

try:  # run as a script (python bench/fanout.py) or as a module (python -m bench.fanout)
    from ws_clients import ClientSwarm, SwarmResult
except ImportError:  # pragma: no cover
    from bench.ws_clients import ClientSwarm, SwarmResult

BENCH_DIR = Path(__file__).resolve().parent
CLK_TCK = os.sysconf("SC_CLK_TCK")


class OverallTimeout(Exception):
    pass


# ------------------------------------------------------------------ /proc helpers


def proc_status_kb(pid: int, key: str) -> int | None:
    """A ``kB`` field (VmHWM, VmRSS) from /proc/PID/status, or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def proc_cpu_s(pid: int) -> float:
    """utime + stime of a process in seconds (0.0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, ValueError, IndexError):
        return 0.0


def sum_kb(pids: list[int], key: str) -> int | None:
    vals = [proc_status_kb(p, key) for p in pids]
    vals = [v for v in vals if v is not None]
    return sum(vals) if vals else None


def sum_cpu(pids: list[int]) -> float:
    return sum(proc_cpu_s(p) for p in pids)


def stop_process(proc: subprocess.Popen | None, grace: float = 5.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


# ------------------------------------------------------------------------ targets


class Target:
    """Interface of a benchmark target; see the module docstring for the contract."""

    name = "base"
    marker_field = "bench_id"

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def server_pids(self) -> list[int]:
        raise NotImplementedError

    def connect_url(self, i: int) -> str:
        raise NotImplementedError

    def connect_headers(self) -> dict[str, str] | None:
        return None

    def marker_value(self, i: int) -> Any:
        return i

    def trigger(self, i: int) -> int:
        raise NotImplementedError

    def stats(self) -> dict[str, Any]:
        return {}


def make_payload(i: int, pad: int = 0) -> str:
    """A message shaped like the contract's ``tally`` event, tagged with bench_id."""
    msg: dict[str, Any] = {
        "type": "tally",
        "seq": i + 1,
        "bench_id": i,
        "tally": {
            "item_id": 1,
            "yes": i + 1,
            "no": i // 3,
            "abstain": i // 7,
            "eligible": 9,
            "status": "open",
        },
    }
    if pad > 0:
        msg["pad"] = "x" * pad
    return json.dumps(msg, separators=(",", ":"))


class BareTarget(Target):
    """``bench/bare_ws_server.py``: bare websockets broadcast server (baseline)."""

    name = "bare"
    marker_field = "bench_id"

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.ctl: Any = None
        self._ctl_stack = contextlib.ExitStack()

    def start(self) -> None:
        cmd = [
            sys.executable,
            str(BENCH_DIR / "bare_ws_server.py"),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--parent-pid",
            str(os.getpid()),
        ]
        if self.args.compression:
            cmd.append("--compression")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 15
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.proc.poll() is not None:
                raise RuntimeError(f"bare server did not report READY (got {line!r})")
            r, _, _ = select.select([self.proc.stdout], [], [], remaining)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 256)
                if not chunk:
                    raise RuntimeError("bare server closed stdout before READY")
                line += chunk
        word, port = line.decode().split()[:2]
        if word != "READY":
            raise RuntimeError(f"unexpected server banner {line!r}")
        self.port = int(port)

        from websockets.sync.client import connect

        self._ctl_stack = contextlib.ExitStack()
        self.ctl = self._ctl_stack.enter_context(
            connect(
                f"ws://127.0.0.1:{self.port}/control",
                compression=None,
                proxy=None,
                open_timeout=10,
                max_size=None,
            )
        )

    def stop(self) -> None:
        if self.ctl is not None:
            with contextlib.suppress(Exception):
                self._ctl_stack.close()  # closes the control socket
            self.ctl = None
        stop_process(self.proc)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    def server_pids(self) -> list[int]:
        return [self.proc.pid] if self.proc is not None else []

    def connect_url(self, i: int) -> str:
        return f"ws://127.0.0.1:{self.port}/live"

    def trigger(self, i: int) -> int:
        data = "publish " + make_payload(i, self.args.payload_pad)
        t = time.time_ns()
        self.ctl.send(data)
        return t

    def stats(self) -> dict[str, Any]:
        self.ctl.send("stats")
        return json.loads(self.ctl.recv(timeout=10))


class AppTarget(Target):
    """The meetingroom app's JSON live feed, ``WS /api/v1/meetings/{id}/live``.

    ``start()`` runs ``bench/app_server.AppServer`` (SQLite and the in-process hub, or
    ``--postgres``/``--redis`` with ``--workers N``), and ``live_meeting.LiveMeeting`` opens a
    meeting with ``--messages`` seated, present members and opens the vote on its item. Viewers
    connect without a token (the public feed) or, with ``--viewer-token``, as a member
    (``?ticket=``, one per socket). Trigger ``i`` is member ``i`` POSTing a ballot; the message
    it causes is the ``tally`` event whose ``seq`` is the seq before the run + 1 + i (one event
    per ballot)."""

    name = "app"
    marker_field = "seq"

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.server: Any = None
        self.meeting: Any = None
        self.http: Any = None
        self.base_seq = 0
        self.ballot_ms: list[float] = []

    def start(self) -> None:
        import httpx

        try:
            from app_server import AppServer
            from live_meeting import LiveMeeting
        except ImportError:  # pragma: no cover
            from bench.app_server import AppServer
            from bench.live_meeting import LiveMeeting
        # --compression: the clients offer permessage-deflate and the server accepts it.
        self.server = AppServer(workers=self.args.workers, postgres=self.args.postgres,
                                redis=self.args.redis, ws_deflate=self.args.compression,
                                extra_env=self.server_env()).start()
        self.meeting = LiveMeeting(self.server, members=self.args.messages).setup()
        self.base_seq = self.meeting.seq()
        self.http = httpx.Client(base_url=self.server.url, timeout=30)

    def server_env(self) -> dict[str, str]:
        return {}

    def stop(self) -> None:
        if self.http is not None:
            self.http.close()
            self.http = None
        if self.server is not None:
            self.server.stop()
            self.server = None

    def server_pids(self) -> list[int]:
        return self.server.pids() if self.server is not None else []

    def connect_url(self, i: int) -> str:
        if self.args.viewer_token:
            token = self.meeting.member_headers[i % self.args.messages]["Authorization"][7:]
            return self.meeting.live_url(token)
        return self.meeting.live_url()

    def marker_value(self, i: int) -> Any:
        return self.base_seq + 1 + i

    def trigger(self, i: int) -> int:
        url = f"/api/v1/items/{self.meeting.item_id}/ballots"
        headers = self.meeting.member_headers[i]
        t = time.time_ns()
        r = self.http.post(url, headers=headers, json={"choice": "agree"})
        self.ballot_ms.append((time.time_ns() - t) / 1e6)
        if r.status_code != 201:
            raise RuntimeError(f"ballot {i}: {r.status_code} {r.text[:200]}")
        return t

    def stats(self) -> dict[str, Any]:
        ms = sorted(self.ballot_ms)
        return {"ballot_request_p50_ms": round(pct(ms, 50) or 0, 1),
                "ballot_request_max_ms": round(ms[-1], 1) if ms else None}


class ListenerTarget(AppTarget):
    """The same app and meeting as ``app``, its viewers on the live listener
    (``MEETINGROOM_LIVE_PORT``: the ``websockets`` library's own server in every worker, fed by
    the same rooms; meetingroom/meetings/live_listener.py) instead of the ASGI route. The
    server's pids, CPU and RSS are the whole app's, listener included."""

    name = "listener"

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.live_port = 0

    def server_env(self) -> dict[str, str]:
        try:
            from app_server import free_port
        except ImportError:  # pragma: no cover
            from bench.app_server import free_port
        self.live_port = free_port()
        return {"MEETINGROOM_LIVE_PORT": str(self.live_port)}

    def connect_url(self, i: int) -> str:
        url = super().connect_url(i)
        return url.replace(f":{self.server.port}/", f":{self.live_port}/", 1)


TARGETS: dict[str, type[Target]] = {"bare": BareTarget, "app": AppTarget,
                                    "listener": ListenerTarget}


def add_target_arguments(p: argparse.ArgumentParser) -> None:
    """Options read by targets (a new target adds its own here)."""
    p.add_argument(
        "--payload-pad",
        type=int,
        default=0,
        help="bare: extra bytes of padding in every published message",
    )
    p.add_argument("--workers", type=int, default=1, help="app: uvicorn workers")
    p.add_argument("--postgres", metavar="ADMIN_URL",
                   help="app: run on a fresh PostgreSQL database made through this URL")
    p.add_argument("--redis", metavar="URL", help="app: MEETINGROOM_BROADCAST_URL")
    p.add_argument("--viewer-token", action="store_true",
                   help="app: viewers connect as members (?ticket=) instead of anonymously")
    p.add_argument("--baseline", choices=["bare"],
                   help="also run this target for every N, right before, and print ratios")


# ---------------------------------------------------------------------- measuring


def pct(sorted_vals: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_vals:
        return None
    k = max(0, min(len(sorted_vals) - 1, math.ceil(q / 100 * len(sorted_vals)) - 1))
    return sorted_vals[k]


def summarise(sends: dict[Any, int], res: SwarmResult) -> dict[str, Any]:
    seen: set[tuple[int, Any]] = set()
    lat: list[float] = []
    last_per_msg: dict[Any, float] = {}
    dup = unknown = 0
    for conn_id, marker, recv_ns in res.records:
        sent = sends.get(marker)
        if sent is None:
            unknown += 1
            continue
        key = (conn_id, marker)
        if key in seen:
            dup += 1
            continue
        seen.add(key)
        ms = (recv_ns - sent) / 1e6
        lat.append(ms)
        if ms > last_per_msg.get(marker, -math.inf):
            last_per_msg[marker] = ms
    lat.sort()
    last = sorted(last_per_msg.values())

    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 2)

    return {
        "delivered": len(lat),
        "duplicates": dup,
        "unknown_marker": unknown,
        "p50_ms": r(pct(lat, 50)),
        "p90_ms": r(pct(lat, 90)),
        "p99_ms": r(pct(lat, 99)),
        "max_ms": r(lat[-1] if lat else None),
        "mean_ms": r(sum(lat) / len(lat) if lat else None),
        "min_ms": r(lat[0] if lat else None),
        "last_viewer_p50_ms": r(pct(last, 50)),
        "last_viewer_max_ms": r(last[-1] if last else None),
    }


def run_one(
    target_cls: type[Target],
    n: int,
    args: argparse.Namespace,
    deadline: float,
    rows: list[dict[str, Any]],
) -> dict[str, Any]:
    """Measure one N. The row is appended to ``rows`` up front, so a run cut short
    by the overall timeout or a signal still shows up (with its error)."""
    row: dict[str, Any] = {
        "target": target_cls.name,
        "viewers": n,
        "messages": args.messages,
        "expected": n * args.messages,
    }
    rows.append(row)
    target = target_cls(args)
    swarm: ClientSwarm | None = None

    def left(cap: float) -> float:
        return max(1.0, min(cap, deadline - time.monotonic()))

    row["loadavg_start"] = [round(x, 2) for x in os.getloadavg()]  # a shared machine: say so
    try:
        target.start()
        spids = target.server_pids()
        row["rss_start_mb"] = kb_to_mb(sum_kb(spids, "VmRSS"))
        urls = [target.connect_url(i) for i in range(n)]
        if args.client_cpus:  # clients on their own core(s): the swarm's processes inherit it
            os.sched_setaffinity(0, {int(c) for c in args.client_cpus.split(",")})
        swarm = ClientSwarm(
            urls,
            processes=args.procs,
            headers=target.connect_headers(),
            compression=args.compression,
            marker_field=target.marker_field,
            connect_concurrency=args.connect_concurrency,
            raw=args.viewer_client == "raw",
        )
        t0 = time.monotonic()
        srv_cpu0 = sum_cpu(spids)
        swarm.start()
        if args.client_cpus:  # the next N's server must not inherit the pin
            os.sched_setaffinity(0, range(os.cpu_count() or 1))
        ready, failed = swarm.wait_ready(timeout=left(args.connect_timeout), progress=args.verbose)
        row["connect_s"] = round(time.monotonic() - t0, 2)
        row["server_cpu_connect_s"] = round(sum_cpu(spids) - srv_cpu0, 2)
        row["ready"], row["failed"] = ready, failed
        row["rss_connected_mb"] = kb_to_mb(sum_kb(spids, "VmRSS"))
        time.sleep(args.settle)

        cpids = swarm.pids()
        srv_cpu0, cli_cpu0 = sum_cpu(spids), sum_cpu(cpids)
        sends: dict[Any, int] = {}
        interval = args.interval_ms / 1000
        next_at = time.monotonic()
        for i in range(args.messages):
            sends[target.marker_value(i)] = target.trigger(i)
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))
        got = swarm.wait_marked(
            ready * args.messages, timeout=left(args.drain_timeout), idle=args.idle_timeout
        )
        row["server_cpu_s"] = round(sum_cpu(spids) - srv_cpu0, 2)
        row["client_cpu_s"] = round(sum_cpu(cpids) - cli_cpu0, 2)
        row["rss_peak_mb"] = kb_to_mb(sum_kb(spids, "VmHWM"))
        row["rss_end_mb"] = kb_to_mb(sum_kb(spids, "VmRSS"))
        row["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
        try:
            row["server_stats"] = target.stats()
        except Exception as exc:  # stats are optional
            row["server_stats"] = {"error": repr(exc)}
        res = swarm.stop_and_collect(timeout=left(60))
        row["live_marked_count"] = got
        row["dropped"] = res.dropped
        row["connect_retries"] = res.connect_retries
        row["unmarked"] = res.unmarked
        if res.first_failures:
            row["connect_failures_sample"] = res.first_failures
        if res.errors:
            row["error"] = "; ".join(res.errors)
        row.update(summarise(sends, res))
        delivered = row.get("delivered") or got
        if delivered:  # the steadiest figures on a shared machine (issue 11 target 2)
            row["cpu_us_per_delivery"] = round(row["server_cpu_s"] * 1e6 / delivered, 2)
        if ready:
            row["kib_per_viewer"] = round(
                (row["rss_connected_mb"] - row["rss_start_mb"]) * 1024 / ready, 1)
    except OverallTimeout:
        row["error"] = "overall timeout"
        raise
    except KeyboardInterrupt:
        row["error"] = "interrupted"
        raise
    except Exception as exc:  # record it, go on with the next N
        row["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        if swarm is not None:
            swarm.close()
        target.stop()
    return row


RATIOS = ("p50_ms", "p99_ms", "max_ms", "rss_peak_mb", "server_cpu_s", "cpu_us_per_delivery",
          "kib_per_viewer")


def add_ratios(row: dict[str, Any], base: dict[str, Any]) -> None:
    """``x_<field>`` = this row's figure / the baseline's for the same N (None if missing)."""
    for key in RATIOS:
        a, b = row.get(key), base.get(key)
        row[f"x_{key}"] = round(a / b, 2) if a is not None and b else None


def kb_to_mb(kb: int | None) -> float | None:
    return None if kb is None else round(kb / 1024, 1)


# ------------------------------------------------------------------------- output

COLUMNS = [
    ("target", "target", "{}"),
    ("viewers", "N", "{}"),
    ("ready", "ready", "{}"),
    ("delivered", "delivered", "{}"),
    ("expected", "expected", "{}"),
    ("p50_ms", "p50 ms", "{:.1f}"),
    ("p99_ms", "p99 ms", "{:.1f}"),
    ("max_ms", "max ms", "{:.1f}"),
    ("last_viewer_p50_ms", "last p50", "{:.1f}"),
    ("connect_s", "conn s", "{:.1f}"),
    ("rss_connected_mb", "RSS idle", "{:.1f}"),
    ("rss_peak_mb", "RSS peak", "{:.1f}"),
    ("server_cpu_s", "srv cpu", "{:.2f}"),
    ("client_cpu_s", "cli cpu", "{:.2f}"),
    ("x_p50_ms", "xp50", "{:.2f}"),
    ("x_p99_ms", "xp99", "{:.2f}"),
    ("x_rss_peak_mb", "xRSS", "{:.2f}"),
    ("x_server_cpu_s", "xcpu", "{:.2f}"),
    ("cpu_us_per_delivery", "us/dlv", "{:.1f}"),
    ("x_cpu_us_per_delivery", "x us/dlv", "{:.2f}"),
    ("kib_per_viewer", "KiB/viewer", "{:.1f}"),
    ("x_kib_per_viewer", "x KiB/v", "{:.2f}"),
]


def fmt(row: dict[str, Any], key: str, spec: str) -> str:
    v = row.get(key)
    return "-" if v is None else spec.format(v)


def print_table(rows: list[dict[str, Any]], title: str) -> None:
    cells = [[h for _, h, _ in COLUMNS]]
    cells += [[fmt(r, k, s) for k, _, s in COLUMNS] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    print(title)
    for j, c in enumerate(cells):
        print("  ".join(x.rjust(w) for x, w in zip(c, widths, strict=True)))
        if j == 0:
            print("  ".join("-" * w for w in widths))
    for r in rows:
        if r.get("error"):
            print(f"  N={r['viewers']}: ERROR {r['error']}")
    print(
        "latency = viewer receive time - trigger send time, over every (viewer, message);"
        " 'last p50' = median over messages of the slowest viewer;"
        " RSS in MiB (peak = VmHWM); cpu = seconds during the trigger+drain window."
    )


def print_row(row: dict[str, Any]) -> None:
    if row.get("error") and row.get("p50_ms") is None:
        print(f"[{row['target']} N={row['viewers']}] ERROR {row['error']}", flush=True)
        return
    print(
        f"[{row['target']} N={row['viewers']}] "
        f"delivered {row.get('delivered')}/{row['expected']} "
        f"(ready {row.get('ready')}, failed {row.get('failed')}, dropped {row.get('dropped')}) | "
        f"latency ms p50 {fmt(row, 'p50_ms', '{:.1f}')} p99 {fmt(row, 'p99_ms', '{:.1f}')} "
        f"max {fmt(row, 'max_ms', '{:.1f}')} | "
        f"server RSS peak {fmt(row, 'rss_peak_mb', '{:.1f}')} MiB "
        f"(idle {fmt(row, 'rss_connected_mb', '{:.1f}')}) | connect {row.get('connect_s')} s",
        flush=True,
    )


# ---------------------------------------------------------------------------- CLI


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="WebSocket fan-out latency benchmark",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--target", default="bare",
                   help=f"one of {', '.join(sorted(TARGETS))}, or several comma-separated "
                        "(run one after the other for every N, after the baseline)")
    p.add_argument(
        "--viewers",
        default="200,1000,2000,5000",
        help="comma-separated viewer counts, one run each",
    )
    p.add_argument("--messages", type=int, default=20, help="triggers per run (K)")
    p.add_argument("--interval-ms", type=float, default=50.0, help="spacing of triggers")
    p.add_argument("--procs", type=int, default=4, help="client worker processes")
    p.add_argument(
        "--compression",
        action="store_true",
        help="clients offer permessage-deflate (default: compression=None)",
    )
    p.add_argument(
        "--connect-concurrency",
        type=int,
        default=64,
        help="handshakes in flight per client process",
    )
    p.add_argument(
        "--connect-timeout",
        type=float,
        default=180.0,
        help="max seconds for all viewers to be ready",
    )
    p.add_argument(
        "--settle",
        type=float,
        default=1.0,
        help="seconds to idle between 'all ready' and the first trigger",
    )
    p.add_argument(
        "--drain-timeout",
        type=float,
        default=60.0,
        help="max seconds to wait for deliveries after the last trigger",
    )
    p.add_argument(
        "--idle-timeout",
        type=float,
        default=5.0,
        help="stop waiting once no message arrived for this long",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=1200.0,
        help="overall wall-clock limit for the whole benchmark",
    )
    p.add_argument("--client-cpus", metavar="LIST",
                   help="pin the client processes to these cores (e.g. 1); the server, started "
                        "before, keeps every core")
    p.add_argument("--viewer-client", choices=("websockets", "raw"), default="websockets",
                   help="the viewers on the websockets library's client (as every recorded run "
                        "before 2026-12-07 night), or on bare sockets (ws_clients._RawFeed, about "
                        "half the client CPU a message: with all viewers on one core, the "
                        "websockets client's own queue is most of the latency measured)")
    p.add_argument("--json", metavar="PATH", help="also write all rows as JSON here")
    p.add_argument("-v", "--verbose", action="store_true", help="connect progress on stderr")
    add_target_arguments(p)
    args = p.parse_args(argv)
    try:
        args.viewer_counts = [int(x) for x in args.viewers.split(",") if x.strip()]
    except ValueError:
        p.error("--viewers must be comma-separated integers")
    args.targets = [t.strip() for t in args.target.split(",") if t.strip()]
    if not args.targets or any(t not in TARGETS for t in args.targets):
        p.error(f"--target: choose from {', '.join(sorted(TARGETS))}")
    if not args.viewer_counts or min(args.viewer_counts) < 1 or args.messages < 1:
        p.error("need at least one viewer count >= 1 and --messages >= 1")
    if args.viewer_client == "raw" and args.compression:
        p.error("--viewer-client raw speaks no permessage-deflate: leave out --compression")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    deadline = time.monotonic() + args.timeout

    def on_alarm(signum: int, frame: Any) -> None:
        raise OverallTimeout(f"overall timeout of {args.timeout:.0f}s reached")

    def on_term(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # let the cleanup finish
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.setitimer(signal.ITIMER_REAL, args.timeout)

    rows: list[dict[str, Any]] = []
    base_rows: list[dict[str, Any]] = []
    status = 0
    try:
        for n in args.viewer_counts:
            base = None
            if args.baseline:
                base = run_one(TARGETS[args.baseline], n, args, deadline, base_rows)
                print_row(base)
            for name in args.targets:
                row = run_one(TARGETS[name], n, args, deadline, rows)
                if base is not None:
                    add_ratios(row, base)
                print_row(row)
                if row.get("error"):
                    status = 1
    except (OverallTimeout, KeyboardInterrupt) as exc:
        print(f"aborted: {exc or type(exc).__name__}", file=sys.stderr)
        status = 2
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)

    print()
    if base_rows:
        print_table(base_rows, f"baseline, target={args.baseline}, same run, same clients")
        print()
    print_table(
        rows,
        f"fan-out, target={args.target}, K={args.messages} messages "
        f"every {args.interval_ms:g} ms, {args.procs} client processes "
        f"({args.viewer_client}), compression={'offered' if args.compression else 'off'}",
    )
    if args.json:
        out = {
            "config": {k: v for k, v in vars(args).items() if k != "json"},
            "host": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
            "rows": rows,
            "baseline_rows": base_rows,
        }
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
        print(f"wrote {args.json}")
    return status


if __name__ == "__main__":
    sys.exit(main())
