#!/usr/bin/env python3
"""Independent reference values for crates/model/src/significance/monotonic.rs (see its unit tests).

Mann-Kendall from pymannkendall.original_test (S, Var(S), z; the p-value recomputed here as
2*norm.sf(|z|), which keeps the digits of small p that pymannkendall's 2*(1 - cdf) loses);
Theil-Sen from scipy.stats.theilslopes(y, x, 0.95, method="joint"). Nothing here shares
code with the Rust module. Run with scipy 1.17.1 and pymannkendall 1.4.3:

    python3 -m venv target/refvenv && target/refvenv/bin/pip install scipy pymannkendall
    target/refvenv/bin/python scripts/monotonic_reference.py
"""

import math

import numpy as np
import pymannkendall as mk
import scipy
from scipy import stats


def series72():
    """72 values: a slow rise with a fixed wobble and noise from a fixed LCG, no ties."""
    state = 12345
    out = []
    for i in range(72):
        state = (1103515245 * state + 12345) % 2**31
        noise = state / 2**31 - 0.5
        out.append(1000.0 + 2.5 * i + 40.0 * math.sin(i / 5.0) + 60.0 * noise)
    return out


CASES = {
    "rising with ties": [1.0, 2.0, 2.0, 3.0, 5.0, 4.0, 5.0, 5.0, 7.0, 6.0],
    "decreasing": [10.0, 9.5, 9.7, 8.0, 8.1, 7.0, 7.2, 6.0, 5.5, 5.9, 4.0, 3.5],
    "no trend": [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0],
    "n=72": series72(),
}


def fmt(values):
    return ", ".join(f"{v:.12e}" for v in values)


def main():
    print(f"# scipy {scipy.__version__}, pymannkendall 1.4.3")
    for name, y in CASES.items():
        r = mk.original_test(y)
        p = 2.0 * stats.norm.sf(abs(r.z))
        assert abs(p - r.p) < 1e-9, (p, r.p)
        print(f"{name}: mann_kendall s={int(r.s)} var={r.var_s:.12e} z={r.z:.12e} p={p:.12e}")
        x = np.arange(len(y), dtype=float) * 300.0
        t = stats.theilslopes(y, x, 0.95, method="joint")
        print(f"{name}: theil_sen x=i*300 [slope, low, high, intercept] = "
              f"[{fmt([t.slope, t.low_slope, t.high_slope, t.intercept])}]")
    # Ties in x as well as y: scipy's eq. 2.6 subtracts both tie terms.
    x = [0.0, 1.0, 1.0, 2.0, 3.0, 3.0, 4.0, 5.0]
    y = [1.0, 1.5, 2.5, 2.5, 3.0, 4.5, 4.5, 6.0]
    t = stats.theilslopes(y, x, 0.95, method="joint")
    print(f"ties in x and y: theil_sen [slope, low, high, intercept] = "
          f"[{fmt([t.slope, t.low_slope, t.high_slope, t.intercept])}]")
    print("n=72 values (first, last):", series72()[0], series72()[-1])


if __name__ == "__main__":
    main()
