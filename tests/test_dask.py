"""Fitting and predicting on dask arrays across a dask.distributed cluster.

The oracle is the in-memory fit on the same data: L-BFGS on a dask array must
reach its weights (the data-parallel objective is the same function summed in
another order), the stochastic solvers must reproduce it bit for bit on one
block and within noise on several, and predictions must equal it. The cluster
is a LocalCluster of 2 worker processes on 127.0.0.1, started and stopped by
this module; every blocking wait is bounded (``skffnn.timeout``, and the
timeouts passed to the client).
"""

import math

import numpy as np
import pytest
from _extras import require_extra

dask = require_extra("dask", "dask")
distributed = require_extra("distributed", "dask")
import dask.array as da  # noqa: E402
import joblib  # noqa: E402
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV  # noqa: E402

from skffnn import FFNClassifier, FFNRegressor, _dask  # noqa: E402

TIMEOUT = 60  # seconds, for any one blocking call on the cluster

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    # The cluster's shutdown may close sockets while pytest watches.
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]


@pytest.fixture(scope="module")
def client():
    """A 2-process LocalCluster on loopback for the whole module."""
    with (
        dask.config.set({"skffnn.timeout": f"{TIMEOUT}s"}),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, timeout=TIMEOUT,
        ) as cluster,
        distributed.Client(cluster, timeout=TIMEOUT) as c,
    ):  # fmt: skip
        c.wait_for_workers(2, timeout=TIMEOUT)
        yield c


def _data(n=600, seed=0):
    rs = np.random.RandomState(seed)
    X = rs.normal(size=(n, 5))
    labels = np.array(["cat", "dog", "eel"])
    y = labels[(X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.8)]
    y[:20] = "cat"  # the first (short) block of the uneven chunking lacks two classes
    Yr = np.column_stack([np.sin(X[:, 0]) + X[:, 1], X[:, 2] * X[:, 3]])
    sw = rs.uniform(0.2, 2.0, size=n)
    return X, y, Yr, sw


UNEVEN = (17, 301, 82, 200)
CHUNKINGS = {"even": (200, 200, 200), "uneven": UNEVEN}


def _rel_diff(a, b):
    pairs = zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_)
    return max(np.abs(p - q).max() / np.abs(p).max() for p, q in pairs)


def _lbfgs(est_class, **kw):
    return est_class(
        hidden_layer_sizes=(6,), activation="tanh", solver="lbfgs", max_iter=20,
        tol=0.0, random_state=0, **kw,
    )  # fmt: skip


# -- L-BFGS, data-parallel ---------------------------------------------------------
@pytest.mark.parametrize("chunking", CHUNKINGS)
def test_lbfgs_classifier_on_dask_reaches_the_in_memory_weights(client, chunking):
    X, y, _, sw = _data()
    chunks = CHUNKINGS[chunking]
    memory = _lbfgs(FFNClassifier).fit(X, y, sample_weight=sw)
    Xd = da.from_array(X, chunks=(chunks, (3, 2)))  # column chunks are merged
    swd = da.from_array(sw, chunks=chunks)
    on_dask = _lbfgs(FFNClassifier).fit(Xd, da.from_array(y, chunks=chunks), swd)
    assert on_dask.n_iter_ == memory.n_iter_ == 20
    np.testing.assert_array_equal(on_dask.classes_, memory.classes_)
    assert _rel_diff(memory, on_dask) < 1e-8
    np.testing.assert_allclose(on_dask.loss_curve_, memory.loss_curve_, rtol=1e-10)
    assert on_dask.n_features_in_ == 5


def test_lbfgs_regressor_two_outputs_on_uneven_blocks_matches_memory(client):
    X, _, Yr, _ = _data()
    memory = _lbfgs(FFNRegressor, alpha=1e-2).fit(X, Yr)
    on_dask = _lbfgs(FFNRegressor, alpha=1e-2).fit(
        da.from_array(X, chunks=(UNEVEN, -1)), da.from_array(Yr, chunks=(UNEVEN, 1))
    )
    assert _rel_diff(memory, on_dask) < 1e-8
    assert on_dask.n_outputs_ == 2


def test_balanced_class_weight_uses_the_global_class_counts(client):
    # Per-block class frequencies differ from the global ones (the first block
    # is all one class), so per-block 'balanced' weights would change the fit.
    X, y, _, _ = _data()
    memory = _lbfgs(FFNClassifier, class_weight="balanced").fit(X, y)
    on_dask = _lbfgs(FFNClassifier, class_weight="balanced").fit(
        da.from_array(X, chunks=(UNEVEN, -1)), y
    )
    assert _rel_diff(memory, on_dask) < 1e-8


def test_lbfgs_objective_sums_blocks_in_a_fixed_order(client):
    # Two fits, each on blocks placed anew by the scheduler: bit-identical.
    X, _, Yr, _ = _data()
    Xd = da.from_array(X, chunks=(UNEVEN, -1))
    first = _lbfgs(FFNRegressor).fit(Xd, Yr[:, 0])
    second = _lbfgs(FFNRegressor).fit(Xd, Yr[:, 0])
    assert _rel_diff(first, second) == 0


def test_without_a_client_the_local_scheduler_fits_the_same_weights(
    client, monkeypatch
):
    # The same blocks summed in the same tree, in this process: bit-identical.
    X, y, _, sw = _data()
    Xd, swd = da.from_array(X, chunks=(UNEVEN, -1)), da.from_array(sw, chunks=UNEVEN)
    on_cluster = _lbfgs(FFNClassifier).fit(Xd, y, swd)

    def no_client():
        raise ValueError("No clients found")

    monkeypatch.setattr(distributed, "default_client", no_client)
    with dask.config.set(scheduler="sync"):
        local = _lbfgs(FFNClassifier).fit(Xd, y, swd)
    assert _rel_diff(on_cluster, local) == 0


# -- sgd and adam, streamed ------------------------------------------------------------
STREAMED = [
    (FFNClassifier, dict(solver="adam")),
    (FFNRegressor, dict(solver="sgd", learning_rate_init=0.01)),
    (FFNClassifier, dict(solver="sgd", early_stopping=True, n_iter_no_change=3)),
]


def _stochastic(est_class, kw, seed=0):
    return est_class(
        hidden_layer_sizes=(8,), max_iter=15, batch_size=64, random_state=seed, **kw
    )


def _target(est_class, y, Yr):
    return y if est_class is FFNClassifier else Yr


@pytest.mark.parametrize(("est_class", "kw"), STREAMED)
def test_stochastic_fit_on_one_block_is_bit_identical(client, est_class, kw):
    X, y, Yr, sw = _data()
    target = _target(est_class, y, Yr)
    memory = _stochastic(est_class, kw).fit(X, target, sample_weight=sw)
    on_dask = _stochastic(est_class, kw).fit(
        da.from_array(X, chunks=-1), target, da.from_array(sw, chunks=-1)
    )
    assert _rel_diff(memory, on_dask) == 0
    assert on_dask.loss_curve_ == memory.loss_curve_
    assert on_dask.n_iter_ == memory.n_iter_


@pytest.mark.slow
@pytest.mark.parametrize(("est_class", "kw"), STREAMED)
def test_stochastic_fit_on_several_blocks_scores_within_noise(client, est_class, kw):
    # The noise: how much the in-memory score moves with the seed (which
    # reorders the minibatches, as streaming the blocks does).
    X, y, Yr, _ = _data()
    target = _target(est_class, y, Yr)
    test_X, test_y, test_Yr, _ = _data(seed=1)
    test_target = _target(est_class, test_y, test_Yr)
    scores = [
        _stochastic(est_class, kw, seed).fit(X, target).score(test_X, test_target)
        for seed in range(3)
    ]
    on_dask = _stochastic(est_class, kw).fit(
        da.from_array(X, chunks=(UNEVEN, -1)), target
    )
    score = on_dask.score(test_X, test_target)
    assert abs(score - np.mean(scores)) <= max(3 * np.std(scores), 0.03), (
        score,
        scores,
    )
    assert on_dask.n_iter_ >= 1 and on_dask.t_ == on_dask.n_iter_ * (
        600 - (math.ceil(0.1 * 600) if kw.get("early_stopping") else 0)
    )


def _encoded(client, X, y, chunks, sw=None):
    est = FFNClassifier()
    sw = None if sw is None else da.from_array(sw, chunks=chunks)
    data = _dask.training_data(
        est, da.from_array(X, chunks=(chunks, -1)), y, sw, reset=True,
        incremental=False,
    )  # fmt: skip
    return est, data


def test_an_epoch_streams_every_row_once_in_shuffled_block_order(client):
    # The row ids ride along in X's first column.
    X, y, _, _ = _data()
    X[:, 0] = np.arange(len(X))
    _, data = _encoded(client, X, y, UNEVEN)
    epochs = []
    rng = np.random.RandomState(0)
    for _ in range(2):
        batches = list(data.batches(rng, 64, shuffle=True))
        assert [len(b[0]) for b in batches] == [64] * 9 + [600 - 9 * 64]
        epochs.append(np.concatenate([b[0][:, 0] for b in batches]).astype(int))
        assert sorted(epochs[-1]) == list(range(600))
    assert epochs[0].tolist() != epochs[1].tolist()
    again = list(data.batches(np.random.RandomState(0), 64, shuffle=True))
    np.testing.assert_array_equal(
        np.concatenate([b[0] for b in again])[:, 0], epochs[0]
    )
    plain = np.concatenate([b[0] for b in data.batches(rng, 64, shuffle=False)])
    np.testing.assert_array_equal(plain, X)


@pytest.mark.parametrize("stratify", [False, True])
def test_validation_split_across_blocks_is_reproducible(client, stratify):
    X, y, _, sw = _data()
    X[:, 0] = np.arange(len(X))
    _, data = _encoded(client, X, y, UNEVEN, sw)
    train, (Xv, Yv, swv) = data.split(np.random.RandomState(3), 0.1, stratify)
    assert len(Xv) == math.ceil(0.1 * 600) and train.n_samples == 600 - len(Xv)
    held = Xv[:, 0].astype(int)
    rest = np.concatenate([b[0] for b in train.batches(None, 600, shuffle=False)])
    assert sorted([*held, *rest[:, 0].astype(int)]) == list(range(600))
    np.testing.assert_array_equal(swv, sw[held])
    np.testing.assert_array_equal(Yv, data.target.encode(y[held], X.dtype))
    again = data.split(np.random.RandomState(3), 0.1, stratify)[1][0]
    np.testing.assert_array_equal(again, Xv)
    if stratify:
        counts = np.unique(y, return_counts=True)[1]
        held_counts = np.unique(y[held], return_counts=True)[1]
        assert np.all(np.abs(held_counts - 0.1 * counts) < 1)


# -- errors named with their block --------------------------------------------------
def test_nan_in_one_block_is_named_with_its_block(client):
    X, y, _, _ = _data()
    X[350, 3] = np.nan
    with pytest.raises(
        ValueError, match=r"NaN or infinity in its block 2 \(rows 318 to 399\)"
    ):
        FFNClassifier(max_iter=1).fit(da.from_array(X, chunks=(UNEVEN, -1)), y)


def test_regression_target_with_nan_is_named_with_its_block(client):
    X, _, Yr, _ = _data()
    Yr[5, 0] = np.nan
    with pytest.raises(ValueError, match=r"Input y contains NaN .* block 0 "):
        FFNRegressor(max_iter=1).fit(da.from_array(X, chunks=(UNEVEN, -1)), Yr)


def test_block_with_other_feature_count_is_named(client):
    X, y, _, _ = _data()
    # A block whose real width differs from what the dask array claims.
    lying = da.from_delayed(
        dask.delayed(lambda: X[200:400, :4])(), shape=(200, 5), dtype=X.dtype
    )
    Xd = da.concatenate([da.from_array(X[:200]), lying, da.from_array(X[400:])])
    with pytest.raises(
        ValueError, match=r"block 1 \(rows 200 to 399\) has shape \(200, 4\)"
    ):
        FFNClassifier(max_iter=1).fit(Xd, y)


def test_feature_count_mismatch_with_the_fit_is_refused(client):
    X, y, _, _ = _data()
    clf = _lbfgs(FFNClassifier, warm_start=True).fit(X, y)
    with pytest.raises(
        ValueError, match="X has 4 features, but FFNClassifier is expecting 5"
    ):
        clf.fit(da.from_array(X[:, :4], chunks=200), y)
    with pytest.raises(
        ValueError, match="X has 4 features, but FFNClassifier is expecting 5"
    ):
        clf.predict(da.from_array(X[:, :4], chunks=200))


def test_poisson_negative_target_error_names_the_block(client):
    X, _, Yr, _ = _data()
    y = np.abs(Yr[:, 0])
    y[350] = -1.0
    with pytest.raises(ValueError, match=r"block 2 .*requires non-negative y"):
        FFNRegressor(loss="poisson", max_iter=1).fit(
            da.from_array(X, chunks=(UNEVEN, -1)), y
        )


# -- prediction ------------------------------------------------------------------------
CLASSIFIER_METHODS = [
    "predict", "predict_proba", "predict_log_proba", "exact_log_proba", "logits",
]  # fmt: skip


@pytest.fixture(scope="module")
def fitted():
    X, y, Yr, _ = _data()
    return X, _lbfgs(FFNClassifier).fit(X, y), _lbfgs(FFNRegressor).fit(X, Yr)


@pytest.mark.parametrize("method", CLASSIFIER_METHODS)
def test_classifier_predictions_on_dask_equal_in_memory(client, fitted, method):
    X, clf, _ = fitted
    lazy = getattr(clf, method)(da.from_array(X, chunks=(UNEVEN, -1)))
    assert _dask.is_dask_collection(lazy) and lazy.chunks[0] == UNEVEN
    np.testing.assert_array_equal(lazy.compute(), getattr(clf, method)(X))


def test_regressor_predictions_on_dask_equal_in_memory(client, fitted):
    X, _, reg = fitted
    lazy = reg.predict(da.from_array(X, chunks=(UNEVEN, -1)))
    assert lazy.chunks == (UNEVEN, (2,))
    np.testing.assert_array_equal(lazy.compute(), reg.predict(X))


def test_the_model_is_one_key_of_the_prediction_graph(client, fitted):
    X, clf, _ = fitted
    lazy = clf.predict_proba(da.from_array(X, chunks=50))
    graph = dict(lazy.__dask_graph__())
    models = [
        k
        for k, v in graph.items()
        # newer dask wraps a literal in a DataNode; older ones store it as is
        if isinstance(getattr(v, "value", v), FFNClassifier)
    ]
    assert len(models) == 1
    blocks = [k for k in graph if isinstance(k, tuple) and k[0] == lazy.name]
    assert len(blocks) == 12
    assert all(models[0] in graph[k].dependencies for k in blocks)


def test_prediction_without_a_client_runs_on_the_local_scheduler(fitted):
    X, clf, _ = fitted
    with dask.config.set(scheduler="sync"):
        lazy = clf.predict(da.from_array(X, chunks=100))
        np.testing.assert_array_equal(lazy.compute(scheduler="sync"), clf.predict(X))


# -- search across the cluster ------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("search", ["grid", "random"])
def test_search_under_the_dask_backend_equals_the_serial_search(client, search):
    X, y, _, _ = _data(n=240)
    grid = {"activation": ["relu", "tanh"], "hidden_layer_sizes": [(4,), (4, 4)]}
    est = FFNClassifier(solver="lbfgs", max_iter=30, random_state=0)
    if search == "grid":
        make = lambda: GridSearchCV(est, grid, cv=3)  # noqa: E731
    else:
        make = lambda: RandomizedSearchCV(est, grid, n_iter=3, cv=3, random_state=0)  # noqa: E731
    serial = make().fit(X, y)
    with (
        distributed.get_task_stream(client) as stream,
        joblib.parallel_config(backend="dask"),
    ):
        spread = make().fit(X, y)
    # The fits ran on the workers (the task stream may miss the last ones).
    assert any(t["key"].startswith("batch_of__fit_and_score") for t in stream.data)
    for key in ("params", "mean_test_score"):
        assert list(spread.cv_results_[key]) == list(serial.cv_results_[key])
    for split in range(3):
        key = f"split{split}_test_score"
        np.testing.assert_array_equal(spread.cv_results_[key], serial.cv_results_[key])


# -- partial_fit ---------------------------------------------------------------------
def test_partial_fit_on_one_block_continues_as_in_memory(client):
    X, y, _, _ = _data()
    classes = np.array(["cat", "dog", "eel"])
    memory = FFNClassifier((8,), random_state=0)
    on_dask = FFNClassifier((8,), random_state=0)
    for half in (slice(0, 300), slice(300, 600)):
        memory.partial_fit(X[half], y[half], classes=classes)
        on_dask.partial_fit(da.from_array(X[half], chunks=-1), y[half], classes=classes)
    assert _rel_diff(memory, on_dask) == 0
    with pytest.raises(ValueError, match="classes not in"):
        on_dask.partial_fit(da.from_array(X[:10]), np.array(["fox"] * 10))
