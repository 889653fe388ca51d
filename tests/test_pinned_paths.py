"""Values, not shapes: the paths that a planted fault once slipped through.

Each test pins one behaviour a user sees against an oracle:

- ``ProgressBar(max_propagation_depth=d)``: the bars scikit-learn's own
  ``ProgressBar`` draws at the same depth;
- streaming sgd/adam over several dask blocks with sample weights: the
  in-memory fit (bit for bit where the streaming order is the in-memory one,
  ``shuffle=False``), and the weighted mean a constant model must learn;
- float32 on dask: the in-memory float32 fit;
- pickling: the live model before ``pickle.dumps``;
- the heads' exact path for infinite logits: the seed for large finite logits;
- an interrupted L-BFGS: the loss function itself at the weights returned;
- a callback reading the model during L-BFGS: the fit's final loss curve.

The fault each test was written against is named in its docstring.
"""

from __future__ import annotations

import pickle
import re
import warnings

import numpy as np
import pytest
from _extras import require_extra, require_sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skffnn import FFNClassifier, FFNRegressor

pytestmark = [
    pytest.mark.usefixtures("single_threaded_blas"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]


def _weights(est):
    return est.coefs_ + est.intercepts_


def _assert_same_model(a, b):
    for p, q in zip(_weights(a), _weights(b), strict=True):
        assert p.dtype == q.dtype
        assert_array_equal(p, q)


# -- 1. ProgressBar's propagation depth ------------------------------------------------
@pytest.fixture
def wide_rich(monkeypatch):
    """rich's global console at a width that cuts no description."""
    rich = require_extra("rich", "progress")
    from rich.console import Console

    monkeypatch.setattr(rich, "_console", Console(width=240))


_STEP = re.compile(r"  (?:epoch|iteration) \d+  loss \S+$")


def _bar_names(text):
    """Each bar's description, without the loss that skffnn's bar adds."""
    names = []
    for line in text.splitlines():
        if "━" in line:
            names.append(_STEP.sub("", line.split("━")[0].rstrip()))
    return names


@pytest.mark.parametrize("depth", [0, 1, 2, None])
def test_progress_bar_depth_shows_the_bars_sklearns_progress_bar_shows(
    wide_rich, capsys, depth
):
    """Fault: ``ProgressBar`` passes ``max_propagation_depth=1`` whatever it gets."""
    require_sklearn("sklearn.callback", "1.9")
    from sklearn.callback import ProgressBar as SkProgressBar

    from skffnn import ProgressBar

    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(
        StandardScaler(), FFNClassifier(hidden_layer_sizes=(4,), random_state=0)
    )
    grid = {"ffnclassifier__max_iter": [2, 3]}
    shown = {}
    for name, bar in (("ours", ProgressBar), ("sklearn", SkProgressBar)):
        search = GridSearchCV(pipe, grid, cv=2)
        search.set_callbacks(bar(max_propagation_depth=depth)).fit(X, y)
        shown[name] = _bar_names(capsys.readouterr().out)
    assert shown["ours"] == shown["sklearn"]
    networks = [n for n in shown["ours"] if "FFNClassifier - fit" in n]
    # 4 fits in the folds and the refit, two levels below the search.
    assert len(networks) == (5 if depth is None or depth >= 2 else 0)
    assert shown["ours"][0] == "GridSearchCV - fit"


def test_progress_bar_depth_zero_around_a_search_shows_no_network(wide_rich, capsys):
    """Fault: as above; the issue's exact case (a search of bare networks)."""
    require_sklearn("sklearn.callback", "1.9")
    from skffnn import ProgressBar

    X, y = load_iris(return_X_y=True)
    search = GridSearchCV(
        FFNClassifier(hidden_layer_sizes=(4,), random_state=0),
        {"max_iter": [2, 3]},
        cv=2,
    )
    search.set_callbacks(ProgressBar(max_propagation_depth=0)).fit(X, y)
    assert _bar_names(capsys.readouterr().out) == [
        "GridSearchCV - fit",
        "  GridSearchCV - search #0",
    ]


# -- 2 and 3. dask: several blocks, sample weights, float32 ----------------------------
@pytest.fixture
def local_dask():
    """dask's synchronous scheduler in this process (no distributed client)."""
    dask = require_extra("dask", "dask")
    require_extra("dask.array", "dask")
    distributed = require_extra("distributed", "dask")
    try:
        distributed.default_client()
    except ValueError:
        pass
    else:  # pragma: no cover - a client left by another module
        pytest.skip("a distributed client is active; this test uses the local path")
    with dask.config.set(scheduler="synchronous"):
        yield __import__("dask.array").array


UNEVEN = (23, 101, 64, 52)  # 240 rows in 4 blocks; batches straddle the borders


def _weighted_data(n=240, seed=0, dtype=np.float64):
    rs = np.random.RandomState(seed)
    X = rs.normal(size=(n, 4)).astype(dtype)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int) + (X[:, 2] > 0.7)
    Yr = np.column_stack([np.sin(X[:, 0]) + X[:, 1], X[:, 2] * X[:, 3]])
    sw = rs.uniform(0.0, 3.0, size=n)
    sw[rs.rand(n) < 0.2] = 0.0  # rows that must not count at all
    return X, y, Yr, sw


STREAMING = [
    (FFNClassifier, dict(solver="adam", learning_rate_init=0.01)),
    (FFNRegressor, dict(solver="sgd", learning_rate_init=0.01, momentum=0.5)),
    (FFNClassifier, dict(solver="sgd", nesterovs_momentum=False)),
]


def _streamer(est_class, kw, **more):
    return est_class(
        hidden_layer_sizes=(5,), max_iter=4, batch_size=30, random_state=0,
        **{**kw, **more},
    )  # fmt: skip


@pytest.mark.parametrize(("est_class", "kw"), STREAMING)
def test_unshuffled_stream_over_several_weighted_blocks_is_the_in_memory_fit(
    local_dask, est_class, kw
):
    """Fault: the rows of a streamed block meet another block's weights.

    Without shuffling the stream's minibatches are the in-memory ones, row for
    row (a batch may end one block and begin the next), so the fit is the
    in-memory fit bit for bit.
    """
    da = local_dask
    X, y, Yr, sw = _weighted_data()
    target = y if est_class is FFNClassifier else Yr
    memory = _streamer(est_class, kw, shuffle=False).fit(X, target, sample_weight=sw)
    on_dask = _streamer(est_class, kw, shuffle=False).fit(
        da.from_array(X, chunks=(UNEVEN, -1)), target, da.from_array(sw, chunks=UNEVEN)
    )
    _assert_same_model(memory, on_dask)
    assert on_dask.loss_curve_ == memory.loss_curve_
    # ... and the weights matter: an unweighted fit is another model.
    unweighted = _streamer(est_class, kw, shuffle=False).fit(X, target)
    assert not np.array_equal(unweighted.coefs_[0], on_dask.coefs_[0])


@pytest.mark.parametrize("early_stopping", [False, True], ids=["all", "split"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_shuffled_stream_keeps_each_rows_weight_with_the_row(
    local_dask, solver, early_stopping
):
    """Fault: the rows are shuffled within a block, their weights are not.

    Half the rows have target 0 and weight 1, the other half target 10 and
    weight 0: a model of features that carry no information must predict the
    weighted mean, 0 (paired wrongly, about 5). With early stopping the rows
    are first split across the blocks: the weights must follow them there too.
    """
    da = local_dask
    rs = np.random.RandomState(1)
    n = 400
    X = rs.normal(scale=0.01, size=(n, 2))
    heavy = rs.rand(n) < 0.5
    y = np.where(heavy, 0.0, 10.0)
    sw = heavy.astype(float)
    kw = dict(
        hidden_layer_sizes=(3,), solver=solver, learning_rate_init=0.05,
        max_iter=40, batch_size=32, random_state=0, shuffle=True,
    )  # fmt: skip
    if solver == "sgd":
        kw.update(learning_rate_init=0.01, momentum=0.5)
    if early_stopping:
        kw.update(early_stopping=True, validation_fraction=0.2, n_iter_no_change=40)
    on_dask = FFNRegressor(**kw).fit(
        da.from_array(X, chunks=((50, 150, 120, 80), -1)),
        y,
        da.from_array(sw, chunks=(50, 150, 120, 80)),
    )
    memory = FFNRegressor(**kw).fit(X, y, sample_weight=sw)
    assert abs(float(np.mean(memory.predict(X)))) < 0.5  # the oracle's own answer
    assert abs(float(np.mean(on_dask.predict(X)))) < 0.5


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_float32_on_several_dask_blocks_fits_and_predicts_in_float32(
    local_dask, solver
):
    """Fault: the dask path trains in float64 whatever X's dtype.

    The oracle is the in-memory float32 fit: bit for bit for the stochastic
    solvers without shuffling (the same minibatches), to float32 rounding for
    L-BFGS (the blocks' gradients are summed in another order).
    """
    da = local_dask
    X, y, _, sw = _weighted_data(dtype=np.float32)
    kw = dict(
        hidden_layer_sizes=(5,), solver=solver, max_iter=5, batch_size=30,
        shuffle=False, random_state=0,
    )  # fmt: skip
    memory = FFNClassifier(**kw).fit(X, y, sample_weight=sw)
    Xd = da.from_array(X, chunks=(UNEVEN, -1))
    on_dask = FFNClassifier(**kw).fit(Xd, y, da.from_array(sw, chunks=UNEVEN))
    assert {w.dtype for w in _weights(on_dask)} == {np.dtype(np.float32)}
    if solver == "lbfgs":
        for p, q in zip(_weights(memory), _weights(on_dask), strict=True):
            assert_allclose(q, p, rtol=2e-3, atol=2e-4)
    else:
        _assert_same_model(memory, on_dask)
    proba = on_dask.predict_proba(Xd).compute()
    assert proba.dtype == np.float32
    assert_array_equal(proba, on_dask.predict_proba(X))


def test_partial_fit_over_several_weighted_blocks_is_the_in_memory_partial_fit(
    local_dask,
):
    """Sibling of the above: ``partial_fit``'s one epoch streams as ``fit``'s."""
    da = local_dask
    X, y, _, sw = _weighted_data()
    classes = np.unique(y)
    kw = dict(hidden_layer_sizes=(5,), solver="sgd", batch_size=30, shuffle=False)
    memory = FFNClassifier(random_state=0, **kw)
    on_dask = FFNClassifier(random_state=0, **kw)
    for rows in (slice(0, 150), slice(150, 240), slice(0, 240)):
        memory.partial_fit(X[rows], y[rows], classes=classes, sample_weight=sw[rows])
        n = rows.stop - rows.start
        chunks = (n // 3, n // 3, n - 2 * (n // 3))
        on_dask.partial_fit(
            da.from_array(X[rows], chunks=(chunks, -1)), y[rows], classes=classes,
            sample_weight=da.from_array(sw[rows], chunks=chunks),
        )  # fmt: skip
    _assert_same_model(memory, on_dask)
    assert on_dask.loss_curve_ == memory.loss_curve_
    assert on_dask.t_ == memory.t_ == 480


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_float32_early_stopping_on_several_blocks_stays_float32(local_dask, solver):
    """Sibling: the validation split of a float32 dask array keeps float32."""
    da = local_dask
    X, y, _, sw = _weighted_data(dtype=np.float32)
    est = FFNClassifier(
        hidden_layer_sizes=(5,), solver=solver, max_iter=4, batch_size=30,
        random_state=0, early_stopping=True, n_iter_no_change=10,
    ).fit(
        da.from_array(X, chunks=(UNEVEN, -1)), y, da.from_array(sw, chunks=UNEVEN)
    )  # fmt: skip
    assert {w.dtype for w in _weights(est)} == {np.dtype(np.float32)}
    assert est.t_ == est.n_iter_ * (240 - 24)  # ceil(0.1 * 240) rows held out
    assert len(est.validation_scores_) == est.n_iter_
    assert np.isfinite(est.validation_scores_).all()
    assert est.predict_proba(X).dtype == np.float32


# -- 4. pickling leaves the live model alone -------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda: FFNClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0),
        lambda: FFNRegressor(solver="lbfgs", max_iter=3, random_state=0),
    ],
    ids=["classifier-adam", "regressor-lbfgs"],
)
@pytest.mark.parametrize("fitted", [False, True], ids=["unfitted", "fitted"])
def test_pickling_does_not_touch_the_live_model(make, fitted):
    """Fault: ``__getstate__`` writes the version stamp into the instance's own dict."""
    est = make()
    if fitted:
        X, y = load_iris(return_X_y=True)
        est.fit(X, y)
    before = pickle.dumps(dict(vars(est)))  # every attribute's value, as bytes
    ids = {name: id(value) for name, value in vars(est).items()}
    state = est.__getstate__()
    assert state is not est.__dict__
    blob = pickle.dumps(est)
    assert "_skffnn_version" not in vars(est)
    # nothing added, removed or rebound; no value changed
    assert {name: id(value) for name, value in vars(est).items()} == ids
    assert pickle.dumps(dict(vars(est))) == before
    # The state handed out is the model's, so the copy predicts the same.
    twin = pickle.loads(blob)
    assert vars(twin).keys() == vars(est).keys()


# -- 5. the heads' exact path for infinite logits --------------------------------------
def _finite_stand_in(z):
    """``z`` with +-inf replaced by +-1e300: the same probabilities, finite."""
    return np.where(np.isposinf(z), 1e300, np.where(np.isneginf(z), -1e300, z))


INFINITE_CASES = {
    # head name -> (logits with infinities, targets)
    "log_loss": (
        np.array([[np.inf, 0.0, 1.0], [-np.inf, 2.0, 0.5], [0.1, 0.2, -0.3],
                  [3.0, -np.inf, -np.inf]]),
        np.eye(3)[[0, 1, 2, 0]],
    ),
    "binary_log_loss": (
        np.array([[np.inf, -np.inf], [-np.inf, 0.3], [1.0, 2.0], [0.0, np.inf]]),
        np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 1.0]]),
    ),
}  # fmt: skip


@pytest.mark.parametrize("in_place", [False, True], ids=["new", "out=z"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name", sorted(INFINITE_CASES))
def test_exact_path_seed_equals_the_seed_of_large_finite_logits(
    name, weighted, in_place
):
    """Fault: the exact path returns an unscaled seed (or ``link(z)`` without ``- y``).

    Uses ``skffnn._losses.get_head`` (private module, stable function).
    """
    from skffnn._losses import get_head

    z, y = INFINITE_CASES[name]
    w = np.array([1.0, 2.0, 0.5, 3.0]) if weighted else None
    head = get_head(name)
    finite = _finite_stand_in(z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        zi = z.copy()
        loss, seed = head.loss_and_seed(zi, y, w, out=zi if in_place else None)
        want_loss, want_seed = head.loss_and_seed(finite.copy(), y, w)
    assert_allclose(seed, want_seed, rtol=1e-15, atol=0)
    assert_allclose(loss, want_loss, rtol=1e-14)
    # the seed's closed form: (link(z) - y) * w / sum(w)
    share = np.full(len(z), 1 / len(z)) if w is None else w / w.sum()
    closed = (head.link(finite) - y) * share[:, None]
    assert_allclose(seed, closed, rtol=1e-14, atol=1e-300)


# -- 6. an interrupted L-BFGS returns what it reports ----------------------------------
class _Interrupting:
    """A quadratic ``theta -> (loss, grad)`` that raises Ctrl-C at evaluation ``k``."""

    def __init__(self, k, dtype=np.float64):
        rs = np.random.RandomState(0)
        a = rs.normal(size=(8, 8))
        self.A = (a @ a.T + 0.1 * np.eye(8)).astype(dtype)
        self.b = rs.normal(size=8).astype(dtype)
        self.k, self.calls = k, 0

    def loss_and_grad(self, theta):
        g = self.A @ theta - self.b
        return float(0.5 * theta @ self.A @ theta - self.b @ theta), g

    def __call__(self, theta):
        self.calls += 1
        if self.calls == self.k:
            raise KeyboardInterrupt
        return self.loss_and_grad(theta)


@pytest.mark.parametrize("k", [2, 3, 5, 9])
@pytest.mark.parametrize("with_report", [False, True], ids=["plain", "report"])
def test_interrupted_lbfgs_returns_weights_whose_loss_is_the_loss_reported(
    k, with_report
):
    """Fault: the best weights are kept by reference (the buffer then moves on).

    Uses ``skffnn._solvers.minimize_lbfgs`` (private module).
    """
    from skffnn._solvers import minimize_lbfgs

    fun = _Interrupting(k)
    theta0 = np.ones(8)
    report = (lambda t, loss: 3.0 * loss + 1.0) if with_report else None
    res = minimize_lbfgs(
        fun, theta0, max_iter=100, max_fun=1000, tol=1e-12, report=report
    )
    assert res.interrupted and not res.success
    assert fun.calls == k  # interrupted at evaluation k, after k - 1 finite ones
    loss, _ = fun.loss_and_grad(res.theta)
    assert res.loss == (3.0 * loss + 1.0 if with_report else loss)
    # the best of the losses evaluated before the interruption
    assert loss <= fun.loss_and_grad(theta0)[0]
    assert_array_equal(theta0, np.ones(8))  # the start is not written


# -- 7. a callback reading the model during L-BFGS -------------------------------------
class _ModelReader:
    """Reads ``loss_``, ``loss_curve_`` and ``n_iter_`` of the model at each step."""

    def __init__(self):
        self.seen = []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(
        self, estimator, context, *, X=None, y=None, metadata=None,
        fitted_estimator=None,
    ):  # fmt: skip
        m = fitted_estimator
        if context.parent is not None and m is not None and X is not None:
            self.seen.append((m.loss_, list(m.loss_curve_), m.n_iter_))
        return False


@pytest.mark.parametrize("Est", [FFNClassifier, FFNRegressor])
def test_callback_reading_the_model_during_lbfgs_sees_loss_as_last_of_the_curve(Est):
    """Fault: the model at an L-BFGS iteration has ``loss_`` None (the history's)."""
    require_sklearn("sklearn.callback", "1.9")
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    reader = _ModelReader()
    est = Est(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=7, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.set_callbacks(reader).fit(X, y)
    assert len(reader.seen) == est.n_iter_ == 7
    for i, (loss, curve, n_iter) in enumerate(reader.seen, start=1):
        assert n_iter == i == len(curve)
        assert loss == curve[-1]
        assert curve == est.loss_curve_[:i]  # the fit's own curve, so far
    assert reader.seen[-1][0] == est.loss_


# -- holes the mutation run found (tests/mutation/README.md) ---------------------------
@pytest.mark.parametrize("learning_rate_init", [1e-6, 5e-6, 2.5e-5])
def test_adaptive_schedule_stops_at_sklearns_threshold(learning_rate_init):
    """Mutant: ``learning_rate > 1e-6`` as ``>= 1e-6`` (one more division at 1e-6).

    scikit-learn stops once the rate is at most 1e-6; these starting rates
    reach 1e-6 exactly after 0, 1 and 2 divisions by 5.
    """
    from sklearn.neural_network import MLPClassifier

    X, y = load_iris(return_X_y=True)
    params = dict(
        hidden_layer_sizes=(4,), solver="sgd", learning_rate="adaptive",
        learning_rate_init=learning_rate_init, tol=10.0, n_iter_no_change=1,
        max_iter=50, random_state=0,
    )  # fmt: skip
    ours = FFNClassifier(**params).fit(X, y)
    theirs = MLPClassifier(**params).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ < 50
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_epoch_times_are_durations_within_the_fits_wall_time(solver):
    """Mutant: L-BFGS times an iteration as ``now / start`` (about 1), not a span."""
    import time

    X, y = load_iris(return_X_y=True)
    est = FFNClassifier(
        hidden_layer_sizes=(4,), solver=solver, max_iter=6, random_state=0
    )
    start = time.perf_counter()
    est.fit(X, y)
    wall = time.perf_counter() - start
    assert len(est.epoch_times_) == est.n_iter_
    assert all(t > 0 for t in est.epoch_times_)
    assert sum(est.epoch_times_) <= wall


def test_dask_fit_refuses_weight_on_one_class_as_in_memory(local_dask):
    """Mutant: the weighted-classes check runs only when there are no weights."""
    da = local_dask
    rs = np.random.RandomState(0)
    X = rs.normal(size=(100, 3))
    y = (X[:, 0] > 0).astype(int)
    sw = np.where(y == 1, 1.0, 0.0)  # every positive weight on class 1
    chunks = (30, 30, 40)
    est = FFNClassifier(max_iter=2, solver="lbfgs")
    with pytest.raises(ValueError) as in_memory:
        est.fit(X, y, sample_weight=sw)
    with pytest.raises(ValueError) as on_dask:
        est.fit(
            da.from_array(X, chunks=(chunks, -1)), y, da.from_array(sw, chunks=chunks)
        )
    assert "Only one class has non-zero sample weight" in str(in_memory.value)
    assert str(on_dask.value) == str(in_memory.value)


def test_dask_prediction_error_names_the_block_and_its_rows(local_dask):
    """Mutant: the last row of the block in the message as ``hi % 1`` (0)."""
    da = local_dask
    rs = np.random.RandomState(0)
    X = rs.normal(size=(100, 3))
    est = FFNClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0)
    est.fit(X, (X[:, 0] > 0).astype(int))
    X[75, 1] = np.nan
    lazy = est.predict(da.from_array(X, chunks=((30, 30, 40), -1)))
    with pytest.raises(ValueError, match=r"^X's block 2 \(rows 60 to 99\): Input X"):
        lazy.compute()
