"""
Numerical stability: naive formulas against ``skffnn.functional``
=================================================================

Logistic regression, and every classifier network, needs ``sigmoid(x)``,
``log(sigmoid(x))`` and ``log(1 - sigmoid(x))``. The lecture warns: "be
especially careful with exp(x) when programming". Written as on paper,

* ``1 / (1 + exp(-x))`` overflows in ``exp(-x)`` for very negative ``x``;
* ``log(1 + exp(x))`` (softplus) overflows for ``x > 709``;
* ``log(sigmoid(x))`` is ``log(0) = -inf`` once the sigmoid rounds to 0;
* ``log(exp(x) + exp(y))`` overflows as soon as one term does.

The stable versions exponentiate only numbers ``<= 0``: ``softplus(x) =
max(x, 0) + log(1 + exp(-|x|))``, ``log(sigmoid(x)) = -softplus(-x)``,
``logsumexp = max + log(1 + exp(min - max))``. Here both are compared with a
50-digit reference from mpmath, as the number of representable float64 values
between result and truth: the error in ULP (units in the last place).
"""

# %%
# The formulas
# ------------
# Each naive formula next to skffnn's, and the exact value at 50 digits
# (mpmath, from the ``test`` extra; without it, numpy's 80-bit long double
# serves as the reference, which is exact enough for these functions on
# x86-64).

import warnings

import matplotlib.pyplot as plt
import numpy as np

from skffnn import functional as F

try:
    import mpmath

    mpmath.mp.dps = 50

    def reference(func_name, x):
        """Correctly rounded float64 value of the function at each x (mpmath)."""
        # log1p: at 50 digits 1 + exp(-700) is 1, and its log would be 0.
        exp, log, log1p = mpmath.exp, mpmath.log, mpmath.log1p
        exact = {
            "sigmoid": lambda t: 1 / (1 + exp(-t)),
            "softplus": lambda t: log1p(exp(t)),
            "log_sigmoid": lambda t: -log1p(exp(-t)),
            "logsumexp": lambda t: log(exp(t) + exp(-t / 2)),
        }[func_name]
        return np.array([float(exact(mpmath.mpf(float(t)))) for t in x])

except ImportError:  # the docs extra alone: an 80-bit long double reference

    def reference(func_name, x):
        """The function at each x in long double, rounded to float64."""
        t = np.asarray(x, dtype=np.longdouble)
        with np.errstate(over="ignore"):
            exact = {
                "sigmoid": lambda t: 1 / (1 + np.exp(-t)),
                "softplus": lambda t: np.logaddexp(0, t),
                "log_sigmoid": lambda t: -np.logaddexp(0, -t),
                "logsumexp": lambda t: np.logaddexp(t, -t / 2),
            }[func_name](t)
        return exact.astype(np.float64)


def naive(func_name, x):
    """The textbook formula, evaluated as written."""
    return {
        "sigmoid": lambda t: 1 / (1 + np.exp(-t)),
        "softplus": lambda t: np.log(1 + np.exp(t)),
        "log_sigmoid": lambda t: np.log(1 / (1 + np.exp(-t))),
        "logsumexp": lambda t: np.log(np.exp(t) + np.exp(-t / 2)),
    }[func_name](x)


def stable(func_name, x):
    """skffnn's version; logsumexp over the row ``[x, -x/2]``."""
    if func_name == "logsumexp":
        return F.logsumexp(np.stack([x, -x / 2], axis=-1), axis=-1)
    return getattr(F, func_name)(x)


FUNCTIONS = {
    "sigmoid": "1 / (1 + exp(-x))",
    "softplus": "log(1 + exp(x))",
    "log_sigmoid": "log(1 / (1 + exp(-x)))",
    "logsumexp": "log(exp(x) + exp(-x/2))",
}

# %%
# Errors in ULP
# -------------
# The ULP distance counts the float64 values between two numbers: 0 is
# correctly rounded, 1 is the last bit. A result that is ``inf`` or ``nan``
# where the truth is finite is drawn at the top of the plot.


def ulp_distance(a, b):
    """Number of float64 values between a and b (inf when either is not finite)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)

    def ordered(v):
        # Map the float64 bit patterns to integers that sort like the floats.
        i = v.view(np.int64)
        return np.where(i < 0, np.int64(-(2**63)) - i, i)

    ia, ib = ordered(a), ordered(b)
    # Exact in int64 when the signs agree; across 0 the sum of the magnitudes
    # (as floats, since it may exceed int64; such errors are huge anyway).
    across = (ia < 0) != (ib < 0)
    same_sign = np.where(across, 0, ia - ib)
    dist = np.where(
        across,
        np.abs(ia.astype(np.float64)) + np.abs(ib.astype(np.float64)),
        np.abs(same_sign).astype(np.float64),
    )
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    dist[~(np.isfinite(a) & np.isfinite(b))] = np.inf
    dist[same] = 0.0
    return dist


x = np.concatenate([np.linspace(-800.0, 800.0, 641), [-745.0, 709.0, 710.0]])
x.sort()
errors, warned = {}, {}
for name in FUNCTIONS:
    truth = reference(name, x)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        naive_value = naive(name, x)
    warned[name] = sorted({str(w.message) for w in caught})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # skffnn must not warn at all
        stable_value = stable(name, x)
    errors[name] = (ulp_distance(naive_value, truth), ulp_distance(stable_value, truth))

CAP = 1e20  # where an inf / nan result is drawn
fig, axes = plt.subplots(2, 2, figsize=(8, 7), sharex=True, layout="constrained")
for ax, (name, formula) in zip(axes.ravel(), FUNCTIONS.items()):
    bad, good = errors[name]
    ax.semilogy(x, np.clip(bad, 0.1, CAP) + 0.0, ".", ms=3, label="naive formula")
    ax.semilogy(x, np.clip(good, 0.1, CAP), ".", ms=3, label="skffnn.functional")
    ax.axhline(CAP, color="C3", lw=0.6, ls=":")
    ax.text(-790, CAP * 3, "inf / nan", color="C3", fontsize="x-small")
    ax.set(ylim=(0.05, CAP * 100), ylabel="error in ULP (0 drawn at 0.1)")
    ax.set_title(f"{name}\nnaive: {formula}", fontsize="medium")
for ax in axes[1]:
    ax.set_xlabel("x")
# One legend for the four panels, above them: inside, it would hide points.
fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside upper center", ncol=2)

# %%
# Summary
# -------
# The naive formulas are correct near 0 and fail at the extremes, with
# ``inf`` or ``nan`` and a warning from NumPy; skffnn's stay within 2 ULP over
# the whole float64 range and never warn.

print(f"{'function':<14}{'naive: max ULP':>16}{'non-finite':>12}{'skffnn max ULP':>16}")
for name, (bad, good) in errors.items():
    finite_bad = bad[np.isfinite(bad)]
    print(
        f"{name:<14}{finite_bad.max():>16.3g}{int((~np.isfinite(bad)).sum()):>12}"
        f"{good.max():>16.0f}"
    )
for name, messages in warned.items():
    print(f"NumPy warned for naive {name}: {'; '.join(messages)}")
plt.show()
