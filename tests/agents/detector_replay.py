#!/usr/bin/env python3
"""The regression detector of docs/regressions.md, replayed offline on one series' summaries.

A transcription of src/regressions/detector (window_test.rs, change_point.rs, index.rs) and of the
statistics it uses (crates/model/src/significance.rs, src/regressions/cost.rs), so that the per-slice
data a run of scripts/real_regressions.sh kept (GET /trends: every slice's total and every
function's self samples) can be examined again under other settings, and the numbers behind a
decision (the shares, the ratio-estimator variances, Welch's t, its degrees of freedom, the
Benjamini-Hochberg bar, the cost ratio) can be printed. The service is the reference: with the
run's own settings the replay must find the events the service stored
(real_regressions_report.py checks it).

Rows are (start, total, {function: self}) ascending by start, one per summarized slice; a
function absent from a row counts 0 there (a summary of fewer than top_functions functions keeps
every function it saw).
"""
import math
import os
import sys

# The incomplete beta function of the statistics' reference script: one copy of it.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from significance_reference import betai  # noqa: E402

# --- statistics (significance.rs, cost.rs) -----------------------------------------------------


def t_two_sided(t, df):
    """2·(1 − F_t(|t|; df))."""
    return betai(df / 2.0, 0.5, df / (df + t * t))


def t_quantile_two_sided(p, df):
    """The |t| whose two-sided p-value is p (bisection)."""
    lo, hi = 0.0, 1e3
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_two_sided(mid, df) > p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


class Estimate:
    """The ratio estimate of a share over n slices (docs/api.md#how-sure-is-a-diff):
    p = Σs/ΣT, v = n/(n−1)·Σ(s − pT)²/(ΣT)²."""

    def __init__(self, totals, selfs):
        self.n = len(totals)
        total = float(sum(totals))
        self.share = sum(selfs) / total if total > 0 else 0.0
        if total == 0:
            self.variance = 0.0
        else:
            squares = sum((s - self.share * t) ** 2 for t, s in zip(totals, selfs))
            self.variance = self.n / (self.n - 1.0) * (squares / total / total)


class Test:
    """Welch's test of Δ = 100·(p_after − p_before) (significance.rs `delta`)."""

    def __init__(self, before, after):
        self.before, self.after = before, after
        self.delta = 100.0 * (after.share - before.share)
        variance = before.variance + after.variance
        self.se = 100.0 * math.sqrt(variance)
        if variance <= 0:
            self.df = 0.0
            self.t = 0.0 if self.delta == 0 else math.copysign(math.inf, self.delta)
            self.p = 1.0 if self.delta == 0 else 0.0
        else:
            b, c = before.variance / variance, after.variance / variance
            self.df = 1.0 / (b * b / (before.n - 1) + c * c / (after.n - 1))
            self.t = self.delta / self.se
            self.p = t_two_sided(self.t, self.df)

    @property
    def before_percent(self):
        return 100.0 * self.before.share

    @property
    def after_percent(self):
        return 100.0 * self.after.share


def cost_ratio(b, a):
    b, a = min(max(b, 0.0), 1.0), min(max(a, 0.0), 1.0)
    if a == b:
        return 1.0
    if b == 0.0 or a == 1.0:
        return math.inf
    if a == 0.0 or b == 1.0:
        return 0.0
    return a * (1.0 - b) / (b * (1.0 - a))


def share_at_ratio(b, factor):
    b = min(max(b, 0.0), 1.0)
    den = 1.0 + (factor - 1.0) * b
    return min(max(factor * b / den, 0.0), 1.0) if den > 0 else b


def benjamini_hochberg(p_values, q):
    order = sorted((i for i, p in enumerate(p_values) if not math.isnan(p)), key=lambda i: p_values[i])
    m = len(order)
    rejected = 0
    for rank in range(m, 0, -1):
        if p_values[order[rank - 1]] <= rank / m * q:
            rejected = rank
            break
    significant = [False] * len(p_values)
    for i in order[:rejected]:
        significant[i] = True
    return significant


def bh_bar(p_values, q, p_self):
    """The largest p-value a function could have and still be significant in this family, its
    own p being p_self among p_values (the step-up rule: the bar of the rank it would take)."""
    others = sorted(p for p in p_values if not math.isnan(p))
    others.remove(p_self)
    m = len(others) + 1
    best = 0.0
    for rank in range(1, m + 1):
        # Significant at rank `rank` if the rank-th smallest p (with ours among them) passes.
        below = [p for p in others if p <= rank / m * q]
        if len(below) + 1 >= rank:
            best = max(best, rank / m * q)
    return best


# --- the detector (detector/*.rs) ---------------------------------------------------------------


class Settings:
    def __init__(self, reference=24, recent=6, confirm=3, fdr=0.01, min_delta=1.0,
                 min_relative=0.2, slice_secs=300, settle=288):
        self.reference, self.recent, self.confirm = reference, recent, confirm
        self.fdr, self.min_delta, self.min_relative = fdr, min_delta, min_relative
        self.slice_secs, self.settle = slice_secs, settle

    def history_slices(self):
        return self.reference + self.recent + self.confirm + self.recent

    def threshold(self, before_percent):
        b = before_percent / 100.0
        return max(self.min_delta, 100.0 * (share_at_ratio(b, 1.0 + self.min_relative) - b))

    def big_enough(self, before_percent, after_percent):
        return (after_percent - before_percent >= self.min_delta
                and cost_ratio(before_percent / 100, after_percent / 100) >= 1.0 + self.min_relative)


class Index:
    def __init__(self, rows):
        self.rows = rows
        self.starts = [r[0] for r in rows]
        self.totals = [r[1] for r in rows]

    def selfs(self, function):
        return [r[2].get(function, 0) for r in self.rows]

    def test(self, function, cut, reference, end=None):
        end = len(self.rows) if end is None else end
        if cut - reference < 0 or end - cut < 2 or reference < 2:
            return None
        s = self.selfs(function)
        return Test(Estimate(self.totals[cut - reference:cut], s[cut - reference:cut]),
                    Estimate(self.totals[cut:end], s[cut:end]))

    def percent(self, function, lo, hi):
        total = sum(self.totals[lo:hi])
        return 100.0 * sum(self.selfs(function)[lo:hi]) / total if total else 0.0

    def first_row_from(self, start):
        return next((i for i, s in enumerate(self.starts) if s >= start), len(self.starts))


class Family:
    """The newest summary's functions over the normal windows, and their p-values."""

    def __init__(self, index, settings):
        n = len(index.rows)
        self.cut = n - settings.recent if n - settings.recent - settings.reference >= 0 else None
        newest = index.rows[-1][2]
        self.members = list(newest)
        self.tests = [index.test(f, self.cut, settings.reference) if self.cut is not None else None
                      for f in self.members]
        self.p_values = [t.p if t else math.nan for t in self.tests]
        self.first_recent = index.starts[self.cut] if self.cut is not None else None

    def significant_with(self, function, p, fdr):
        p_values = list(self.p_values)
        if function in self.members:
            p_values[self.members.index(function)] = p
        else:
            p_values.append(p)
            return benjamini_hochberg(p_values, fdr)[-1]
        return benjamini_hochberg(p_values, fdr)[self.members.index(function)]


def change_point(index, function, start_row, reference):
    best = None
    for cut in range(max(start_row, reference), len(index.rows) - 1):
        test = index.test(function, cut, reference)
        if test is None or math.isnan(test.t):
            continue
        if best is None or abs(test.t) > best[1]:
            best = (cut, abs(test.t))
    return best[0] if best else None


def replay(rows, settings):
    """Every event the detector raises on `rows`, examined one newest summary at a time."""
    events = []
    history = settings.history_slices()
    for i in range(len(rows)):
        index = Index(rows[max(0, i + 1 - history):i + 1])
        at = index.starts[-1]
        family = Family(index, settings)
        open_events = [e for e in events if e["state"] in ("suspected", "confirmed")]
        for e in open_events:
            if e["state"] == "suspected":
                later = sum(1 for s in index.starts if s > e["suspectedAt"])
                if later < settings.confirm:
                    continue
                start_row = index.first_row_from(e["firstRecent"])
                cut = change_point(index, e["function"], start_row, settings.reference)
                test = index.test(e["function"], cut, settings.reference) if cut is not None else None
                if test is not None and settings.big_enough(test.before_percent, test.after_percent) \
                        and family.significant_with(e["function"], test.p, settings.fdr):
                    e.update(state="confirmed", confirmedAt=at, changedAt=index.starts[cut],
                             beforePercent=test.before_percent, afterPercent=test.after_percent,
                             deltaPercent=test.delta, pValue=test.p, t=test.t, df=test.df,
                             costRatio=cost_ratio(test.before.share, test.after.share))
                else:
                    e.update(state="went_away", wentAwayAt=at)
            else:
                count = max(settings.confirm, 1)
                n = len(index.rows)
                since = e["confirmedAt"]
                if n >= count and all(s > since for s in index.starts[n - count:]):
                    limit = e["beforePercent"] + settings.threshold(e["beforePercent"]) / 2
                    if all(index.percent(e["function"], r, r + 1) <= limit for r in range(n - count, n)):
                        e.update(state="resolved", resolvedAt=at)
                        continue
                slices = max(settings.settle, settings.reference + settings.recent)
                if at - since >= slices * settings.slice_secs:
                    e.update(state="settled", settledAt=at)
        blocked = {e["function"] for e in open_events}
        if family.cut is None:
            continue
        significant = None
        for k, function in enumerate(sorted(family.members)):
            j = family.members.index(function)
            test = family.tests[j]
            if function in blocked or test is None:
                continue
            if not settings.big_enough(test.before_percent, test.after_percent):
                continue
            if significant is None:
                significant = benjamini_hochberg(family.p_values, settings.fdr)
            if significant[j]:
                events.append({"id": len(events) + 1, "function": function, "state": "suspected",
                               "suspectedAt": at, "firstRecent": family.first_recent,
                               "changedAt": family.first_recent,
                               "beforePercent": test.before_percent,
                               "afterPercent": test.after_percent, "deltaPercent": test.delta,
                               "pValue": test.p, "t": test.t, "df": test.df})
    return events


def rows_of_trends(trends):
    """The rows of a GET /trends answer (all functions asked for, every slice)."""
    rows = []
    for k, s in enumerate(trends["slices"]):
        functions = {}
        for series in trends["series"]:
            value = series["selfSamples"][k]
            if value is not None:
                functions[series["function"]] = value
        rows.append((s["start"], s["totalSamples"], functions))
    return rows
