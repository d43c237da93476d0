#!/usr/bin/env python3
"""Summarizes one run of scripts/agents_experiment.sh: detection delay and false alarms.

Usage: experiment_report.py RUN_DIR RUN_NUMBER SLICE_SECS APP=SHIFTED_FUNCTION...

Reads RUN_DIR/phases.tsv (phase, version, start epoch), RUN_DIR/regressions.json (the final
GET /regressions) and RUN_DIR/seen.jsonl (when the poller first saw each event in each state).
An event is the detection when it is confirmed, names the app's shifted function and its change
point is at B's start (the slice that holds it, or the one after) or later, before B' starts;
every other confirmed event is a false alarm. Prints a Markdown table (one row per app) and the
events, and exits 1 when an app's regression was not confirmed or a false alarm was.
"""
import json
import sys
from datetime import datetime, timezone


def utc(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%H:%M:%S") if t else "-"


def main():
    run_dir, run, slice_secs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    shifted = dict(arg.split("=", 1) for arg in sys.argv[4:])

    phases = []
    with open(f"{run_dir}/phases.tsv") as f:
        for line in f:
            name, version, start = line.rstrip("\n").split("\t")
            phases.append((name, version, float(start)))
    start_of = {name: start for name, _, start in phases}
    b_start, b2_start = start_of["B"], start_of["B'"]

    def phase_at(t):
        inside = [name for name, _, start in phases if start <= t]
        return inside[-1] if inside else "before A"

    with open(f"{run_dir}/regressions.json") as f:
        events = json.load(f)["regressions"]
    seen = {}
    try:
        with open(f"{run_dir}/seen.jsonl") as f:
            for line in f:
                s = json.loads(line)
                seen.setdefault((s["id"], s["state"]), s["seenAt"])
    except FileNotFoundError:
        pass

    ok = True
    print(f"\n### Run {run} ({utc(phases[0][2])} UTC start; B at +{b_start - phases[0][2]:.0f} s)\n")
    print("| App (type) | Confirmed function | Version before → after | Change point | "
          "Delay: confirming slice's end − B start | Delay: seen by the poller − B start | Δ (points) | "
          "False alarms confirmed | Suspected, went away |")
    print("|---|---|---|---|---|---|---|---|---|")
    for app, function in shifted.items():
        mine = sorted((e for e in events if e["appName"] == app), key=lambda e: e["id"])
        hits, alarms, gone = [], [], []
        for e in mine:
            if e["state"] in ("confirmed", "resolved") or e.get("confirmedAt"):
                cp = e["changedAt"]
                at_b = b_start - slice_secs < cp < b2_start
                # Node names frames `file:function:line`: the shifted function by its own name.
                named = e["function"] == function or f":{function}:" in e["function"]
                if named and at_b and not hits:
                    hits.append(e)
                else:
                    alarms.append(e)
            elif e["state"] == "went_away":
                gone.append(e)
        types = sorted({e["profileType"] for e in mine}) or ["-"]
        if hits:
            e = hits[0]
            version = e.get("version") or {}
            version_text = f"{version.get('before')} → {version.get('after')}" if version else "null"
            if version_text != "1.0.0 → 1.1.0":
                ok = False
            # confirmedAt is the start of the slice whose summary confirmed it: the data it
            # needed end a slice later; the poller saw it lag_secs (and a poll) after that.
            delay = e["confirmedAt"] + slice_secs - b_start
            seen_at = seen.get((e["id"], "confirmed"))
            seen_text = (f"{seen_at - b_start:.0f} s ({(seen_at - b_start) / slice_secs:.1f} slices)"
                         if seen_at else "-")
            cp = e["changedAt"]
            if cp <= b_start < cp + slice_secs:
                cp_text = f"{utc(cp)}, the slice of B's start"
            else:
                cp_text = f"{utc(cp)}, {(cp - b_start) / slice_secs:+.1f} slices from B's start"
            row = (f"`{e['function']}` ({e['beforePercent']:.1f} % → {e['afterPercent']:.1f} %)",
                   version_text, cp_text,
                   f"{delay:.0f} s ({delay / slice_secs:.1f} slices)", seen_text,
                   f"+{e['deltaPercent']:.2f}")
        else:
            ok = False
            row = ("**not confirmed**", "-", "-", "-", "-", "-")
        if alarms:
            ok = False
        alarm_text = "; ".join(
            f"`{e['function']}` {e['state']} (change {utc(e['changedAt'])}, in {phase_at(e['changedAt'])})"
            for e in alarms) or "0"
        gone_text = "; ".join(
            f"`{e['function']}` (change {utc(e['changedAt'])}, in {phase_at(e['changedAt'])})"
            for e in gone) or "0"
        print(f"| {app} ({', '.join(types)}) | " + " | ".join(row) + f" | {alarm_text} | {gone_text} |")

    print("\nEvery event of the run:\n")
    for e in sorted(events, key=lambda e: e["id"]):
        if e["appName"] not in shifted:
            continue
        times = ", ".join(f"{k} {utc(e.get(k))} (seen {utc(seen.get((e['id'], s)))})"
                          for k, s in (("suspectedAt", "suspected"), ("confirmedAt", "confirmed"),
                                       ("wentAwayAt", "went_away"), ("resolvedAt", "resolved"))
                          if e.get(k))
        print(f"- #{e['id']} {e['appName']} {e['profileType']} `{e['function']}` {e['state']} "
              f"{e['kind']}: change {utc(e['changedAt'])} (a slice starting in {phase_at(e['changedAt'])}), "
              f"{e['beforePercent']} % → {e['afterPercent']} %, version {e.get('version')}; {times}")
    print(f"\nRun {run}: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
