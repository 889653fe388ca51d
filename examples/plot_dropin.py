"""
Drop-in: scikit-learn's MLPClassifier and skffnn's FFNClassifier side by side
=============================================================================

``FFNClassifier`` takes the parameters of scikit-learn's ``MLPClassifier``,
with the same defaults, draws the same initial weights for the same
``random_state`` and follows the same update rules; so swapping the import
should change nothing but the speed. This example checks that on the digits
(1797 images of 8 x 8 pixels, shipped with scikit-learn): the scores, the
predictions, the fit times (measured fairly), and what happens to the
log-probabilities far from the data.
"""

# %%
# The same data, the same hyperparameters
# ---------------------------------------

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skffnn import FFNClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0, stratify=y
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
SETTINGS = {
    "adam": {"solver": "adam", "max_iter": 50},
    "lbfgs": {"solver": "lbfgs", "max_iter": 100},
}
LIBRARIES = {"scikit-learn": MLPClassifier, "skffnn": FFNClassifier}

# %%
# Fit times, measured fairly
# --------------------------
# Both libraries run under the same BLAS thread setting (one thread, through
# threadpoolctl, which comes with scikit-learn): on a machine shared with
# other work, BLAS threads that wait for a busy core would otherwise decide
# the comparison. Each time is the best of three fits, which discards the
# runs slowed down by something else on the machine.

REPEATS = 3
models, seconds, scores = {}, {}, {}
with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for solver, params in SETTINGS.items():
        for library, Estimator in LIBRARIES.items():
            times = []
            for _ in range(REPEATS):
                model = Estimator(hidden_layer_sizes=(100,), random_state=0, **params)
                start = time.perf_counter()
                model.fit(X_train, y_train)
                times.append(time.perf_counter() - start)
            models[solver, library] = model
            seconds[solver, library] = min(times)
            scores[solver, library] = model.score(X_test, y_test)

print(f"{'solver':<8}{'library':<14}{'test accuracy':>14}{'best fit s':>12}")
for (solver, library), score in scores.items():
    print(f"{solver:<8}{library:<14}{score:>14.4f}{seconds[solver, library]:>12.3f}")
for solver in SETTINGS:
    ours, theirs = models[solver, "skffnn"], models[solver, "scikit-learn"]
    same = np.mean(ours.predict(X_test) == theirs.predict(X_test))
    print(f"{solver}: {same:.1%} identical test predictions")

fig, (ax_acc, ax_time) = plt.subplots(1, 2, figsize=(8, 3.8), layout="constrained")
positions = np.arange(len(SETTINGS))
for offset, library in ((-0.2, "scikit-learn"), (0.2, "skffnn")):
    accuracy = [scores[s, library] for s in SETTINGS]
    fit_time = [seconds[s, library] for s in SETTINGS]
    ax_acc.bar(positions + offset, accuracy, 0.4, label=library)
    ax_time.bar(positions + offset, fit_time, 0.4, label=library)
ax_acc.set(ylim=(0.9, 1.0), ylabel="test accuracy", title="scores")
ax_time.set(ylabel="seconds", title=f"fit time, 1 BLAS thread, best of {REPEATS}")
for ax in (ax_acc, ax_time):
    ax.set_xticks(positions, list(SETTINGS))
# One legend above both panels: inside one, it would cover a bar.
fig.legend(*ax_acc.get_legend_handles_labels(), loc="outside upper center", ncol=2)

# %%
# Log-probabilities at saturation
# -------------------------------
# Push a test image further and further from the data (multiply it by a
# growing factor): the logits grow, the softmax saturates, and the
# probability of the least likely class underflows to 0. Its logarithm,
# ``predict_log_proba``, is then ``-inf`` in both libraries: skffnn's
# ``predict_log_proba`` is exactly ``np.log(predict_proba(X))``, as
# scikit-learn defines it. :meth:`~skffnn.FFNClassifier.exact_log_proba`
# computes log-softmax from the logits instead, and stays finite and exact.

ours, theirs = models["lbfgs", "skffnn"], models["lbfgs", "scikit-learn"]
factors = np.logspace(0, 3, 61)
far = X_test[:1] * factors[:, None]
with np.errstate(divide="ignore"):
    least = {
        "scikit-learn predict_log_proba": theirs.predict_log_proba(far).min(axis=1),
        "skffnn predict_log_proba": ours.predict_log_proba(far).min(axis=1),
        "skffnn exact_log_proba": ours.exact_log_proba(far).min(axis=1),
    }
saturated = np.isneginf(least["skffnn predict_log_proba"])
print(f"predict_log_proba is -inf from a factor of {factors[saturated][0]:.0f} on;")
print(f"exact_log_proba there: {least['skffnn exact_log_proba'][saturated][0]:.5g}")

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
BOTTOM = 1e6  # where -inf is drawn
for (name, values), style in zip(least.items(), ("o", "x", "-")):
    drawn = np.where(np.isneginf(values), BOTTOM, -values)
    ax.loglog(factors, drawn, style, label=name, ms=5, mfc="none")
ax.axhline(BOTTOM, color="C3", ls=":", lw=0.8)
ax.text(1.1, BOTTOM * 1.5, "-inf", color="C3")
ax.set(
    xlabel="factor applied to the image",
    ylabel="-log P(least likely class)",
    title="log-probability of the least likely class",
    ylim=(1e-1, BOTTOM * 10),
)
fig.legend(
    *ax.get_legend_handles_labels(),
    loc="outside lower center",
    ncol=2,
    fontsize="small",
)
plt.show()
