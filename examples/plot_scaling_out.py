"""
Scaling out: training on a dask array across a cluster
======================================================

When the data no longer fit one machine, keep them in a dask array, chunked
by rows, on the workers of a ``dask.distributed`` cluster, and hand that array
to ``fit``: skffnn validates and encodes it block by block on the workers, and

* L-BFGS runs data-parallel: every evaluation of the loss sends the weights
  to each worker once, each block computes its share of the loss and gradient
  with the same network code as one machine, and the parts are summed in a
  fixed order. It reaches the same weights as the in-memory fit;
* SGD and Adam stream the blocks, one at a time, in a shuffled order;
* prediction on a dask array is a lazy dask array with the same row blocks.

Here the cluster is a ``LocalCluster`` on this machine (127.0.0.1); with a
real one, only the address given to ``Client`` changes (see
:doc:`/scaling_out`). Needs skffnn's optional extras ``dask`` and ``docs``
(matplotlib): from a checkout of the repository,
``python -m pip install ".[dask,docs]"``.
"""

# %%
# A cluster and a dask array
# --------------------------
# Two workers of two threads each, in this process (``processes=False``: the
# example then runs as a plain script too; a real cluster runs its workers as
# processes on other machines). Being threads of one process, the workers
# share its BLAS, held to one thread here so that four BLAS pools do not spin
# against each other on a small machine (worker processes get one thread each
# from dask itself). The data are drawn on the workers, 8 blocks of 2,500
# rows: the client never holds X.

import time
import warnings

import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client, LocalCluster
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from skffnn import FFNClassifier

warnings.simplefilter("ignore", ConvergenceWarning)
blas = threadpool_limits(limits=1, user_api="blas")
cluster = LocalCluster(
    n_workers=2, threads_per_worker=2, processes=False, protocol="tcp",
    host="127.0.0.1", dashboard_address=None,
)  # fmt: skip
client = Client(cluster, timeout=30)

rs = da.random.RandomState(0)
X = rs.normal(size=(20_000, 20), chunks=(2_500, 20))
# Three classes from two directions of X, with label noise.
score = X[:, 0] + X[:, 1] ** 2 - 1 + 0.5 * rs.normal(size=20_000, chunks=2_500)
y = (score > 0).astype(int) + (X[:, 2] > 1).astype(int)
X, y = client.persist([X, y])
print(f"X: {X.shape}, {X.numblocks[0]} blocks of {X.chunks[0][0]} rows")

# %%
# L-BFGS on the cluster, and in memory
# ------------------------------------
# The same estimator, once on the dask array and once on its in-memory copy
# (which exists here only to compare with; the data are small).
params = dict(
    hidden_layer_sizes=(32,), activation="tanh", solver="lbfgs", max_iter=40,
    tol=0.0, random_state=0,
)  # fmt: skip
start = time.perf_counter()
on_cluster = FFNClassifier(**params).fit(X, y)
t_cluster = (time.perf_counter() - start) / on_cluster.n_iter_

X_memory, y_memory = X.compute(), y.compute()
start = time.perf_counter()
in_memory = FFNClassifier(**params).fit(X_memory, y_memory)
t_memory = (time.perf_counter() - start) / in_memory.n_iter_
weight_difference = max(
    float(np.abs(a - b).max() / np.abs(a).max())
    for a, b in zip(in_memory.coefs_, on_cluster.coefs_)
)
print(f"s per L-BFGS iteration: cluster {t_cluster:.3f}, in memory {t_memory:.3f}")
print(f"largest relative difference of the weights: {weight_difference:.1e}")

# %%
# Adam, streaming the blocks, with early stopping
# -----------------------------------------------
# Each epoch visits the blocks in a shuffled order and the rows of each block
# in a shuffled order; 10 % of the rows, drawn across the blocks, are held out
# to decide when to stop.
adam = FFNClassifier(
    (32,), solver="adam", max_iter=30, early_stopping=True, random_state=0
).fit(X, y)
print(
    f"adam: {adam.n_iter_} epochs, best validation accuracy "
    f"{adam.best_validation_score_:.3f}"
)

# %%
# Prediction is lazy
# ------------------
# ``predict_proba`` of a dask array is a dask array of the same row blocks;
# nothing runs until it is computed. The model is one key of its graph, so
# each worker receives the weights once.
proba = on_cluster.predict_proba(X)
print(f"lazy: {type(proba).__name__} with row blocks {proba.chunks[0][:3]}...")
proba_identical = bool(
    np.array_equal(proba.compute(), on_cluster.predict_proba(X_memory))
)
accuracy = float((on_cluster.predict(X) == y).mean().compute())
print(f"identical to in-memory predict_proba: {proba_identical}")
print(f"training accuracy (computed on the workers): {accuracy:.3f}")

client.close()
cluster.close()
blas.restore_original_limits()

# %%
# Plot
# ----
# Left: the L-BFGS loss per iteration on the cluster and in memory: one curve
# on top of the other. Right: how far apart they are, relative to the loss:
# rounding, from summing the blocks in another order.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 3.6))
iters = np.arange(1, len(in_memory.loss_curve_) + 1)
ax1.plot(iters, in_memory.loss_curve_, lw=3, alpha=0.4, label="in memory")
ax1.plot(iters, on_cluster.loss_curve_, "k--", lw=1, label="dask, 8 blocks")
ax1.set_xlabel("L-BFGS iteration")
ax1.set_ylabel("training loss")
ax1.legend()
gap = np.abs(np.subtract(on_cluster.loss_curve_, in_memory.loss_curve_))
ax2.semilogy(iters, np.maximum(gap / np.array(in_memory.loss_curve_), 1e-17), ".-")
ax2.set_xlabel("L-BFGS iteration")
ax2.set_ylabel("|loss difference| / loss")
ax2.set_title("cluster against memory")
fig.tight_layout()


# sphinx_gallery_start_ignore
# What the tests check; not part of the example (hidden from the gallery page).
def main():
    """Return what the example found, for the test suite."""
    result = {
        "weight_difference": weight_difference,
        "proba_identical": proba_identical,
        "accuracy": accuracy,
        "adam_validation": float(adam.best_validation_score_),
        "seconds_per_iteration": {"cluster": t_cluster, "memory": t_memory},
    }
    return result


# sphinx_gallery_end_ignore
plt.show()
