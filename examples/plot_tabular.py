"""
A recipe for tabular data
=========================

scikit-learn's MLP defaults lose to gradient boosting on most tables.
:class:`skffnn.TabularFFNClassifier` and :class:`skffnn.TabularFFNRegressor`
train the same kind of network with a better recipe (RealMLP, Holzmueller et
al. 2024; TabM, Gorishniy et al. 2025): robust scaling and smooth clipping
inside the estimator, NTK-scaled weights, a learnable per-feature scale, SELU
or Mish, Adam with ``beta_2 = 0.95`` and a per-step learning-rate schedule,
and the best epoch on a held-out split restored at the end.

This example shows what two of the ingredients do to a feature, and the
learning curves of the recipe against the plain MLP.

Run: python examples/plot_tabular.py
"""

# %%
# Robust scaling and smooth clipping
# ----------------------------------
# A feature with a heavy tail: a standard scaler lets its outliers dominate
# (a few values far beyond 10), the robust scale (median and interquartile
# range) followed by ``x / sqrt(1 + (x / 3)^2)`` keeps the bulk of the
# values as they are and bounds the tail smoothly by 3.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skffnn import RobustSmoothClipScaler, TabularFFNClassifier

rng = np.random.default_rng(0)
x = rng.lognormal(sigma=1.2, size=(2000, 1))
standard = StandardScaler().fit_transform(x)
smooth = RobustSmoothClipScaler().fit_transform(x)
print(f"standard scaler: max {standard.max():.1f}; smooth clip: max {smooth.max():.2f}")

fig, axes = plt.subplots(1, 3, figsize=(8, 2.8))
axes[0].hist(standard, bins=60)
axes[0].set_title("StandardScaler")
axes[1].hist(smooth, bins=60)
axes[1].set_title("RobustSmoothClipScaler")
grid = np.linspace(-10, 10, 401)
axes[2].plot(grid, grid / np.sqrt(1 + (grid / 3) ** 2), label="smooth clip")
axes[2].plot(grid, np.clip(grid, -3, 3), "--", label="hard clip")
axes[2].legend(loc="upper left", fontsize="small")
axes[2].set_title("x / sqrt(1 + (x/3)^2)", fontsize="medium")
fig.tight_layout()

# %%
# Periodic embeddings
# -------------------
# With ``embedding="pbld"`` each feature ``x`` becomes
# ``[x, cos(2 pi w x + b) V + c]``: a few learnable frequencies ``w`` and
# phases ``b`` per feature, mixed by a small linear map ``V``. The first
# layer then sees functions of ``x`` that oscillate, which a ReLU or SELU
# network would need many units to build. Here are the 16 ``cos`` features of
# one input feature at the initial frequencies (``w ~ N(0, 0.1^2)``, RealMLP's
# scale, on smooth-clipped inputs in ``(-3, 3)``) and at ten times that scale.
d, m = 1, 16
xs = np.linspace(-3, 3, 300)[:, None]
fig, axes = plt.subplots(1, 2, figsize=(8, 3.2), sharey=True)
for ax, sigma in zip(axes, [0.1, 1.0]):
    w = rng.normal(0, sigma, (d, m))
    b = rng.uniform(-np.pi, np.pi, (d, m))
    cos = np.cos(2 * np.pi * xs * w + b)  # (300, 16): the gate's first step
    ax.plot(xs[:, 0], cos, lw=1)
    ax.set_title(f"cos(2 pi w x + b), w ~ N(0, {sigma}^2)", fontsize="medium")
    ax.set_xlabel("smooth-clipped feature x")
fig.tight_layout()

# %%
# Learning curves: the recipe against the plain MLP
# -------------------------------------------------
# On the digits, scikit-learn's MLP behind a StandardScaler against
# :class:`~skffnn.TabularFFNClassifier` on the raw pixels. The recipe's
# ``validation_scores_`` are the held-out accuracy of every epoch; the
# restored epoch is marked. Its learning-rate schedule (``coslog4``) restarts
# four times, which the loss curve shows as bumps.
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

mlp = make_pipeline(
    StandardScaler(),
    MLPClassifier(early_stopping=True, max_iter=200, random_state=0),
)
mlp.fit(X_train, y_train)
tab = TabularFFNClassifier(random_state=0).fit(X_train, y_train)
print(f"MLP (StandardScaler) test accuracy {mlp.score(X_test, y_test):.3f}")
print(f"TabularFFNClassifier test accuracy {tab.score(X_test, y_test):.3f}")

fig, axes = plt.subplots(1, 2, figsize=(8, 4))
axes[0].plot(mlp[-1].loss_curve_, label="MLPClassifier")
axes[0].plot(tab.loss_curve_, label="TabularFFNClassifier")
axes[0].set_yscale("log")
axes[0].set_xlabel("epoch")
axes[0].set_title("training loss")
axes[1].plot(mlp[-1].validation_scores_, label="MLPClassifier")
axes[1].plot(tab.validation_scores_, label="TabularFFNClassifier")
axes[1].axvline(tab.best_epoch_ - 1, color="k", ls=":", label="restored epoch")
axes[1].set_xlabel("epoch")
axes[1].set_title("held-out accuracy")
# One legend below both panels, where it covers no curve.
fig.legend(*axes[1].get_legend_handles_labels(), loc="lower center", ncol=3)
fig.tight_layout(rect=(0, 0.1, 1, 1))
plt.show()
