#!/usr/bin/env python3
"""Tables of one run of scripts/real_regressions.sh (docs/performance.md, SPEC §19).

Usage: real_regressions_report.py OUT SLICE_SECS REFERENCE_SLICES RECENT_SLICES MIN_DELTA MIN_RELATIVE

Reads OUT/phases.tsv (app, phase, version, large, medium, small factors, start epoch),
OUT/regressions.json (the final GET /regressions), OUT/seen.jsonl (when the poller first saw
each event in each state), OUT/stats.jsonl (each process's CPU seconds) and OUT/trends-APP.json.
A deploy is a phase whose factors differ from the previous phase of its app; it is detected when
an event names the changed function, has been confirmed, and its change point lies between one
slice before the deploy and the app's next deploy. Every other confirmed event is a false alarm.
"""
import json
import math
import statistics
import sys
from collections import defaultdict

SHARES = {"large": 0.60, "medium": 0.30, "small": 0.05}
OTHER = 0.05


def share(factors, function):
    total = sum(SHARES[f] * factors[f] for f in SHARES) + OTHER
    return SHARES[function] * factors[function] / total


def named(event_function, function):
    name = f"mix_{function}"
    return (event_function == name or event_function.startswith(name + " ")
            or f":{name}:" in event_function or event_function.endswith(":" + name))


def load(out):
    phases = defaultdict(list)
    end = None
    with open(f"{out}/phases.tsv") as f:
        for line in f:
            app, name, version, large, medium, small, start = line.rstrip("\n").split("\t")
            if app == "-":
                end = float(start)
                continue
            factors = {"large": float(large), "medium": float(medium), "small": float(small)}
            phases[app].append({"name": name, "version": version, "factors": factors,
                                "start": float(start)})
    with open(f"{out}/regressions.json") as f:
        events = json.load(f)["regressions"]
    seen = {}
    with open(f"{out}/seen.jsonl") as f:
        for line in f:
            s = json.loads(line)
            seen.setdefault((s["id"], s["state"]), s["seenAt"])
    stats = defaultdict(list)
    with open(f"{out}/stats.jsonl") as f:
        for line in f:
            s = json.loads(line)
            stats[(s["app"], s["version"])].append(s)
    return phases, end, events, seen, stats


def cpu_per_second(stats, app, version, key):
    runs = stats.get((app, version), [])
    wall = sum(s["wallSecs"] for s in runs)
    return sum(s[key] for s in runs) / wall if wall else None


def trend_shares(out, app, function):
    """Per-slice self shares (start, percent) of the function, from /trends."""
    try:
        with open(f"{out}/trends-{app}.json") as f:
            trends = json.load(f)
    except (OSError, ValueError):
        return []
    for series in trends["series"]:
        if named(series["function"], function):
            return [(s["start"], p) for s, p in zip(trends["slices"], series["selfPercent"])
                    if p is not None]
    return []


def noise_note(out, app, function, deploy, next_deploy, slice_secs, reference):
    """Measured shares before and after the deploy and the Welch t of them, from /trends."""
    points = trend_shares(out, app, function)
    before = [p for s, p in points if s + slice_secs <= deploy][-reference:]
    after = [p for s, p in points if s >= deploy + slice_secs and s + slice_secs <= next_deploy]
    if len(before) < 2 or len(after) < 2:
        return ""
    mb, ma = statistics.mean(before), statistics.mean(after)
    sb, sa = statistics.stdev(before), statistics.stdev(after)
    se = math.sqrt(sb**2 / len(before) + sa**2 / len(after))
    t = (ma - mb) / se if se else float("inf")
    return (f"/trends: {mb:.2f} % (sd {sb:.2f}, {len(before)} slices) → {ma:.2f} % "
            f"(sd {sa:.2f}, {len(after)} slices), t = {t:.1f}")


def deploys(phases):
    """(app, function, previous phase, phase, next deploy or None) for each change of work."""
    for app, ps in phases.items():
        changes = []
        for prev, cur in zip(ps, ps[1:]):
            changed = [f for f in SHARES if cur["factors"][f] != prev["factors"][f]]
            if changed:
                changes.append((changed[0], prev, cur))
        for i, (function, prev, cur) in enumerate(changes):
            nxt = changes[i + 1][2]["start"] if i + 1 < len(changes) else None
            yield app, function, prev, cur, nxt, i


def main():
    out, slice_secs, reference, recent = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    min_delta, min_relative = float(sys.argv[5]), float(sys.argv[6])
    phases, end, events, seen, stats = load(out)
    confirmed = [e for e in events if e.get("confirmedAt")]
    matched = set()

    print("| App | Function (designed share before) | Work | Detected | Delay: deploy → end of the "
          "confirming slice | Seen − deploy | Change point − deploy | Event: before → after | "
          "costRatio (true) | processCostPercent (true) | CPU ratio: main thread / process | Notes |")
    print("|" + "---|" * 12)
    for app, function, prev, cur, nxt, i in sorted(deploys(phases), key=lambda d: (d[0], d[5])):
        b, a = share(prev["factors"], function), share(cur["factors"], function)
        r = cur["factors"][function] / prev["factors"][function]
        deploy_slice = cur["start"] // slice_secs * slice_secs

        def in_window(e):
            # The change point may be estimated a few slices early (a push spans two slices, and
            # noise): it must lie in the recent window of a suspicion raised by a summary that
            # holds the new process's data, and before the app's next deploy.
            return (e["appName"] == app and named(e["function"], function)
                    and e["suspectedAt"] >= deploy_slice
                    and e["changedAt"] >= cur["start"] - recent * slice_secs
                    and (nxt is None or e["changedAt"] < nxt - slice_secs))

        hits = sorted((e for e in confirmed if e["id"] not in matched and in_window(e)),
                      key=lambda e: e["changedAt"])
        main_ratio = process_ratio = None
        m0 = cpu_per_second(stats, app, prev["version"], "threadCpuSecs")
        m1 = cpu_per_second(stats, app, cur["version"], "threadCpuSecs")
        p0 = cpu_per_second(stats, app, prev["version"], "processCpuSecs")
        p1 = cpu_per_second(stats, app, cur["version"], "processCpuSecs")
        if m0 and m1:
            main_ratio, process_ratio = m1 / m0, p1 / p0
        cpu = f"{main_ratio:.3f} / {process_ratio:.3f}" if main_ratio else "-"
        label = f"+{round((r - 1) * 100)} %" + (" (second)" if i else "")
        row = [app, f"mix_{function} ({100 * b:.1f} %)", label]
        true_r, true_cost = f"(true {r:.2f})", f"(true {100 * b * (r - 1):.2f})"
        notes = []
        if hits:
            e = hits[0]
            matched.add(e["id"])
            delay = (e["confirmedAt"] + slice_secs - cur["start"]) / slice_secs
            seen_at = seen.get((e["id"], "confirmed"))
            version = e.get("version") or {}
            row += ["yes", f"{delay:.1f} slices",
                    f"{seen_at - cur['start']:.0f} s" if seen_at else "-",
                    f"{(e['changedAt'] - cur['start']) / slice_secs:+.1f} slices",
                    f"{e['beforePercent']:.2f} → {e['afterPercent']:.2f} % (+{e['deltaPercent']:.2f})",
                    f"{e['costRatio']} {true_r}", f"{e['processCostPercent']} % {true_cost}", cpu]
            notes.append(f"version {version.get('before')} → {version.get('after')}" if version
                         else "version null")
            if e["kind"] != "regression":
                notes.append(f"kind {e['kind']}")
            if e.get("settledAt"):
                notes.append(f"settled {(e['settledAt'] - e['confirmedAt']) // slice_secs} slices "
                             "after its confirmation")
            if e.get("resolvedAt"):
                notes.append("resolved")
        else:
            row += ["**no**", "-", "-", "-", "-", f"- {true_r}", f"- {true_cost}", cpu]
            notes.append(f"Δ would be {100 * (a - b):.2f} pt")
            if r < 1 + min_relative - 1e-9:
                notes.append(f"r = {r:.2f} < 1 + min_relative = {1 + min_relative:.2f}")
            if 100 * (a - b) < min_delta:
                notes.append(f"Δ < min_delta_points {min_delta}")
            others = [e for e in events if in_window(e)]
            if others:
                notes.append("events: " + ", ".join(f"{e['state']} {e['deltaPercent']:+.2f} pt" for e in others))
            notes.append(noise_note(out, app, function, cur["start"], nxt or end, slice_secs, reference))
        row.append("; ".join(n for n in notes if n))
        print("| " + " | ".join(row) + " |")

    print("\n| Steady app | Processes (restarts) | Running | Examined | Confirmed (false alarms) | "
          "Suspected, went away |")
    print("|---|---|---|---|---|---|")
    warmup = (reference + recent) * slice_secs
    total_hours, total_alarms = 0.0, 0
    for app, ps in sorted(phases.items()):
        if not app.startswith("rr-steady-"):
            continue
        running = sum(s["wallSecs"] for s in stats.get((app, ps[0]["version"]), []))
        examined = max(0.0, running - warmup)
        mine = [e for e in events if e["appName"] == app]
        alarms = [e for e in mine if e.get("confirmedAt")]
        gone = [e for e in mine if e["state"] == "went_away"]
        total_hours += examined / 3600
        total_alarms += len(alarms)
        listed = "; ".join(f"{e['function']} {e['beforePercent']:.2f} → {e['afterPercent']:.2f} %" for e in alarms)
        print(f"| {app} | {len(ps)} ({len(ps) - 1}) | {running / 60:.1f} min | {examined / 60:.1f} min | "
              f"{len(alarms)}{': ' + listed if listed else ''} | {len(gone)} |")
    if total_hours:
        bound = f"; 95 % upper bound {3.0 / total_hours:.1f}" if total_alarms == 0 else ""
        print(f"\nFalse alarms on the steady apps: {total_alarms} in {total_hours:.2f} examined "
              f"process-hours = **{total_alarms / total_hours:.2f} per process-hour**{bound}.")

    others = [e for e in confirmed if e["id"] not in matched and not e["appName"].startswith("rr-steady-")]
    print(f"\nOther confirmed events in the grid and settle apps (false alarms): {len(others)}")
    for e in others:
        print(f"- {e['appName']} {e['function']} {e['beforePercent']:.2f} → {e['afterPercent']:.2f} % "
              f"(r {e['costRatio']}), change {e['changedAt']}, state {e['state']}")
    try:
        with open(f"{out}/load.tsv") as f:
            loads = [float(line.split("\t")[1].split()[0]) for line in f if line.strip()]
        print(f"\nLoad average (1 min) during the run: mean {statistics.mean(loads):.1f}, "
              f"{min(loads):.1f} to {max(loads):.1f}, on {len(loads)} readings 10 s apart.")
    except (OSError, ValueError, IndexError):
        pass
    went = [e for e in events if e["state"] == "went_away" and not e["appName"].startswith("rr-steady-")]
    print(f"\nSuspected and went away in the grid and settle apps: {len(went)}")
    for e in went:
        print(f"- {e['appName']} {e['function']} {e['beforePercent']:.2f} → {e['afterPercent']:.2f} % "
              f"(r {e['costRatio']})")


if __name__ == "__main__":
    main()
