"""Fit and predict on dask arrays, across a dask.distributed cluster.

The one module that adapts skffnn to dask: ``dask`` and ``distributed`` are
imported here only, through :func:`skffnn._optional.import_optional`.

- :func:`training_data` validates and encodes a dask array block by block on
  the workers and returns a :class:`DaskTrainingData`, the dask side of the
  ``TrainingData`` protocol of ``skffnn._data``: the encoded blocks stay
  persisted on the workers, the client never holds all of X.
- L-BFGS is data-parallel: every loss-and-gradient evaluation sends theta to
  each worker once, every block computes its share of the loss and gradient
  with :meth:`skffnn.network.Network.loss_and_gradient` (the code of one
  machine), and the partial results are summed in a fixed tree, so that a run
  is reproducible whatever the placement of the blocks.
- SGD and Adam stream the blocks to the client, one at a time.
- :func:`predict` maps a fitted estimator's prediction method over the row
  blocks of a dask array, lazily; the model is one key of the graph, so each
  worker receives it once.

With a ``distributed.Client`` (the default client) the work runs on its
cluster; without one, dask's local scheduler computes the blocks in this
process, through the same functions. Blocking waits on the cluster are
bounded by the dask config value ``skffnn.timeout`` (e.g. ``"60s"``; no bound
by default).
"""

from __future__ import annotations

import copy
import functools
import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ._data import InMemoryData, check_validation_size
from ._optional import import_optional
from ._target import checked_sample_weight
from ._warnings import warn_user
from .network import add_l2_penalty

__all__ = [
    "DaskTrainingData",
    "check_dispatch",
    "check_numpy_model",
    "is_dask_collection",
    "predict",
    "training_data",
]

# Partial results are summed this many at a time, level by level: one level
# for up to 8 blocks, three for 512. Fewer levels cost fewer round trips; more
# inputs per sum move more vectors to one worker.
_FAN_IN = 8


def is_dask_collection(X: Any) -> bool:
    """Whether ``X`` is a dask collection (array, dataframe, ...); dask not imported.

    Parameters
    ----------
    X : object

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> is_dask_collection(np.zeros(3))
    False
    >>> import dask.array as da
    >>> is_dask_collection(da.zeros(3))
    True
    """
    return callable(getattr(X, "__dask_graph__", None))


def check_dispatch(estimator, method: str, X, y=None, sample_weight=None) -> None:
    """Refuse dask input under scikit-learn's array API dispatch.

    skffnn computes dask arrays block by block in NumPy, which dispatch does
    not cover: a dask ``X`` (or ``y``, ``sample_weight``) with
    ``array_api_dispatch=True`` would give a NumPy model or NumPy blocks
    where dispatch asks for the namespace of the input, so it raises a
    TypeError that names the input, the setting and the two ways out.

    Parameters
    ----------
    estimator : FFNClassifier or FFNRegressor
    method : str
        The method called (``fit``, ``partial_fit``, ``predict``, ...).
    X, y, sample_weight : objects
        The call's inputs (None: absent).

    Examples
    --------
    >>> import dask.array as da, sklearn
    >>> from skffnn import FFNRegressor
    >>> X = da.zeros((4, 2), chunks=2)
    >>> check_dispatch(FFNRegressor(), "fit", X)  # dispatch off: nothing to say
    >>> with sklearn.config_context(array_api_dispatch=True):
    ...     check_dispatch(FFNRegressor(), "fit", X)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: FFNRegressor.fit() got X as a dask array with array API dispatch on...
    """
    from sklearn import get_config

    if not get_config()["array_api_dispatch"]:
        return
    for name, a in (("X", X), ("y", y), ("sample_weight", sample_weight)):
        if not is_dask_collection(a):
            continue
        raise TypeError(
            f"{type(estimator).__name__}.{method}() got {name} as a dask array "
            "with array API dispatch on (sklearn.set_config(array_api_dispatch="
            "True)). skffnn computes dask arrays block by block in NumPy, "
            "outside array API dispatch, so the result would not be in the "
            "namespace that dispatch asks for. Turn dispatch off for this call "
            "(with sklearn.config_context(array_api_dispatch=False): ...) to "
            f"compute on the dask array in NumPy, or pass {name} in memory (a "
            "NumPy, torch or CuPy array) to compute in its namespace."
        )


def blockwise(method: Callable) -> Callable:
    """Decorate a prediction method ``method(estimator, X)`` for dask input.

    A dask array goes to :func:`predict` (a lazy array of the same row
    chunks); anything else to ``method`` itself. Under array API dispatch,
    or for a model fitted in another namespace than NumPy, a dask array
    raises (:func:`check_dispatch`, ``check_same_namespace``).
    """

    @functools.wraps(method)
    def dispatch(estimator, X):
        if is_dask_collection(X):
            check_dispatch(estimator, method.__name__, X)
            check_numpy_model(estimator, method.__name__, X)
            return predict(estimator, method.__name__, X)
        return method(estimator, X)

    return dispatch


def check_numpy_model(estimator, method: str, X) -> None:
    """A model fitted on torch or CuPy arrays cannot predict dask blocks."""
    from ._namespace import NUMPY, check_same_namespace, fitted_namespace

    coefs = estimator.__dict__.get("coefs_")
    if coefs:
        check_same_namespace(estimator, NUMPY, fitted_namespace(coefs[0]), method, X)


def _da():
    return import_optional("dask.array", "dask", purpose="fitting on dask arrays")


def _timeout() -> float | None:
    dask = import_optional("dask", "dask")
    value = dask.config.get("skffnn.timeout", None)
    return None if value is None else dask.utils.parse_timedelta(value)


# -- where the work runs -------------------------------------------------------
class _Local:
    """No distributed client: blocks are values in this process; tasks are calls."""

    def compute(self, delayeds):
        dask = import_optional("dask", "dask")
        return list(dask.compute(*delayeds))

    def submit(self, fn, *args):
        return fn(*args)

    def put(self, obj):
        return obj

    def gather(self, handles):
        return list(handles)

    def wait(self, handles):
        return handles


class _Cluster:
    """A distributed client: blocks and results are futures on its workers."""

    def __init__(self, client):
        self.client = client

    def compute(self, delayeds):
        return self.client.compute(delayeds)

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def put(self, obj):
        # broadcast: every worker gets its copy now, from the client, instead
        # of each task fetching it on first use.
        return self.client.scatter(obj, broadcast=True, hash=False)

    def wait(self, handles):
        distributed = import_optional("distributed", "dask")
        distributed.wait(handles, timeout=_timeout())
        return handles

    def gather(self, handles):
        self.wait(handles)
        return self.client.gather(handles)


def _runner():
    try:
        distributed = import_optional("distributed", "dask")
        return _Cluster(distributed.default_client())
    except (ImportError, ValueError):  # ValueError: no client
        return _Local()


def _tree_sum(runner, parts):
    """Sum the ``(loss, grad)`` parts in a fixed tree: reproducible on any placement."""
    while len(parts) > 1:
        parts = [
            runner.submit(_sum_parts, *parts[i : i + _FAN_IN])
            for i in range(0, len(parts), _FAN_IN)
        ]
    return parts[0]


def _sum_parts(*parts):
    loss, grad = parts[0][0], parts[0][1].copy()
    for part_loss, part_grad in parts[1:]:
        loss += part_loss
        grad += part_grad
    return loss, grad


# -- tasks that run on the workers ----------------------------------------------
_thread_state = threading.local()


def _private(net):
    """This thread's own copy of ``net``: a Network's work buffers are not shared."""
    copies = getattr(_thread_state, "nets", None)
    if copies is None:
        copies = _thread_state.nets = {}
    hit = copies.get(id(net))
    if hit is None or hit[0] is not net:
        if len(copies) >= 4:
            copies.clear()
        hit = copies[id(net)] = (net, copy.deepcopy(net))
    return hit[1]


def _partial(block, net, theta, share):
    """Block's loss and gradient (its weighted mean) times its share of the weight."""
    Xb, Yb, swb = block
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        loss, grad = _private(net).loss_and_gradient(theta, Xb, Yb, swb, alpha=0.0)
        if share != 1.0:
            loss = share * loss
            grad *= grad.dtype.type(share)
    return loss, grad


def _wheres(chunks):
    """``"block i (rows a to b)"`` for each row chunk, for error messages."""
    ends = np.cumsum(chunks).tolist()
    return [
        f"block {i} (rows {e - c} to {e - 1})"
        for i, (c, e) in enumerate(zip(chunks, ends))
    ]


def _check_block(where, xb, yb, swb, spec):
    """Validate one block by the in-memory rules; return it and its summary.

    X: 2-D, the fit's feature count, convertible to the fit's dtype, finite;
    y: the target kind's rules (``skffnn._target``); sample weights: those of
    the in-memory path. An empty block passes (it contributes nothing).
    """
    xb = _checked_x_block(where, np.asarray(xb), spec)
    yb = np.asarray(yb)
    if yb.shape[0] != xb.shape[0]:
        raise ValueError(f"y's {where} has {yb.shape[0]} rows, X's {xb.shape[0]}.")
    kind = spec["kind"]
    try:
        yb = kind.check(yb)
        swb = checked_sample_weight(swb, xb)
    except ValueError as exc:
        raise ValueError(f"{str(exc).rstrip('.')} in its {where}.") from exc
    summary = {"rows": xb.shape[0], "where": where, **kind.summarize(yb)}
    return (xb, yb, swb), summary


def _checked_x_block(where, xb, spec):
    if xb.ndim != 2 or xb.shape[1] != spec["n_features"]:
        raise ValueError(
            f"X's {where} has shape {xb.shape}; expected {spec['n_features']} "
            "features like the rest of X."
        )
    try:
        xb = xb.astype(spec["dtype"], copy=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"X's {where} cannot be converted to float: {exc}") from exc
    if not np.isfinite(xb).all():
        raise ValueError(f"Input X contains NaN or infinity in its {where}.")
    return xb


def _encode_block(where, checked, target):
    """The fit's target encoder on one block: encoded Y, weights times class weights."""
    xb, yb, swb = checked
    try:
        Yb = target.encode(yb, xb.dtype)
        swb = target.weights(yb, swb, xb.dtype)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from exc
    return xb, Yb, swb


def _block_stats(block):
    """Rows, total weight, and the values of Y's first column with positive weight."""
    _, Yb, swb = block
    rows = Yb.shape[0]
    weight = float(rows) if swb is None else float(swb.sum())
    return rows, weight, np.unique(Yb[:, 0] if swb is None else Yb[swb > 0, 0])


def _row_classes(Y):
    """One class code per row of an encoded single-output target."""
    return (Y[:, 0] > 0).astype(np.intp) if Y.shape[1] == 1 else Y.argmax(axis=1)


def _class_counts(block, n_classes):
    return np.bincount(_row_classes(block[1]), minlength=n_classes)


def _split_block(block, seed, take, stratify):
    """Hold out ``take[c]`` rows of each class ``c`` (all rows: one class)."""
    Xb, Yb, swb = block
    rs = np.random.RandomState(seed)
    codes = _row_classes(Yb) if stratify else np.zeros(Yb.shape[0], np.intp)
    held = np.zeros(Yb.shape[0], bool)
    for c, k in enumerate(take):
        if k:
            held[rs.choice(np.flatnonzero(codes == c), k, replace=False)] = True

    def rows(mask):
        return Xb[mask], Yb[mask], None if swb is None else swb[mask]

    return rows(~held), rows(held)


def _take(pair, index):
    return pair[index]


# -- the training data -----------------------------------------------------------
class DaskTrainingData:
    """Encoded blocks of a dask array, persisted on the workers (``TrainingData``).

    Built by :func:`training_data`; the solvers use it as they use
    ``skffnn._data.InMemoryData``.

    Parameters
    ----------
    runner : where the blocks live (a distributed client, or this process)
    blocks : list of handles of ``(Xb, Yb, swb)``, in row order
    rows : list of int
        Rows per block.
    weights : list of float
        Total sample weight per block (its rows without sample weights).
    dtype : numpy dtype
    weighted : bool
        Whether the blocks carry sample weights.

    Attributes
    ----------
    n_samples : int
    total_weight : float
        Sum of the sample weights (``n_samples`` without them).
    timings : list of dict or None
        Set to a list to record, per loss-and-gradient evaluation, the seconds
        spent sending theta (``"send"``), computing the blocks
        (``"compute"``) and reducing (``"reduce"``); the phases are then
        waited for one after the other.
    """

    def __init__(self, runner, blocks, rows, weights, dtype, weighted):
        self.runner, self.blocks = runner, list(blocks)
        self.rows, self.weights = list(rows), list(weights)
        self.n_samples = int(sum(self.rows))
        self.total_weight = float(sum(self.weights) if weighted else self.n_samples)
        self.dtype = np.dtype(dtype)
        self.weighted = weighted
        self.timings = None
        self._single = None

    def _one_block(self) -> InMemoryData | None:
        """The in-memory data of a one-block array: the same draws as in memory."""
        if len(self.blocks) != 1:
            return None
        if self._single is None:
            self._single = InMemoryData(*self.runner.gather(self.blocks)[0])
        return self._single

    def objective(self, net, alpha: float) -> Callable:
        """``theta -> (loss, grad)`` over every block, summed on the cluster."""
        runner = self.runner
        total = self.total_weight
        if not total > 0:
            raise ValueError(
                "sample_weight must have a positive sum (the loss is a weighted "
                f"mean); got {total}."
            )
        work = [(b, w / total) for b, w in zip(self.blocks, self.weights) if w > 0]
        net_handle = runner.put(net)

        def fun(theta):
            clock = time.perf_counter()
            theta_handle = runner.put(theta)
            sent = time.perf_counter()
            parts = [
                runner.submit(_partial, block, net_handle, theta_handle, share)
                for block, share in work
            ]
            if self.timings is not None:
                runner.wait(parts)
            computed = time.perf_counter()
            loss, grad = runner.gather([_tree_sum(runner, parts)])[0]
            if self.timings is not None:
                self.timings.append(
                    {
                        "send": sent - clock,
                        "compute": computed - sent,
                        "reduce": time.perf_counter() - computed,
                    }
                )
            return add_l2_penalty(net.layout, theta, loss, alpha, total, grad), grad

        return fun

    def batches(self, rng, batch_size: int, shuffle: bool) -> Iterator[tuple]:
        """One epoch: blocks in shuffled order, rows shuffled within each block.

        Minibatches run across block boundaries (a batch may end one block and
        start the next), so an epoch has as many batches as in memory.
        """
        single = self._one_block()
        if single is not None:
            yield from single.batches(rng, batch_size, shuffle)
            return
        order = (
            rng.permutation(len(self.blocks)) if shuffle else range(len(self.blocks))
        )
        carry = None
        for b in order:
            Xb, Yb, swb = self.runner.gather([self.blocks[b]])[0]
            if shuffle:
                perm = rng.permutation(Xb.shape[0])
                Xb, Yb = Xb[perm], Yb[perm]
                swb = None if swb is None else swb[perm]
            if carry is not None:
                Xb, Yb, swb = _concat(carry, (Xb, Yb, swb))
            n = Xb.shape[0]
            full = n - n % batch_size
            for start in range(0, full, batch_size):
                stop = start + batch_size
                yield Xb[start:stop], Yb[start:stop], _rows(swb, start, stop)
            carry = (Xb[full:], Yb[full:], _rows(swb, full, n)) if full < n else None
        if carry is not None:
            yield carry

    def split(self, rng, validation_fraction: float, stratify: bool) -> tuple:
        """Hold out ``ceil(fraction * n)`` rows drawn from ``rng`` across blocks.

        How many rows each block holds out is drawn as from one uniform sample
        of the rows (hypergeometric, block after block; per class when
        stratified), then which rows, on the workers, from one seed per block.
        """
        single = self._one_block()
        if single is not None:
            return single.split(rng, validation_fraction, stratify)
        runner, n = self.runner, self.n_samples
        n_val = math.ceil(validation_fraction * n)
        check_validation_size(n_val, n)
        if stratify:
            n_out = self._n_outputs()
            k = 2 if n_out == 1 else n_out
            counts = np.array(
                runner.gather([runner.submit(_class_counts, b, k) for b in self.blocks])
            )
            take = _stratified_take(rng, counts, n_val)
        else:
            take = _allocate(rng, np.array(self.rows), n_val)[:, None]
        seeds = rng.randint(np.iinfo(np.int32).max, size=len(self.blocks))
        pairs = [
            runner.submit(_split_block, b, int(s), t, stratify)
            for b, s, t in zip(self.blocks, seeds, take.tolist())
        ]
        train = [runner.submit(_take, p, 0) for p in pairs]
        held = runner.gather([runner.submit(_take, p, 1) for p in pairs])
        valid = _concat(*held)
        stats = runner.gather([runner.submit(_block_stats, b) for b in train])
        data = DaskTrainingData(
            runner, train, [s[0] for s in stats], [s[1] for s in stats],
            self.dtype, self.weighted,
        )  # fmt: skip
        return data, valid

    def _n_outputs(self):
        return self.runner.gather([self.runner.submit(_n_columns, self.blocks[0])])[0]


def _n_columns(block):
    return block[1].shape[1]


def _rows(sw, start, stop):
    return None if sw is None else sw[start:stop]


def _concat(*blocks):
    Xs, Ys, sws = zip(*blocks)
    sw = None if sws[0] is None else np.concatenate(sws)
    return np.concatenate(Xs), np.concatenate(Ys), sw


def _allocate(rng, sizes, k):
    """How many of ``k`` rows drawn uniformly without replacement fall in each group."""
    out = np.zeros(len(sizes), np.intp)
    left, rest = int(k), int(sizes.sum())
    for g, size in enumerate(sizes):
        rest -= int(size)
        if left == 0:
            break
        out[g] = left if rest == 0 else rng.hypergeometric(int(size), rest, left)
        left -= out[g]
    return out


def _stratified_take(rng, counts, n_val):
    """Rows to hold out per (block, class): each class its share of ``n_val``."""
    per_class = counts.sum(axis=0)
    present = per_class > 0
    if per_class[present].min() < 2:
        raise ValueError(
            "The least populated class in y has only 1 member, which is too few. "
            "The minimum number of groups for any class cannot be less than 2."
        )
    exact = n_val * per_class / per_class.sum()
    quota = np.floor(exact).astype(np.intp)
    # The remaining rows go to the largest remainders; ties broken at random.
    order = np.lexsort((rng.permutation(len(exact)), -(exact - quota)))
    quota[order[: n_val - quota.sum()]] += 1
    quota = np.minimum(quota, per_class - 1)  # keep a row of each class to train
    take = np.zeros_like(counts)
    for c in np.flatnonzero(present):
        take[:, c] = _allocate(rng, counts[:, c], quota[c])
    return take


# -- from a dask array to training data ----------------------------------------------
def _as_row_blocks(X, name, *, sizes=True):
    """A dask array; with ``sizes``, its row chunks known (computed if need be)."""
    da = _da()
    if not isinstance(X, da.Array):
        if hasattr(X, "to_dask_array"):  # a dask dataframe or series
            # None, not False: dask < 2025 refuses lengths=False
            X = X.to_dask_array(lengths=True if sizes else None)
        else:
            raise TypeError(f"{name} is a dask collection but not a dask array.")
    if sizes and any(math.isnan(c) for c in X.chunks[0]):
        X = X.compute_chunk_sizes()
    return X


def _aligned(v, X, name):
    """``v`` (dask or in-memory) as a dask array with X's row chunks."""
    da = _da()
    if v is None:
        return None
    if not is_dask_collection(v):
        v = np.asarray(v)
        if v.ndim == 0 or v.shape[0] != X.shape[0]:
            raise ValueError(
                "Found input variables with inconsistent numbers of samples: "
                f"[{X.shape[0]}, {v.shape[0] if v.ndim else 1}] (X, {name})."
            )
        return da.from_array(v, chunks=(X.chunks[0], *v.shape[1:]))
    v = _as_row_blocks(v, name)
    if v.shape[0] != X.shape[0]:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{X.shape[0]}, {v.shape[0]}] (X, {name})."
        )
    return v.rechunk((X.chunks[0], *[-1] * (v.ndim - 1)))


def training_data(
    estimator, X, y, sample_weight=None, *, reset: bool, incremental: bool,
    classes=None,
) -> DaskTrainingData:  # fmt: skip
    """Validate, encode and persist a dask array's blocks for fitting ``estimator``.

    Every check and the target encoding run on the workers, block by block,
    by the rules of the in-memory path; the client receives per-block
    summaries (rows, labels, weight sums) only, builds the fit's target
    encoder from them (``skffnn._target``) and sends the workers that encoder,
    not the estimator. Nothing is written on ``estimator``.

    Parameters
    ----------
    estimator : FFNClassifier or FFNRegressor
        Read only: its target kind, its hyperparameters and, when continuing,
        its fitted classes, feature count and dtype.
    X : dask array of shape (n_samples, n_features)
        Chunked by rows (column chunks are merged).
    y : dask array or array-like of shape (n_samples,) or (n_samples, n_outputs)
    sample_weight : dask array or array-like of shape (n_samples,), default=None
    reset : bool
        A first fit (else X is checked against ``n_features_in_``).
    incremental : bool
        ``partial_fit`` (class_weight='balanced' is refused, as in memory).
    classes : array-like, default=None
        ``partial_fit``'s ``classes`` (all classes across calls).

    Returns
    -------
    DaskTrainingData
        With ``target`` (the encoder) and ``n_features`` set.
    """
    X, y, sw = _row_aligned(X, y, sample_weight)
    n_features = X.shape[1]
    _check_shape(estimator, X, reset)
    fit_dtype = estimator._training_dtype(reset)
    dtype = np.dtype(np.float64 if isinstance(fit_dtype, tuple) else fit_dtype)
    if isinstance(fit_dtype, tuple) and X.dtype in fit_dtype:
        dtype = X.dtype
    spec = {"n_features": n_features, "dtype": dtype, "kind": estimator._target_kind}
    runner = _runner()
    wheres, checked, summaries = _checked_blocks(runner, X, y, sw, spec)
    target = spec["kind"].build(
        summaries, estimator, incremental=incremental, first_pass=reset,
        classes=classes,
    )  # fmt: skip
    target_handle = runner.put(target)
    blocks = [
        runner.submit(_encode_block, where, c, target_handle)
        for where, c in zip(wheres, checked)
    ]
    stats = runner.gather([runner.submit(_block_stats, b) for b in blocks])
    if sw is not None and not incremental:
        target.check_weighted(np.concatenate([s[2] for s in stats]))
    data = DaskTrainingData(
        runner, blocks, [s[0] for s in stats], [s[1] for s in stats], dtype,
        sw is not None,
    )  # fmt: skip
    data.target, data.n_features = target, n_features
    return data


def _row_aligned(X, y, sample_weight):
    """X, y and the weights as dask arrays with X's (known) row chunks."""
    X = _as_row_blocks(X, "X")
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2D dask array, got {X.ndim}D instead; reshape your data."
        )
    X = X.rechunk({1: -1})
    y = _aligned(y, X, "y")
    if y.ndim == 2 and y.shape[1] == 1:
        from sklearn.exceptions import DataConversionWarning

        warn_user(
            "A column-vector y was passed when a 1d array was expected. Please "
            "change the shape of y to (n_samples, ), for example using ravel().",
            DataConversionWarning,
        )
        y = y[:, 0]
    return X, y, _aligned(sample_weight, X, "sample_weight")


def _check_shape(estimator, X, reset):
    """The in-memory rules on X's shape: samples present, the fit's features."""
    from sklearn.utils.validation import check_array

    if X.shape[0] == 0:  # scikit-learn's own message, naming the estimator
        check_array(np.empty((0, X.shape[1])), estimator=estimator)
    if not reset and X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} is "
            f"expecting {estimator.n_features_in_} features as input."
        )


def _checked_blocks(runner, X, y, sw, spec):
    """Each non-empty block checked on the workers: (wheres, handles, summaries)."""
    dask = import_optional("dask", "dask")
    wheres = _wheres(X.chunks[0])
    xs, ys = X.to_delayed().ravel(), y.to_delayed().ravel()
    sws = [None] * len(xs) if sw is None else sw.to_delayed().ravel()
    check = dask.delayed(_check_block, pure=True)
    checked = runner.compute(
        [check(where, *blk, spec) for where, blk in zip(wheres, zip(xs, ys, sws))]
    )
    summaries = runner.gather([runner.submit(_take, c, 1) for c in checked])
    # An empty block (X[mask] leaves some) contributes nothing.
    keep = [i for i, s in enumerate(summaries) if s["rows"]]
    return (
        [wheres[i] for i in keep],
        [runner.submit(_take, checked[i], 0) for i in keep],
        [summaries[i] for i in keep],
    )


# -- prediction ---------------------------------------------------------------------
def _predict_block(xb, model, method, block_info=None):
    if xb.shape[0] == 0:
        probe = getattr(model, method)(np.zeros((1, xb.shape[1]), xb.dtype))
        return probe[:0]
    try:
        return getattr(model, method)(xb)
    except ValueError as exc:
        where = "block"
        if block_info:
            (lo, hi), _ = block_info[0]["array-location"]
            where = (
                f"block {block_info[0]['chunk-location'][0]} (rows {lo} to {hi - 1})"
            )
        raise ValueError(f"X's {where}: {exc}") from exc


def predict(estimator, method_name: str, X):
    """A lazy dask array: ``estimator.<method_name>`` of each row block of ``X``.

    The fitted estimator is one key of the graph: a distributed scheduler
    sends it to each worker once, not once per block. The result has X's row
    chunks and equals the in-memory result block for block.

    Parameters
    ----------
    estimator : fitted FFNClassifier or FFNRegressor
    method_name : str
        'predict', 'predict_proba', 'predict_log_proba', 'decision_function',
        or any in-memory prediction method of the estimator.
    X : dask array of shape (n_samples, n_features)

    Returns
    -------
    dask array of shape (n_samples,) or (n_samples, n_outputs)

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> from skffnn import FFNRegressor
    >>> X = np.random.RandomState(0).normal(size=(30, 2)); y = X.sum(axis=1)
    >>> reg = FFNRegressor(hidden_layer_sizes=(5,), solver="lbfgs", random_state=0)
    >>> reg = reg.fit(X, y)
    >>> lazy = predict(reg, "predict", da.from_array(X, chunks=10))
    >>> lazy.chunks
    ((10, 10, 10),)
    >>> bool(np.array_equal(lazy.compute(), reg.predict(X)))
    True
    """
    from sklearn.utils.validation import check_is_fitted

    dask = import_optional("dask", "dask")
    check_is_fitted(estimator)
    X = _as_row_blocks(X, "X", sizes=False)  # unknown row chunks stay unknown
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2D dask array, got {X.ndim}D instead; reshape your data."
        )
    if X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} is "
            f"expecting {estimator.n_features_in_} features as input."
        )
    X = X.rechunk({1: -1})
    method = getattr(estimator, method_name)  # an AttributeError names it
    probe = method(np.zeros((1, X.shape[1]), X.dtype))
    model = dask.delayed(estimator, pure=False)
    if probe.ndim == 1:
        return X.map_blocks(
            _predict_block, model, method_name, drop_axis=1,
            chunks=(X.chunks[0],), dtype=probe.dtype, meta=probe[:0],
        )  # fmt: skip
    return X.map_blocks(
        _predict_block, model, method_name,
        chunks=(X.chunks[0], (probe.shape[1],)), dtype=probe.dtype, meta=probe[:0],
    )  # fmt: skip
