#!/usr/bin/env python3
"""Tables of one run of scripts/real_regressions.sh
(docs/performance.md#regressions-as-cost-on-real-processes).

Usage: real_regressions_report.py OUT [--replay KEY=VALUE[,KEY=VALUE] ...]
       real_regressions_report.py OUT1 OUT2 ...   (the per-cell table over several runs)

Reads OUT/run.json (the settings in force and the design), OUT/phases.tsv (app, phase, version,
large, medium, small factors, start epoch), OUT/regressions.json (the final GET /regressions),
OUT/seen.jsonl (when the poller first saw each event in each state), OUT/stats.jsonl (each
process's CPU seconds), OUT/trends-APP.json (every slice of every app) and OUT/load.tsv.

A deploy is a phase whose factors differ from the previous phase of its app; it is detected when
a confirmed event names the changed function, was suspected on a summary that held the new
process, and its change point lies within a recent window before the deploy and before the
app's next deploy; "within the limit" when the end of the confirming slice is at most
maxDelaySlices after the deploy. Every other confirmed event is a false event.

Per cell (function × increase) over its runs: confirmed n of m, delay in slices (median and
range), the median costRatio against the true ratio; then every run of the focus cell with the
numbers behind the detector's decision (tests/agents/detector_replay.py): the per-slice sd of
the function's share, Welch's t, degrees of freedom, p and the Benjamini-Hochberg bar at the
windows aligned to the deploy. With --replay (e.g. --replay recent=8 fdr=0.05), the detector is
also replayed on the run's slices with those settings changed, and the same cells counted.
"""
import json
import math
import os
import statistics
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import detector_replay as dr  # noqa: E402

FUNCTIONS = ("large", "medium", "small")


def named(event_function, function):
    name = f"mix_{function}"
    camel = "mix" + function.capitalize()
    return any(event_function == n or event_function.startswith(n + " ")
               or f":{n}:" in event_function or event_function.endswith(":" + n)
               for n in (name, camel))


def share(shares, factors, function):
    total = sum(shares[f] * factors[f] for f in FUNCTIONS) + shares["other"]
    return shares[function] * factors[function] / total


def fmt_range(values, digits=1):
    if not values:
        return "-"
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.{digits}f}"
    return f"{med:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def load(out):
    with open(f"{out}/run.json") as f:
        run = json.load(f)
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
    trends = {}
    for app in phases:
        try:
            with open(f"{out}/trends-{app}.json") as f:
                trends[app] = json.load(f)
        except (OSError, ValueError):
            pass
    return run, phases, end, events, seen, stats, trends


def cpu_per_second(stats, app, version, key):
    runs = stats.get((app, version), [])
    wall = sum(s["wallSecs"] for s in runs)
    values = [s.get(key) for s in runs]
    if not wall or any(v is None for v in values):
        return None
    return sum(values) / wall


def deploys(phases):
    """(app, function, previous phase, phase, next deploy or None, index) per change of work."""
    for app, ps in phases.items():
        changes = []
        for prev, cur in zip(ps, ps[1:]):
            changed = [f for f in FUNCTIONS if cur["factors"][f] != prev["factors"][f]]
            if changed:
                changes.append((changed[0], prev, cur))
        for i, (function, prev, cur) in enumerate(changes):
            nxt = changes[i + 1][2]["start"] if i + 1 < len(changes) else None
            yield app, function, prev, cur, nxt, i


def function_name(trends, function):
    for series in trends["series"]:
        if named(series["function"], function):
            return series["function"]
    return None


def aligned_test(rows, deploy, name, settings, slice_secs):
    """The detector's test when its recent window first holds only the new process: the cut at
    the first slice starting after the deploy, `reference` slices before it (the mixed slice of
    the deploy is the last of them), `recent` from it; the family of that newest summary."""
    cut = next((i for i, r in enumerate(rows) if r[0] >= deploy), None)
    if cut is None or cut < settings.reference or cut + settings.recent > len(rows):
        return None
    window = rows[cut - settings.reference:cut + settings.recent]
    index = dr.Index(window)
    family = dr.Family(index, settings)
    if name not in family.members:
        return None
    test = family.tests[family.members.index(name)]
    shares_before = [100 * r[2].get(name, 0) / r[1] for r in window[:settings.reference] if r[1]]
    shares_after = [100 * r[2].get(name, 0) / r[1] for r in window[settings.reference:] if r[1]]
    samples = statistics.mean(r[1] for r in window)
    bar = dr.bh_bar(family.p_values, settings.fdr, test.p)
    return {
        "sdBefore": statistics.stdev(shares_before), "sdAfter": statistics.stdev(shares_after),
        "test": test, "family": len([p for p in family.p_values if not math.isnan(p)]),
        "bar": bar, "tBar": dr.t_quantile_two_sided(bar, test.df) if bar > 0 and test.df > 0 else math.inf,
        "r": dr.cost_ratio(test.before.share, test.after.share),
        "bigEnough": settings.big_enough(test.before_percent, test.after_percent),
        "significant": test.p <= bar, "samples": samples,  # the profile's total per slice
    }


def settings_of(run, **changes):
    s = dr.Settings(reference=run["referenceSlices"], recent=run["recentSlices"],
                    confirm=run["confirmSlices"], fdr=run["fdr"], min_delta=run["minDeltaPoints"],
                    min_relative=run["minRelative"], slice_secs=run["sliceSecs"],
                    settle=run["settleSlices"])
    for key, value in changes.items():
        setattr(s, key, type(getattr(s, key))(value))
    return s


def match_deploys(run, phases, events):
    """Each deploy with the confirmed event that detected it (or None); the ids matched."""
    slice_secs, recent = run["sliceSecs"], run["recentSlices"]
    confirmed = [e for e in events if e.get("confirmedAt")]
    matched, out = set(), []
    for app, function, prev, cur, nxt, i in sorted(deploys(phases), key=lambda d: (d[0], d[5])):
        deploy_slice = cur["start"] // slice_secs * slice_secs

        def in_window(e):
            return (e["appName"] == app and named(e["function"], function)
                    and e["suspectedAt"] >= deploy_slice
                    and e["changedAt"] >= cur["start"] - recent * slice_secs
                    and (nxt is None or e["changedAt"] < nxt - slice_secs))

        hits = sorted((e for e in confirmed if e["id"] not in matched and in_window(e)),
                      key=lambda e: e["changedAt"])
        hit = hits[0] if hits else None
        if hit:
            matched.add(hit["id"])
        others = [e for e in events if in_window(e) and e is not hit]
        out.append((app, function, prev, cur, nxt, i, hit, others))
    return out, matched


def cell_of(app):
    # rr-large-p30-7 -> ("large", 30)
    parts = app.split("-")
    return parts[1], int(parts[2][1:])


def cells_table(outs):
    """The per-cell table over several runs: counts summed, each run's n of m beside them."""
    per_run = []
    for out in outs:
        run, phases, end, events, seen, stats, trends = load(out)
        deployments, _ = match_deploys(run, phases, events)
        per_run.append((run, deployments))
    run = per_run[0][0]
    slice_secs, max_delay, shares = run["sliceSecs"], run["maxDelaySlices"], run["shares"]
    cells = defaultdict(lambda: [[] for _ in outs])
    for k, (_, deployments) in enumerate(per_run):
        for d in deployments:
            if not d[0].startswith("rr-settle-"):
                cells[cell_of(d[0])][k].append(d)
    print(f"| Function (share) | Work | True costRatio · process | Confirmed ≤ {max_delay} slices "
          "(each run) | Delay, slices: median (range) | costRatio: median (range) | "
          "processCostPercent: median (range) | Δ points: median (true) |")
    print("|" + "---|" * 8)
    for (function, increase) in sorted(cells, key=lambda c: (FUNCTIONS.index(c[0]), c[1])):
        b, r = shares[function], 1 + increase / 100
        a = dr.share_at_ratio(b, r)
        delays, ratios, costs, deltas, counts = [], [], [], [], []
        for runs in cells[(function, increase)]:
            n = 0
            for app, _, prev, cur, nxt, i, hit, others in runs:
                if not hit:
                    continue
                delay = (hit["confirmedAt"] + slice_secs - cur["start"]) / slice_secs
                if delay <= max_delay:
                    n += 1
                    delays.append(delay)
                    ratios.append(hit["costRatio"])
                    costs.append(hit["processCostPercent"])
                    deltas.append(hit["deltaPercent"])
            counts.append(f"{n} of {len(runs)}")
        total_n = len(delays)
        total_m = sum(len(runs) for runs in cells[(function, increase)])
        print(f"| mix_{function} ({100 * b:.0f} %) | +{increase} % | {r:.2f} · +{100 * b * (r - 1):.1f} % | "
              f"**{total_n} of {total_m}** ({' · '.join(counts)}) | {fmt_range(delays)} | "
              f"{fmt_range(ratios, 3)} | {fmt_range(costs, 1)} | "
              f"{fmt_range(deltas, 2) if deltas else '-'} ({100 * (a - b):.2f}) |")


def main():
    args = sys.argv[1:]
    outs = [a for a in args if "=" not in a and a != "--replay"]
    if len(outs) > 1:
        cells_table(outs)
        return
    out = outs[0]
    replays = [dict(kv.split("=", 1) for kv in arg.split(","))
               for arg in args if "=" in arg]
    run, phases, end, events, seen, stats, trends = load(out)
    slice_secs, max_delay = run["sliceSecs"], run["maxDelaySlices"]
    shares = run["shares"]
    settings = settings_of(run)
    deployments, matched = match_deploys(run, phases, events)

    print(f"Settings: reference_slices {run['referenceSlices']}, recent_slices "
          f"{run['recentSlices']}, confirm_slices {run['confirmSlices']}, fdr {run['fdr']}, "
          f"min_delta_points {run['minDeltaPoints']}, min_relative {run['minRelative']}, "
          f"settle_slices {run['settleSlices']}, slice_secs {slice_secs}, lag_secs {run['lagSecs']}"
          f"; set by the run: {', '.join(run['knobsSet']) or 'none of the detector settings'}.")
    try:
        with open(f"{out}/load.tsv") as f:
            loads = [float(line.split("\t")[1].split()[0]) for line in f if line.strip()]
        print(f"Load average (1 min): mean {statistics.mean(loads):.1f}, "
              f"{min(loads):.1f} to {max(loads):.1f} ({len(loads)} readings 10 s apart).")
    except (OSError, ValueError, IndexError, statistics.StatisticsError):
        pass

    # --- per cell ---------------------------------------------------------------------------
    cells = defaultdict(list)
    for d in deployments:
        app, function, prev, cur, nxt, i, hit, others = d
        if app.startswith("rr-settle-"):
            continue
        cells[cell_of(app)].append(d)
    print(f"\n| Function (share) | Work | True costRatio · process | Runs | Confirmed ≤ {max_delay} "
          "slices | Confirmed later | Delay, slices: median (range) | costRatio: median (range) | "
          "processCostPercent: median (true) | Δ points: median (true) | Suspected, went away |")
    print("|" + "---|" * 11)
    for (function, increase) in sorted(cells, key=lambda c: (FUNCTIONS.index(c[0]), c[1])):
        runs = cells[(function, increase)]
        b = shares[function]
        r = 1 + increase / 100
        a = dr.share_at_ratio(b, r)
        delays, ratios, costs, deltas, late, gone = [], [], [], [], 0, 0
        for app, _, prev, cur, nxt, i, hit, others in runs:
            gone += sum(1 for e in others if e["state"] == "went_away")
            if not hit:
                continue
            delay = (hit["confirmedAt"] + slice_secs - cur["start"]) / slice_secs
            if delay <= max_delay:
                delays.append(delay)
                ratios.append(hit["costRatio"])
                costs.append(hit["processCostPercent"])
                deltas.append(hit["deltaPercent"])
            else:
                late += 1
        print(f"| mix_{function} ({100 * b:.0f} %) | +{increase} % | {r:.2f} · +{100 * b * (r - 1):.1f} % | "
              f"{len(runs)} | **{len(delays)} of {len(runs)}** | {late} | {fmt_range(delays)} | "
              f"{fmt_range(ratios, 3)} | {fmt_range(costs, 1) if costs else '-'} ({100 * b * (r - 1):.1f}) | "
              f"{fmt_range(deltas, 2) if deltas else '-'} ({100 * (a - b):.2f}) | {gone} |")

    # --- every grid run ---------------------------------------------------------------------
    print("\n| App | Function | Work | Confirmed | Delay, slices | Seen − deploy | Change point − "
          "deploy, slices | Event: before → after % | costRatio | processCostPercent | version | "
          "CPU ratio, main thread | aligned test: sd before / after, Δ, t, df, p, BH bar (t), r |")
    print("|" + "---|" * 13)
    for app, function, prev, cur, nxt, i, hit, others in deployments:
        r = cur["factors"][function] / prev["factors"][function]
        m0 = cpu_per_second(stats, app, prev["version"], "threadCpuSecs")
        m1 = cpu_per_second(stats, app, cur["version"], "threadCpuSecs")
        cpu = f"{m1 / m0:.3f}" if m0 and m1 else "-"
        note = "-"
        if app in trends:
            name = function_name(trends[app], function)
            rows = dr.rows_of_trends(trends[app])
            at = aligned_test(rows, cur["start"], name, settings, slice_secs) if name else None
            if at:
                t = at["test"]
                note = (f"{at['sdBefore']:.2f} / {at['sdAfter']:.2f}, {t.delta:+.2f}, {t.t:.2f}, "
                        f"{t.df:.1f}, {t.p:.1e}, {at['bar']:.1e} ({at['tBar']:.2f}), {at['r']:.3f}"
                        + ("" if at["bigEnough"] else " < 1 + min_relative"))
        label = f"+{round((r - 1) * 100)} %" + (" (second)" if i else "")
        if hit:
            delay = (hit["confirmedAt"] + slice_secs - cur["start"]) / slice_secs
            seen_at = seen.get((hit["id"], "confirmed"))
            version = hit.get("version") or {}
            seen_text = f"{seen_at - cur['start']:.0f} s" if seen_at else "-"
            print(f"| {app} | mix_{function} | {label} | yes ({hit['state']}) | {delay:.1f} | "
                  f"{seen_text} | "
                  f"{(hit['changedAt'] - cur['start']) / slice_secs:+.1f} | "
                  f"{hit['beforePercent']:.2f} → {hit['afterPercent']:.2f} | {hit['costRatio']} (true {r:.2f}) | "
                  f"{hit['processCostPercent']} | "
                  f"{(version.get('before') or '?') + ' → ' + version.get('after') if version else 'null'} | "
                  f"{cpu} | {note} |")
        else:
            listed = ", ".join(f"{e['state']} {e['deltaPercent']:+.2f}" for e in others) or "none"
            print(f"| {app} | mix_{function} | {label} | **no** (events: {listed}) | - | - | - | - | - "
                  f"(true {r:.2f}) | - | - | {cpu} | {note} |")

    # --- the second increase ----------------------------------------------------------------
    print("\n| Settle app | First: delay, slices · costRatio (true) | Settled, slices after "
          "its confirmation | Second: confirmed · delay, slices · costRatio (true) · version |")
    print("|---|---|---|---|")
    by_app = defaultdict(list)
    for d in deployments:
        if d[0].startswith("rr-settle-"):
            by_app[d[0]].append(d)
    for app, ds in sorted(by_app.items()):
        cols = []
        settled = "-"
        for app_, function, prev, cur, nxt, i, hit, others in ds:
            r = cur["factors"][function] / prev["factors"][function]
            if not hit:
                cols.append(f"**no** (true {r:.2f})")
                continue
            delay = (hit["confirmedAt"] + slice_secs - cur["start"]) / slice_secs
            version = hit.get("version") or {}
            v = f"{version.get('before')} → {version.get('after')}" if version else "version null"
            cols.append(f"yes · {delay:.1f} · {hit['costRatio']} ({r:.2f}) · {v}")
            if i == 0 and hit.get("settledAt"):
                settled = f"{(hit['settledAt'] - hit['confirmedAt']) / slice_secs:.0f}"
            elif i == 0:
                settled = f"not settled ({hit['state']})"
        while len(cols) < 2:
            cols.append("- (not reached)")
        print(f"| {app} | {cols[0]} | {settled} | {cols[1]} |")

    # --- false events -------------------------------------------------------------------------
    warmup = (run["referenceSlices"] + run["recentSlices"]) * slice_secs
    print("\n| Unchanged app | Processes (restarts) | Running | Examined | Confirmed (false events) "
          "| Suspected, went away |")
    print("|---|---|---|---|---|---|")
    hours = defaultdict(float)
    alarms = defaultdict(int)
    for app, ps in sorted(phases.items()):
        if not app.startswith("rr-steady-"):
            continue
        kind = "node (wall)" if app.endswith("-node") else "python (cpu)"
        running = sum(s["wallSecs"] for s in stats.get((app, ps[0]["version"]), []))
        examined = max(0.0, running - warmup)
        mine = [e for e in events if e["appName"] == app]
        confirmed = [e for e in mine if e.get("confirmedAt")]
        gone = [e for e in mine if e["state"] == "went_away"]
        hours[kind] += examined / 3600
        alarms[kind] += len(confirmed)
        listed = "; ".join(f"{e['function']} {e['beforePercent']:.2f} → {e['afterPercent']:.2f} % "
                           f"(r {e['costRatio']}, {e['state']})" for e in confirmed)
        print(f"| {app} | {len(ps)} ({len(ps) - 1}) | {running / 60:.1f} min | {examined / 60:.1f} min | "
              f"{len(confirmed)}{': ' + listed if listed else ''} | {len(gone)} |")
    # The grid's and settle apps' unchanged phase A, after the warm-up.
    a_hours = 0.0
    for app, ps in phases.items():
        if app.startswith("rr-steady-") or len(ps) < 2:
            continue
        a_hours += max(0.0, ps[1]["start"] - ps[0]["start"] - warmup) / 3600
    hours["unchanged phase A of the grid and settle apps"] += a_hours
    others = [e for e in events if e.get("confirmedAt") and e["id"] not in matched
              and not e["appName"].startswith("rr-steady-")]
    alarms["unchanged phase A of the grid and settle apps"] += 0
    print()
    for kind in sorted(hours):
        n = alarms[kind]
        rate = f"{n / hours[kind]:.2f} per process-hour" if hours[kind] else "-"
        bound = f" (none: 95 % upper bound {3.0 / hours[kind]:.1f} per process-hour)" if n == 0 and hours[kind] else ""
        if kind.startswith("unchanged"):
            print(f"- {kind}: {hours[kind]:.2f} process-hours examined (see below for every other "
                  "confirmed event in those apps).")
        else:
            print(f"- steady {kind}: {n} false events in {hours[kind]:.2f} examined process-hours = "
                  f"{rate}{bound}.")
    print(f"\nOther confirmed events in the grid and settle apps (false events, or a deploy's event "
          f"outside its window): {len(others)}")
    for e in others:
        print(f"- {e['appName']} {e['function']} {e['beforePercent']:.2f} → {e['afterPercent']:.2f} % "
              f"(r {e['costRatio']}), change {e['changedAt']}, state {e['state']}")
    went = [e for e in events if e["state"] == "went_away" and not e["appName"].startswith("rr-steady-")]
    print(f"\nSuspected and went away in the grid and settle apps: {len(went)}")
    for e in went:
        print(f"- {e['appName']} {e['function']} {e['beforePercent']:.2f} → {e['afterPercent']:.2f} % "
              f"(r {e['costRatio']})")

    # --- noise per slice, per cell --------------------------------------------------------------
    print("\n| Cell | Profile's CPU per 10-s slice, s (median) | sd of the function's share per slice before, "
          "points (median) | Aligned test: t median (range) | df (median) | BH bar: t (median) | "
          "r ≥ 1 + min_relative at the aligned windows | significant there |")
    print("|" + "---|" * 8)
    for (function, increase) in sorted(cells, key=lambda c: (FUNCTIONS.index(c[0]), c[1])):
        tests = []
        for app, _, prev, cur, nxt, i, hit, others in cells[(function, increase)]:
            if app not in trends:
                continue
            name = function_name(trends[app], function)
            at = aligned_test(dr.rows_of_trends(trends[app]), cur["start"], name, settings,
                              slice_secs) if name else None
            if at:
                tests.append(at)
        if not tests:
            continue
        print(f"| mix_{function} +{increase} % | {statistics.median(t['samples'] for t in tests) / 1e9:.2f} | "
              f"{statistics.median(t['sdBefore'] for t in tests):.2f} | "
              f"{fmt_range([t['test'].t for t in tests])} | "
              f"{statistics.median(t['test'].df for t in tests):.1f} | "
              f"{statistics.median(t['tBar'] for t in tests):.2f} | "
              f"{sum(t['bigEnough'] for t in tests)} of {len(tests)} | "
              f"{sum(t['significant'] for t in tests)} of {len(tests)} |")

    # --- the replay: the service's events again, and other settings -----------------------------
    for changes in [{}] + replays:
        s = settings_of(run, **changes)
        label = ", ".join(f"{k} {v}" for k, v in changes.items()) or "the run's own settings"
        counts = defaultdict(lambda: [0, 0])
        false_steady, steady_hours = 0, 0.0
        agree = [0, 0]
        for app, function, prev, cur, nxt, i, hit, others in deployments:
            if app.startswith("rr-settle-") or app not in trends:
                continue
            name = function_name(trends[app], function)
            found = [e for e in dr.replay(dr.rows_of_trends(trends[app]), s)
                     if e.get("confirmedAt") and e["function"] == name
                     and e["suspectedAt"] >= cur["start"] // slice_secs * slice_secs
                     and e["changedAt"] >= cur["start"] - s.recent * slice_secs
                     and (e["confirmedAt"] + slice_secs - cur["start"]) / slice_secs <= max_delay]
            cell = counts[cell_of(app)]
            cell[1] += 1
            cell[0] += bool(found)
            if not changes:
                hit_in_time = bool(hit) and (hit["confirmedAt"] + slice_secs - cur["start"]) / slice_secs <= max_delay
                agree[0] += hit_in_time == bool(found)
                agree[1] += 1
        for app in phases:
            if app.startswith("rr-steady-") and app in trends and not app.endswith("-node"):
                replayed = dr.replay(dr.rows_of_trends(trends[app]), s)
                false_steady += sum(1 for e in replayed if e.get("confirmedAt"))
                steady_hours += max(0, len(trends[app]["slices"]) - s.reference - s.recent) * slice_secs / 3600
        cells_text = ", ".join(f"{f} +{x} %: {n} of {m}" for (f, x), (n, m) in
                               sorted(counts.items(), key=lambda c: (FUNCTIONS.index(c[0][0]), c[0][1])))
        print(f"\nReplay ({label}): confirmed ≤ {max_delay} slices: {cells_text}; false events on the "
              f"Python steady apps: {false_steady} in {steady_hours:.2f} examined process-hours"
              + (f"; agrees with the service on {agree[0]} of {agree[1]} deploys" if not changes else "")
              + ".")


if __name__ == "__main__":
    main()
