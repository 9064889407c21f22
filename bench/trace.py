"""Read a busy evening's trace (`bench/busy_evening.py --trace PATH`): when were the slow
requests slow, and what were the workers and the machine doing then?

    python bench/trace.py PATH [--slow-ms 300] [--window 1.0]

PATH.requests.PID holds each request Locust made (start on the wall clock, name, milliseconds,
ok); PATH.cpu the workers' CPU seconds, the machine's busy/total jiffies and each worker's
event-loop thread's run-queue wait, every 100 ms. Printed:

- the slow requests (over --slow-ms) by name, and how many other requests were in flight when
  each started;
- per window (--window seconds): requests started, slow ones, the worst, each worker's CPU
  share (1.0 = a whole core), the machine's busy share, the loops' run-queue wait (the time an
  event loop was ready to run but had no core), and the secretary's vote open/close;
- whether slow requests come together (a stall every request shares) or one by one;
- by whole seconds since the latest vote opened (the secretary opens one every ~12 s): requests
  started in that second of a vote and how many were slow, and each request type's p99 in a
  vote's first 5 s against the rest.
"""

from __future__ import annotations

import argparse
import bisect
import glob
import json
from collections import Counter, defaultdict


def load(path: str) -> tuple[list[tuple[float, str, float, bool]], list[list]]:
    requests = []
    for name in glob.glob(f"{path}.requests.*"):
        with open(name) as fh:
            requests += [tuple(json.loads(line)) for line in fh]
    requests.sort()
    with open(f"{path}.cpu") as fh:
        cpu = [json.loads(line) for line in fh]
    return requests, cpu


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("path")
    p.add_argument("--slow-ms", type=float, default=300)
    p.add_argument("--window", type=float, default=1.0)
    p.add_argument("--skip", type=float, default=15.0,
                   help="seconds of the start (the ramp-up) left out")
    args = p.parse_args(argv)
    requests, cpu = load(args.path)
    t0 = requests[0][0] + args.skip
    requests = [r for r in requests if r[0] >= t0]
    cpu = [c for c in cpu if c[0] >= t0 - 0.2]
    slow = [r for r in requests if r[2] > args.slow_ms]
    print(f"{len(requests)} requests after the first {args.skip:.0f} s, {len(slow)} over "
          f"{args.slow_ms:.0f} ms ({len(slow) / max(1, len(requests)):.1%})")
    by_name = Counter(r[1] for r in requests)
    slow_by_name = Counter(r[1] for r in slow)
    for name, n in by_name.most_common():
        print(f"  {name:40s} {n:6d}  slow {slow_by_name[name]:4d} "
              f"({slow_by_name[name] / n:.1%})")

    # Windows: what the server and the machine did while requests started in it.
    times = [c[0] for c in cpu]
    windows: dict[int, dict] = defaultdict(lambda: {"n": 0, "slow": 0, "worst": 0.0,
                                                     "marks": []})
    for start, name, ms, _ok in requests:
        w = windows[int((start - t0) // args.window)]
        w["n"] += 1
        w["worst"] = max(w["worst"], ms)
        if ms > args.slow_ms:
            w["slow"] += 1
        if "vote/open" in name or "vote/close" in name:
            w["marks"].append(name.split("/")[-1])

    def usage(a: float, b: float) -> tuple[list[float], float, list[float], dict[str, float]]:
        i = max(0, bisect.bisect_left(times, a) - 1)
        j = min(len(cpu) - 1, bisect.bisect_left(times, b))
        if j <= i:
            return [], 0.0, [], {}
        ca, cb = cpu[i], cpu[j]
        dt = cb[0] - ca[0]
        workers = [(y - x) / dt for x, y in zip(ca[1], cb[1], strict=True)]
        machine = (cb[2] - ca[2]) / max(1, cb[3] - ca[3])
        waits = [(y - x) / dt for x, y in zip(ca[4], cb[4], strict=True)]
        groups = {g: (cb[5][g] - ca[5][g]) / dt for g in ca[5]} if len(ca) > 5 else {}
        return workers, machine, waits, groups

    print(f"\nwindows of {args.window:g} s: start s, requests, slow, worst ms, "
          "workers' CPU (cores), machine busy, loops' run-queue wait (share of the window), "
          "other groups' CPU (cores)")
    stalled, calm = [], []
    for k in sorted(windows):
        w = windows[k]
        a = t0 + k * args.window
        workers, machine, waits, groups = usage(a, a + args.window)
        row = (f"{k * args.window:6.1f} {w['n']:4d} {w['slow']:4d} {w['worst']:7.0f}  "
               f"{' '.join(f'{x:4.2f}' for x in workers)}  {machine:4.0%}  "
               f"{' '.join(f'{x:4.2f}' for x in waits)}  "
               f"{' '.join(f'{g} {x:4.2f}' for g, x in groups.items())}  {' '.join(w['marks'])}")
        print(row)
        (stalled if w["slow"] else calm).append((workers, machine, waits, groups))

    def mean(rows: list, f) -> str:
        vals = [f(r) for r in rows if r[0]]
        return f"{sum(vals) / len(vals):.2f}" if vals else "-"

    for label, rows in (("windows with a slow request", stalled),
                        ("windows without", calm)):
        print(f"{label}: {len(rows)}; workers' CPU (sum) {mean(rows, lambda r: sum(r[0]))}, "
              f"machine busy {mean(rows, lambda r: r[1])}, loops' run-queue wait (sum) "
              f"{mean(rows, lambda r: sum(r[2]))}, "
              + ", ".join(f"{g} {mean(rows, lambda r, g=g: r[3].get(g, 0.0))}"
                          for g in (rows[0][3] if rows else {})))

    by_vote(requests, args.slow_ms)


def by_vote(requests: list[tuple[float, str, float, bool]], slow_ms: float) -> None:
    """Where in a vote's cycle the slow requests fall (issue 11 seventh round: in its first
    seconds, while the tally events go out to every viewer)."""
    opens = [r[0] for r in requests if r[1].endswith("vote/open")]
    if not opens:
        return
    n: Counter[int] = Counter()
    slow: Counter[int] = Counter()
    times: dict[tuple[str, bool], list[float]] = defaultdict(list)
    for start, name, ms, _ok in requests:
        i = bisect.bisect_right(opens, start) - 1
        if i < 0:
            continue
        second = int(start - opens[i])
        n[second] += 1
        slow[second] += ms > slow_ms
        times[(name, second < 5)].append(ms)
    print("\nseconds since the vote opened: requests, slow")
    print("  " + "  ".join(f"{k}: {n[k]} {slow[k]}" for k in sorted(n)))

    def p99(xs: list[float]) -> str:
        xs = sorted(xs)
        return f"{xs[min(len(xs) - 1, int(len(xs) * 0.99))]:6.0f}" if xs else "     -"

    print("p99 ms by request type: in a vote's first 5 s | after")
    for name in sorted({k[0] for k in times}):
        print(f"  {name:40s} {p99(times[(name, True)])} | {p99(times[(name, False)])}")


if __name__ == "__main__":
    main()
