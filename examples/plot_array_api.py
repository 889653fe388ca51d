"""
On a GPU: training and predicting on torch tensors
==================================================

With scikit-learn's array API dispatch on, :class:`skffnn.FFNClassifier` and
:class:`skffnn.FFNRegressor` compute in the library and on the device of the
``X`` they are given: a torch tensor on the CPU here, on a GPU with one
changed line. The weights are drawn, and the batches shuffled, on the host
with the same ``random_state``: the torch fit takes the same steps as the
NumPy fit, and lands on the same weights up to rounding.

Needs skffnn's optional extras ``array-api`` (torch, array-api-strict) and
``docs`` (matplotlib): from a checkout of the repository,
``python -m pip install ".[array-api,docs]"``. scipy must see
``SCIPY_ARRAY_API=1`` before it is first imported: set it in the shell, or
first thing in the script, as here.
"""

# %%
# Turning dispatch on
# -------------------
import os
import warnings

os.environ.setdefault("SCIPY_ARRAY_API", "1")  # before scipy is imported

import matplotlib.pyplot as plt
import numpy as np
import sklearn
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from skffnn import FFNClassifier

# 30 epochs are enough for the picture; the run has not converged, and says so.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)

# The one line that moves everything to a GPU: device = "cuda" (or "mps").
device = "cpu"
X_t = torch.asarray(X, device=device)
y_t = torch.asarray(y, device=device)

params = dict(hidden_layer_sizes=(64,), max_iter=30, random_state=0)
with sklearn.config_context(array_api_dispatch=True):
    on_torch = FFNClassifier(**params).fit(X_t, y_t)
    proba = on_torch.predict_proba(X_t)
    accuracy = on_torch.score(X_t, y_t)
on_numpy = FFNClassifier(**params).fit(X, y)

print(f"weights: {type(on_torch.coefs_[0]).__name__} on {on_torch.coefs_[0].device}")
print(f"predict_proba: {type(proba).__name__} of shape {tuple(proba.shape)}")
print(f"training accuracy, torch {accuracy:.3f}, NumPy {on_numpy.score(X, y):.3f}")

# %%
# The same steps as NumPy
# -----------------------
# float32 rounding differs between the two libraries' kernels (summation
# order), so the two runs drift apart by a few float32 ulps per step: the loss
# curves coincide.
gap = max(
    float(np.max(np.abs(w_t.cpu().numpy() - w)))
    for w_t, w in zip(on_torch.coefs_, on_numpy.coefs_)
)
print(f"largest weight difference after {on_torch.n_iter_} epochs: {gap:.1e}")

fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
ax.plot(on_numpy.loss_curve_, lw=4, alpha=0.4, label="NumPy")
ax.plot(on_torch.loss_curve_, "k--", lw=1.2, label=f"torch ({device})")
ax.set(xlabel="epoch", ylabel="training loss", yscale="log")
ax.set_title("Adam on the digits: the same run in two libraries")
ax.legend()
plt.show()

# %%
# Back to NumPy
# -------------
# A model fitted on torch predicts torch tensors from the same device; any
# other input raises, naming the method. :func:`skffnn.utils.to_numpy` gives
# a NumPy copy (for NumPy input, skops or a machine without torch).
from skffnn.utils import to_numpy  # noqa: E402

with sklearn.config_context(array_api_dispatch=True):
    try:
        on_torch.predict(X)
    except ValueError as exc:
        print(str(exc).split(":")[0])
print(f"NumPy copy predicts: {to_numpy(on_torch).predict(X[:5])}")
