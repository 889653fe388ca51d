"""
Deploying a model with ONNX
===========================

A model trained with scikit-learn is often served somewhere else: in a web
service, in another language, on a device. ONNX is the common format for that,
and onnxruntime the common engine. Importing :mod:`skffnn.onnx` teaches
skl2onnx to convert skffnn's estimators, alone or inside a ``Pipeline``.

This example fits a pipeline (``StandardScaler`` then an ``FFNClassifier``
with a relu and a softplus layer) on scikit-learn's digits, exports it, runs
it with onnxruntime, and checks that the two agree: the same labels, and the
same probabilities down to the tiny ones of far-out inputs, whose logits are
huge. It then times both on the same rows.

Needs skffnn's optional extras ``onnx`` (skl2onnx, onnx, onnxruntime) and
``docs`` (matplotlib): from a checkout of the repository,
``python -m pip install ".[onnx,docs]"``. Run: python examples/plot_deployment.py
"""

# %%
# Fit a pipeline
# --------------
# Any fitted FFNClassifier or FFNRegressor converts; here one with a different
# activation per hidden layer, which skl2onnx's own MLP converter cannot do.
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import onnx
import onnxruntime as ort
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skffnn.onnx
from skffnn import FFNClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
model = make_pipeline(
    StandardScaler(),
    FFNClassifier(
        (64, 32), activation=["relu", "softplus"], max_iter=60, random_state=0
    ),
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    model.fit(X_train, y_train)
print(f"test accuracy: {model.score(X_test, y_test):.3f}")

# %%
# Export to ONNX
# --------------
# The sample row fixes the input's width and type: float64 rows give a graph
# computed in double throughout (float32 rows, a float32 graph).
# ``zipmap=False`` returns the probabilities as one (n, 10) tensor rather than
# a list of dictionaries.
onx = skffnn.onnx.to_onnx(model, X_train[:1], options={"zipmap": False})
for kind, variables in (("input", onx.graph.input), ("output", onx.graph.output)):
    for v in variables:
        tensor = v.type.tensor_type
        dtype = onnx.TensorProto.DataType.Name(tensor.elem_type)
        # A dimension without a value is free: the number of rows.
        dims = [
            d.dim_value if d.HasField("dim_value") else "n" for d in tensor.shape.dim
        ]
        shape = str(tuple(dims)).replace("'", "")
        print(f"{kind:<6} {v.name:<13} {dtype:<6} shape {shape}")

# %%
# Run it with onnxruntime
# -----------------------
# Far-out rows (the test rows scaled by 5) have huge logits, so some
# probabilities are tiny: both sides compute them from the logits, so they
# agree there too, relative to their size (where a probability underflows to
# 0, it does on both sides).
session = ort.InferenceSession(
    onx.SerializeToString(), providers=["CPUExecutionProvider"]
)
rows = np.vstack([X_test, 5 * X_test])
labels, proba = session.run(None, {"X": rows})
expected = model.predict_proba(rows)
nonzero = expected > 0
relative = np.abs(proba - expected)[nonzero] / expected[nonzero]
print(f"labels identical: {np.array_equal(labels, model.predict(rows))}")
print(f"smallest non-zero probability: {expected[nonzero].min():.3g}")
print(f"zeros in the same places: {np.array_equal(proba == 0, ~nonzero)}")
print(f"largest relative difference: {relative.max():.2g}")

# %%
# Time both
# ---------
# The same rows, one call each, best of several repeats: onnxruntime skips
# scikit-learn's input validation and runs the whole graph in C++.
batch = np.repeat(X_test, 20, axis=0)


def best_time(predict, repeats=7):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        predict()
        times.append(time.perf_counter() - start)
    return min(times)


t_model = best_time(lambda: model.predict_proba(batch))
t_onnx = best_time(lambda: session.run(["probabilities"], {"X": batch}))
print(
    f"{len(batch)} rows: predict_proba {t_model * 1e3:.1f} ms, "
    f"onnxruntime {t_onnx * 1e3:.1f} ms (ratio {t_model / t_onnx:.1f})"
)

# %%
# A float32 graph of the same model holds its weights in half the bytes, and
# computes in float32, so it agrees with the float64 estimator to about 1e-6.
# It is not necessarily faster: its matrix products run in float32, but, like
# skffnn's own float32 path, it evaluates the softplus layer and the softmax
# in double. Both sizes and times are printed below; compare them on your
# machine before choosing it for speed.
onx32 = skffnn.onnx.to_onnx(
    model, X_train[:1].astype(np.float32), options={"zipmap": False}
)
session32 = ort.InferenceSession(
    onx32.SerializeToString(), providers=["CPUExecutionProvider"]
)
batch32 = batch.astype(np.float32)
t_onnx32 = best_time(lambda: session32.run(["probabilities"], {"X": batch32}))
(proba32,) = session32.run(["probabilities"], {"X": X_test.astype(np.float32)})
difference32 = np.abs(proba32 - model.predict_proba(X_test)).max()
size, size32 = len(onx.SerializeToString()), len(onx32.SerializeToString())
print(f"double graph:  {size / 1024:5.1f} KiB, {t_onnx * 1e3:.1f} ms")
print(
    f"float32 graph: {size32 / 1024:5.1f} KiB, {t_onnx32 * 1e3:.1f} ms, "
    f"largest difference {difference32:.1g}"
)

# %%
# Plot
# ----
# Left: the relative difference of every non-zero probability against the
# probability itself, on log axes: it stays at the level of double rounding
# (1e-16 .. 1e-13) from probabilities near 1 down to the tiniest ones, where
# a clamped sigmoid would be off by orders of magnitude. Exact agreement (a
# difference of 0) is drawn at the bottom edge. Right: the time per call of
# the estimator and of the two graphs.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 4))
floor = 1e-18
ax1.loglog(expected[nonzero], np.maximum(relative, floor), ".", markersize=2)
ax1.axhline(1e-12, color="k", linewidth=0.5, linestyle="--")
ax1.text(expected[nonzero].min(), 2e-12, "the tests' bound, 1e-12", fontsize=8)
ax1.set_ylim(floor / 3, 1e-9)
ax1.set_xlabel("probability (FFNClassifier.predict_proba)")
ax1.set_ylabel("relative difference, onnxruntime")
ax1.set_title(f"{nonzero.sum()} probabilities, double graph")
ax2.bar(
    ["predict_proba", "onnxruntime\n(double)", "onnxruntime\n(float32)"],
    [t_model * 1e3, t_onnx * 1e3, t_onnx32 * 1e3],
)
ax2.set_ylabel(f"ms per call ({len(batch)} rows)")
ax2.set_title("time per call (lower is faster)")
fig.tight_layout()


# sphinx_gallery_start_ignore
# What the tests check; not part of the example (hidden from the gallery page).
def main():
    """Return what the example found, for the test suite."""
    result = {
        "labels_identical": bool(np.array_equal(labels, model.predict(rows))),
        "max_relative_difference": float(relative.max()),
        "smallest_probability": float(expected[nonzero].min()),
        "zeros_match": bool(np.array_equal(proba == 0, ~nonzero)),
        "speedup": t_model / t_onnx,
        "speedup_float32": t_model / t_onnx32,
    }
    return result


# sphinx_gallery_end_ignore
plt.show()
