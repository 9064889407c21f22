"""Baseline fan-out server: a bare ``websockets`` broadcast server, no framework.

This is the yardstick the meetingroom live feed is compared against. It does
the least work a broadcast server can do: accept viewers, send each one a
snapshot on connect, and push every published message to all of them.

Paths:

* ``/control``: the benchmark driver's socket. Text commands:
    - ``publish {json}``: broadcast ``{json}`` verbatim to every viewer.
    - ``stats``: reply with one JSON object (viewer count, publish count,
      time spent inside each ``broadcast()`` call).
* any other path: a viewer. It receives one snapshot message
  (``{"type":"snapshot","seq":0,...}``, shaped like the contract's live-feed
  snapshot), then every published message. Anything a viewer sends is ignored.

On startup the server prints exactly one line, ``READY <port>``, on stdout
(``--port 0`` picks a free port) and nothing else on stdout afterwards.
It exits on SIGTERM/SIGINT, and by itself if ``--parent-pid`` stops existing,
so an orphaned server never outlives the benchmark.

Run: ``python bench/bare_ws_server.py --port 0 [--parent-pid PID]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

CONTROL_PATH = "/control"


def make_snapshot(extra_bytes: int) -> str:
    """A snapshot shaped like the contract's ``{"type":"snapshot",...}``."""
    snapshot = {
        "type": "snapshot",
        "seq": 0,
        "meeting": {
            "id": 1,
            "title": "Bench committee meeting",
            "status": "in_progress",
            "quorum": 5,
            "present": 9,
        },
        "tallies": [
            {"item_id": k, "yes": 0, "no": 0, "abstain": 0, "status": "open"} for k in range(1, 4)
        ],
    }
    if extra_bytes > 0:
        snapshot["pad"] = "x" * extra_bytes
    return json.dumps(snapshot, separators=(",", ":"))


class BroadcastServer:
    def __init__(self, snapshot: str) -> None:
        self.snapshot = snapshot
        self.viewers: set[ServerConnection] = set()
        self.publishes = 0
        self.broadcast_ns: list[int] = []
        self.max_viewers = 0

    async def handler(self, ws: ServerConnection) -> None:
        path = ws.request.path if ws.request is not None else "/"
        if path.split("?", 1)[0] == CONTROL_PATH:
            await self.control(ws)
        else:
            await self.viewer(ws)

    async def viewer(self, ws: ServerConnection) -> None:
        # Register before sending the snapshot: once a client has seen the
        # snapshot it is guaranteed to get every later publish (no gap).
        self.viewers.add(ws)
        self.max_viewers = max(self.max_viewers, len(self.viewers))
        try:
            await ws.send(self.snapshot)
            async for _ in ws:  # viewers never change state; drain and ignore
                pass
        except ConnectionClosed:
            pass
        finally:
            self.viewers.discard(ws)

    async def control(self, ws: ServerConnection) -> None:
        try:
            async for raw in ws:
                cmd = raw.decode() if isinstance(raw, bytes) else raw
                if cmd.startswith("publish "):
                    message = cmd[len("publish ") :]
                    t0 = time.perf_counter_ns()
                    # websockets.broadcast() rather than `for v in viewers: await v.send(m)`:
                    # broadcast() frames and writes the message into every
                    # connection's transport synchronously in one pass, without
                    # awaiting each socket's drain. A plain awaited loop would
                    # serialise viewers behind each other (one slow reader stalls
                    # everyone after it), and gather()-ing N send() coroutines
                    # adds N tasks per message. The trade-off is documented:
                    # broadcast() has no backpressure, slow viewers just buffer.
                    broadcast(self.viewers, message)
                    self.broadcast_ns.append(time.perf_counter_ns() - t0)
                    self.publishes += 1
                elif cmd == "stats":
                    await ws.send(json.dumps(self.stats()))
                else:
                    await ws.send(json.dumps({"error": f"unknown command {cmd[:40]!r}"}))
        except ConnectionClosed:
            pass

    def stats(self) -> dict:
        ms = sorted(n / 1e6 for n in self.broadcast_ns)
        return {
            "viewers": len(self.viewers),
            "max_viewers": self.max_viewers,
            "publishes": self.publishes,
            "broadcast_call_ms_max": round(ms[-1], 3) if ms else None,
            "broadcast_call_ms_p50": round(ms[len(ms) // 2], 3) if ms else None,
        }


async def watch_parent(parent_pid: int, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            print("bare_ws_server: parent gone, exiting", file=sys.stderr)
            stop.set()
            return
        except PermissionError:
            pass
        await asyncio.sleep(1.0)


async def amain(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    app = BroadcastServer(make_snapshot(args.snapshot_pad))
    async with serve(
        app.handler,
        args.host,
        args.port,
        compression="deflate" if args.compression else None,
        backlog=args.backlog,
        max_size=2**20,
    ) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"READY {port}", flush=True)
        watcher = None
        if args.parent_pid:
            watcher = asyncio.create_task(watch_parent(args.parent_pid, stop))
        await stop.wait()
        if watcher is not None:
            watcher.cancel()
        server.close(close_connections=False)
        # Don't run 5,000 closing handshakes on shutdown; drop the sockets.
        for conn in list(server.connections):
            conn.transport.abort()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--parent-pid", type=int, default=0, help="exit when this process disappears")
    p.add_argument(
        "--backlog",
        type=int,
        default=4096,
        help="listen() backlog (asyncio default 100 drops SYNs in a connect storm)",
    )
    p.add_argument(
        "--compression", action="store_true", help="accept permessage-deflate if a client offers it"
    )
    p.add_argument(
        "--snapshot-pad", type=int, default=0, help="extra bytes of padding in the snapshot message"
    )
    args = p.parse_args()
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = hard if hard != resource.RLIM_INFINITY else 65536
        if soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    except (ImportError, ValueError, OSError):
        pass
    asyncio.run(amain(args))


if __name__ == "__main__":
    main()
