#!/usr/bin/env python3
"""What the clip and the scale of the scores cost the oracle on the stub's noise (issue #79;
docs/performance.md, "Is the clip what is left?").

Independent of the Rust code: the stub's mix (15/25/20/15/15/10 %) drawn minute by minute,
each weight times exp(0.3·N(0,1)), 1 000 samples a minute (binomial noise taken as Gaussian),
five minutes a slice. The oracle standardizes a function's slice share with its true mean and
deviation (measured here on 200 000 slices), runs Page's CUSUM with k = 1 and alarms at h.
For each domain (the share, its log-odds) and clip (±3, none) it prints the smallest h on a
grid of 0.25 with at most 1 false alarm per 1 000 series-days (6 000 series-days of 288 slices
after 50 of warm-up, every function), and how often a +5-point step of the 20 % function is
found within 60 and 90 minutes (the step's 12th and 18th slice) of 4 000 runs, counting only
alarms from its 8th slice (the detector's hold) and without that hold.

Needs NumPy (`python3 -m pip install numpy`); about 15 s. Usage: scripts/oracle_clip.py [series-days]
"""
import sys

import numpy as np

rng = np.random.default_rng(7)
MIX = np.array([15, 25, 20, 15, 15, 10]) / 100.0
STEPPED = 2
GRID = np.arange(6.0, 10.01, 0.25)


def draw(series, slices, mix):
    """Slice shares (series, slices, functions) of the stub's noise."""
    total = np.zeros((series, slices, len(mix)))
    for _ in range(5):
        p = mix * np.exp(0.3 * rng.standard_normal((series, slices, len(mix))))
        p /= p.sum(-1, keepdims=True)
        total += p + rng.standard_normal(p.shape) * np.sqrt(p * (1 - p) / 1000)
    return np.clip(total / 5, 1e-4, 1)


def domain(x, kind):
    return x if kind == "share" else np.log(x / (1 - x))


def first_alarm(z, h, clip, from_slice=0):
    """The first slice whose CUSUM reaches h (10**6: none), per series and function."""
    series, slices, functions = z.shape
    s = np.zeros((series, functions))
    first = np.full((series, functions), 10**6)
    for t in range(slices):
        s = np.maximum(0, s + np.clip(z[:, t], -clip, clip) - 1.0)
        hit = (s >= h) & (first == 10**6) & (t >= from_slice)
        first[hit] = t
    return first


def main():
    series_days = int(sys.argv[1]) if len(sys.argv) > 1 else 6000
    truth = draw(200, 1000, MIX)
    params = {k: (domain(truth, k).mean((0, 1)), domain(truth, k).std((0, 1)))
              for k in ("share", "logit")}
    false = {}
    for _ in range(series_days // 1000):
        x = draw(1000, 338, MIX)
        for kind, (mu, sd) in params.items():
            z = (domain(x, kind) - mu) / sd
            for clip in (3, 99):
                for h in GRID:
                    f = first_alarm(z, h, clip)
                    false[kind, clip, h] = false.get((kind, clip, h), 0) + ((f >= 50) & (f < 338)).sum()
    stepped = MIX.copy()
    others = [i for i in range(len(MIX)) if i != STEPPED]
    stepped[others] *= (1 - MIX[STEPPED] - 0.05) / MIX[others].sum()
    stepped[STEPPED] += 0.05
    runs = np.concatenate([draw(4000, 60, MIX), draw(4000, 24, stepped)], axis=1)
    for kind, (mu, sd) in params.items():
        z = (domain(runs, kind) - mu) / sd
        for clip in (3, 99):
            h = next((h for h in GRID if false[kind, clip, h] * 1000 / series_days <= 1.0), None)
            if h is None:
                print(f"{kind} clip {clip}: no h on the grid meets 1 per 1 000")
                continue
            held = first_alarm(z[:, :, STEPPED:STEPPED + 1], h, clip, 60 + 7)[:, 0] - 60
            free = first_alarm(z[:, :, STEPPED:STEPPED + 1], h, clip)[:, 0] - 60
            print(f"{kind:5s} clip {'±3' if clip == 3 else 'none'}: h {h:.2f}, "
                  f"{false[kind, clip, h] * 1000 / series_days:.2f} false per 1 000 series-days; "
                  f"+5 within 60 / 90 min {(held <= 11).mean():.1%} / {(held <= 17).mean():.1%} "
                  f"(without the hold, within 60: {((free >= 0) & (free <= 11)).mean():.1%})")


if __name__ == "__main__":
    main()
