"""scikit-learn's callback API on skffnn's estimators (skffnn/_callbacks.py).

The oracles: the task tree scikit-learn's own supporting estimators build (one
root task, one subtask per iteration, every begin matched by an end), the
fitted model itself (a ScoringMonitor's last score is ``score``; a model
reconstructed at epoch k predicts as a separate fit stopped by ``max_iter=k``
with the same random_state), and a fit in a process where ``sklearn.callback``
cannot be imported.
"""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
import textwrap
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
from _extras import require_extra, require_sklearn
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skffnn import FFNClassifier, FFNRegressor
from skffnn._callbacks import NULL_WATCH, start_fit

# scikit-learn 1.9 brought the callback API; older ones skip this module (the
# estimators still fit there: tests/test_window.py).
ScoringMonitor = require_sklearn("sklearn.callback", "1.9").ScoringMonitor
pytestmark = pytest.mark.usefixtures("single_threaded_blas")

ROOT = Path(__file__).resolve().parents[1]
SOLVERS = ["sgd", "adam", "lbfgs"]
STOCHASTIC = ["sgd", "adam"]


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=80, n_features=4, noise=1.0, random_state=0)
    return X, y / y.std()


def small_clf(solver, **params):
    defaults = dict(
        hidden_layer_sizes=(8,), solver=solver, max_iter=6, random_state=0,
        learning_rate_init=0.01, tol=0.0, n_iter_no_change=1000,
    )  # fmt: skip
    return FFNClassifier(**{**defaults, **params})


class Recorder:
    """A FitCallback of this test's own: records every hook, in order."""

    def __init__(self, stop_at=None, keep_models=False, fail_at=None):
        self.stop_at, self.keep_models, self.fail_at = stop_at, keep_models, fail_at
        self.events = []
        self.models = {}  # (hook, epoch number) -> fitted_estimator

    def setup(self, estimator, context):
        self.events.append(("setup", None))

    def teardown(self, estimator, context):
        self.events.append(("teardown", None))

    def on_fit_task_begin(
        self, estimator, context, *, X=None, y=None, metadata=None,
        fitted_estimator=None,
    ):  # fmt: skip
        self._record("begin", context, X, fitted_estimator)

    def on_fit_task_end(
        self, estimator, context, *, X=None, y=None, metadata=None,
        fitted_estimator=None,
    ):  # fmt: skip
        self._record("end", context, X, fitted_estimator)
        is_step = context.parent is not None
        if is_step and self.fail_at == context.task_id + 1:
            raise ValueError("callback failed on purpose")
        return is_step and self.stop_at == context.task_id + 1

    def _record(self, hook, context, X, fitted):
        is_step = context.parent is not None
        self.events.append(
            (hook, context.task_name, context.task_id, is_step, X is not None)
        )
        if is_step and self.keep_models and fitted is not None:
            # fitted_estimator is only built when the hook asks for it
            self.models[hook, context.task_id + 1] = fitted

    def steps(self, hook, with_data=None):
        return [
            e for e in self.events
            if e[0] == hook and e[3] and (with_data is None or e[4] == with_data)
        ]  # fmt: skip

    def roots(self, hook):
        return [e for e in self.events if e[0] == hook and not e[3]]


def check_task_tree(rec, est, root_name, n_steps):
    """One root task around n_steps epochs/iterations, every begin closed."""
    assert rec.events[0] == ("setup", None) and rec.events[-1] == ("teardown", None)
    assert [e[1] for e in rec.roots("begin")] == [root_name]
    assert [e[1] for e in rec.roots("end")] == [root_name]
    assert rec.events[1][0] == "begin" and not rec.events[1][3]
    assert rec.events[-2][0] == "end" and not rec.events[-2][3]
    step_name = "iteration" if est.solver == "lbfgs" else "epoch"
    begins, ends = rec.steps("begin"), rec.steps("end")
    # Begins and ends alternate, ids count up from 0.
    inner = [e for e in rec.events[2:-2]]
    assert [e[0] for e in inner] == ["begin", "end"] * (len(inner) // 2)
    assert [e[2] for e in begins] == list(range(len(begins)))
    assert [e[2] for e in ends] == list(range(len(begins)))
    assert {e[1] for e in begins + ends} <= {step_name}
    # Steps that ran carry the data; L-BFGS may close one it opened but scipy
    # never ran (as scikit-learn's LogisticRegression does), empty.
    assert len(rec.steps("end", with_data=True)) == n_steps
    n_empty = len(rec.steps("end", with_data=False))
    assert n_empty == 0 or (est.solver == "lbfgs" and n_empty == 1)
    assert rec.steps("end")[-1][4] or n_empty == 1


# -- the task tree --------------------------------------------------------------
@pytest.mark.parametrize("solver", SOLVERS)
def test_fit_is_one_root_task_with_one_subtask_per_epoch(iris, solver):
    X, y = iris
    rec = Recorder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = small_clf(solver).set_callbacks(rec).fit(X, y)
    assert clf.n_iter_ == 6
    check_task_tree(rec, clf, "fit", clf.n_iter_)


def test_lbfgs_converging_early_counts_the_iterations_it_ran(iris):
    X, y = iris
    rec = Recorder()
    clf = small_clf("lbfgs", max_iter=500, tol=1e-3).set_callbacks(rec).fit(X, y)
    assert 0 < clf.n_iter_ < 500
    check_task_tree(rec, clf, "fit", clf.n_iter_)


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_is_one_task_with_one_epoch(iris, solver):
    X, y = iris
    clf = small_clf(solver)
    for _ in range(3):
        rec = Recorder()
        clf.set_callbacks(rec)
        clf.partial_fit(X, y, classes=np.unique(y))
        check_task_tree(rec, clf, "partial_fit", 1)
    assert len(clf.loss_curve_) == 3


@pytest.mark.parametrize("solver", SOLVERS)
def test_warm_start_fit_is_a_new_root_task_over_its_own_epochs(iris, solver):
    X, y = iris
    clf = small_clf(solver, max_iter=4, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        first = len(clf.loss_curve_)
        rec = Recorder()
        clf.set_callbacks(rec).fit(X, y)
    check_task_tree(rec, clf, "fit", clf.n_iter_)
    if solver != "lbfgs":
        assert len(clf.loss_curve_) == first + clf.n_iter_


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_early_stopping_ends_the_task_at_the_stopping_epoch(iris, solver):
    X, y = iris
    rec = Recorder()
    clf = small_clf(
        solver, early_stopping=True, n_iter_no_change=2, tol=0.5, max_iter=50,
        validation_fraction=0.2,
    ).set_callbacks(rec)  # fmt: skip
    clf.fit(X, y)
    assert clf.n_iter_ < 50  # stopped by early stopping, not max_iter
    assert len(clf.validation_scores_) == clf.n_iter_
    check_task_tree(rec, clf, "fit", clf.n_iter_)


# -- stop requests ---------------------------------------------------------------
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Est", [FFNClassifier, FFNRegressor])
def test_stop_request_at_epoch_3_leaves_a_model_fitted_for_3_epochs(
    iris, regression, solver, Est
):
    X, y = iris if Est is FFNClassifier else regression
    params = dict(
        hidden_layer_sizes=(8,), solver=solver, max_iter=50, random_state=0,
        learning_rate_init=0.01, tol=0.0, n_iter_no_change=1000,
    )  # fmt: skip
    rec = Recorder(stop_at=3, keep_models=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # in particular no ConvergenceWarning
        est = Est(**params).set_callbacks(rec).fit(X, y)
    assert est.n_iter_ == 3
    assert len(est.loss_curve_) == 3
    assert len(est.epoch_times_) == 3
    assert est.loss_ == est.loss_curve_[-1] or solver == "lbfgs"
    assert len(rec.steps("end", with_data=True)) == 3
    check_task_tree(rec, est, "fit", 3)
    # The model the callback saw when it asked to stop is the one returned.
    assert_array_equal(rec.models["end", 3].predict(X), est.predict(X))
    # ... and the one a fit limited to 3 epochs returns.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        oracle = Est(**{**params, "max_iter": 3}).fit(X, y)
    # The bookkeeping too (t_, best_loss_, the loss curve).
    assert est.t_ == oracle.t_
    assert getattr(est, "best_loss_", None) == getattr(oracle, "best_loss_", None)
    assert_allclose(est.loss_curve_, oracle.loss_curve_, rtol=1e-10)
    for mine, ref in zip(
        est.coefs_ + est.intercepts_, oracle.coefs_ + oracle.intercepts_
    ):
        assert_allclose(mine, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_stop_request_in_partial_fit_keeps_its_one_epoch(iris, solver):
    X, y = iris
    clf = small_clf(solver).set_callbacks(Recorder(stop_at=1))
    clf.partial_fit(X, y, classes=np.unique(y))
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 1


@given(k=st.integers(1, 5), solver=st.sampled_from(SOLVERS))
def test_stop_request_at_any_epoch_sets_n_iter_to_it(k, solver):
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = small_clf(solver, max_iter=10).set_callbacks(Recorder(stop_at=k))
        clf.fit(X, y)
    assert clf.n_iter_ == k == len(clf.loss_curve_) == len(clf.epoch_times_)


# -- fitted_estimator: the model as it was at that epoch -----------------------------
@pytest.mark.parametrize("solver", SOLVERS)
def test_fitted_estimator_at_epoch_k_predicts_as_a_fit_of_k_epochs(iris, solver):
    X, y = iris
    rec = Recorder(keep_models=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        small_clf(solver, max_iter=5).set_callbacks(rec).fit(X, y)
        for k in (1, 2, 5):
            oracle = small_clf(solver, max_iter=k).fit(X, y)
            at_k = rec.models["end", k]
            assert at_k.n_iter_ == k and len(at_k.loss_curve_) == k
            assert_allclose(
                at_k.predict_proba(X), oracle.predict_proba(X), rtol=1e-10, atol=1e-12
            )
            assert_array_equal(at_k.predict(X), oracle.predict(X))
    # An epoch starts from where the previous one ended.
    for k in (1, 4):
        assert_allclose(
            rec.models["begin", k + 1].predict_proba(X),
            rec.models["end", k].predict_proba(X),
        )


def test_fitted_estimators_do_not_share_weights_with_training(iris):
    X, y = iris
    rec = Recorder(keep_models=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = small_clf("adam", max_iter=3).set_callbacks(rec).fit(X, y)
    first, last = rec.models["end", 1], rec.models["end", 3]
    assert not np.shares_memory(first.coefs_[0], last.coefs_[0])
    assert not np.shares_memory(last.coefs_[0], clf.coefs_[0])
    assert not np.allclose(first.coefs_[0], last.coefs_[0])


# -- ScoringMonitor -----------------------------------------------------------
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    "Est, scoring", [(FFNClassifier, "accuracy"), (FFNRegressor, "r2")]
)
def test_scoring_monitor_one_row_per_epoch_and_the_root_scores_the_model(
    iris, regression, solver, Est, scoring
):
    X, y = iris if Est is FFNClassifier else regression
    monitor = ScoringMonitor(scoring=scoring)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = Est(
            hidden_layer_sizes=(8,), solver=solver, max_iter=7, random_state=0
        ).set_callbacks(monitor)
        est.fit(X, y)
    rows = monitor.get_logs().data
    steps = [r for r in rows if len(r["task_id_path"]) == 2]
    roots = [r for r in rows if len(r["task_id_path"]) == 1]
    assert len(steps) == est.n_iter_ and len(roots) == 1
    assert [r["task_id"] for r in steps] == list(range(est.n_iter_))
    assert roots[0][scoring] == pytest.approx(est.score(X, y), rel=1e-12)
    # The last epoch's model is the returned one.
    assert steps[-1][scoring] == pytest.approx(est.score(X, y), rel=1e-12)


def test_scoring_monitor_scores_with_the_fit_sample_weight(iris):
    X, y = iris
    sw = np.random.default_rng(0).uniform(0.1, 3, size=len(y))
    monitor = ScoringMonitor(scoring="accuracy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = small_clf("adam").set_callbacks(monitor).fit(X, y, sample_weight=sw)
    root = monitor.get_logs().data[0]
    assert root["accuracy"] == pytest.approx(clf.score(X, y, sample_weight=sw))
    assert root["accuracy"] != pytest.approx(clf.score(X, y))


# -- the estimator contract ------------------------------------------------------
def test_fit_without_callbacks_opens_no_context(iris):
    X, y = iris
    clf = small_clf("adam", max_iter=2)
    assert start_fit(clf, X, y, task_name="fit", max_subtasks=2) is NULL_WATCH
    assert NULL_WATCH.iteration_end(lambda: 1 / 0) is False  # never evaluated
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert not hasattr(clf, "_callback_fit_ctx")
    assert not hasattr(clf, "_skl_callbacks")


def test_inside_a_watched_pipeline_the_network_joins_its_task_tree(iris):
    # A callback of the Pipeline's own (not auto-propagated) leaves the network
    # without callbacks, but its epochs still join the Pipeline's task tree.
    X, y = iris
    roots = []

    class Tree(Recorder):
        def setup(self, estimator, context):
            roots.append(context)

    pipe = make_pipeline(StandardScaler(), small_clf("adam", max_iter=4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.set_callbacks(Tree()).fit(X, y)
    assert not hasattr(pipe[-1], "_skl_callbacks")
    tree = [(c.estimator_name, c.task_name) for c in roots[0]]
    assert tree.count(("FFNClassifier", "epoch")) == pipe[-1].n_iter_ == 4
    assert ("FFNClassifier", "fit") in tree


def test_callbacks_survive_clone_and_pickle_but_not_params(iris):
    X, y = iris
    monitor = ScoringMonitor(scoring="accuracy")
    clf = small_clf("lbfgs", max_iter=3).set_callbacks(monitor)
    assert "callbacks" not in " ".join(clf.get_params())
    assert clone(clf)._skl_callbacks[0] is monitor
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    assert_array_equal(restored.predict(X), clf.predict(X))
    assert not hasattr(restored, "_callback_fit_ctx")
    clf.set_callbacks()
    assert not hasattr(clf, "_skl_callbacks")


def test_set_callbacks_rejects_what_is_not_a_fit_callback():
    with pytest.raises(TypeError, match="FitCallback protocol"):
        FFNClassifier().set_callbacks(object())


def test_a_failing_callback_tears_down_and_leaves_the_model_as_before(iris):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = small_clf("sgd", max_iter=3).fit(X, y)
    before = [c.copy() for c in clf.coefs_]
    rec = Recorder(fail_at=2)
    clf.set_callbacks(rec)
    with pytest.raises(ValueError, match="failed on purpose"):
        clf.fit(X, y)
    assert rec.events[-1] == ("teardown", None)
    assert not hasattr(clf, "_callback_fit_ctx")
    for c, b in zip(clf.coefs_, before):
        assert_array_equal(c, b)


# -- epoch_times_ -----------------------------------------------------------------
@pytest.mark.parametrize("solver", SOLVERS)
def test_epoch_times_are_positive_and_aligned_with_the_loss_curve(iris, solver):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = small_clf(solver, max_iter=5, warm_start=True).fit(X, y)
        assert len(clf.epoch_times_) == len(clf.loss_curve_) == clf.n_iter_
        clf.fit(X, y)
    assert len(clf.epoch_times_) == len(clf.loss_curve_)
    assert all(t > 0 for t in clf.epoch_times_)
    if solver != "lbfgs":
        clf.partial_fit(X, y)
        assert len(clf.epoch_times_) == len(clf.loss_curve_)


# -- ProgressBar ------------------------------------------------------------------
@pytest.fixture
def rich_width(monkeypatch):
    """``set(width)``: the width rich draws at (its global console, made once)."""
    rich = require_extra("rich", "progress")
    from rich.console import Console

    def set_width(width):
        monkeypatch.setattr(rich, "_console", Console(width=width))

    set_width(200)  # wide enough not to cut any description
    return set_width


@pytest.fixture
def progress_bar(rich_width):
    """skffnn's ProgressBar class."""
    from skffnn import ProgressBar

    return ProgressBar


def bars(text):
    """The final frame's lines (rich redraws; without a terminal it prints once)."""
    return [line.rstrip() for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("solver, step", [("adam", "epoch"), ("lbfgs", "iteration")])
def test_progress_bar_shows_the_last_epoch_and_its_loss(
    iris, progress_bar, capsys, solver, step
):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = small_clf(solver, max_iter=4).set_callbacks(progress_bar()).fit(X, y)
    out = bars(capsys.readouterr().out)
    line = f"FFNClassifier - fit  {step} {clf.n_iter_}  loss {clf.loss_curve_[-1]:.4g}"
    assert any(row.startswith(line) for row in out), out
    assert all(row.endswith(("100% 0:00:00", "100% 0:00:01")) for row in out), out


def test_progress_bar_inside_a_pipeline_shows_the_network(iris, progress_bar, capsys):
    X, y = iris
    clf = small_clf("sgd", max_iter=3)
    pipe = make_pipeline(StandardScaler(), clf).set_callbacks(progress_bar())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X, y)
    out = bars(capsys.readouterr().out)
    fitted = pipe[-1]
    expected = (
        "Pipeline - fit-final-estimator | FFNClassifier - fit #1  "
        f"epoch 3  loss {fitted.loss_curve_[-1]:.4g}"
    )
    assert any(expected in row for row in out), out
    assert "100%" in out[0]
    assert not hasattr(fitted, "_skl_callbacks")  # the propagation is undone


@pytest.mark.parametrize("Search", [GridSearchCV, RandomizedSearchCV])
def test_progress_bar_inside_a_search_shows_every_fit(
    iris, progress_bar, capsys, Search
):
    X, y = iris
    grid = {"max_iter": [2, 3]}
    kwargs = {"n_iter": 2, "random_state": 0} if Search is RandomizedSearchCV else {}
    search = Search(small_clf("adam"), grid, cv=2, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.set_callbacks(progress_bar()).fit(X, y)
    out = bars(capsys.readouterr().out)
    folds = [r for r in out if "candidate-split-evaluation | FFNClassifier - fit" in r]
    assert len(folds) == 4
    assert sorted(r.split("  epoch ")[1].split()[0] for r in folds) == list("2233")
    refit = [r for r in out if "refit-with-best-params | FFNClassifier - fit" in r]
    assert len(refit) == 1
    best = search.best_estimator_
    assert f"epoch {best.n_iter_}  loss {best.loss_curve_[-1]:.4g}" in refit[0]
    assert all("100%" in r for r in out), out
    assert not any(type(t).__name__ == "_LossMonitor" for t in threading.enumerate())


def test_progress_bar_thread_ends_when_a_fit_fails(iris, progress_bar, capsys):
    X, y = iris
    clf = small_clf("sgd").set_callbacks(progress_bar(), Recorder(fail_at=2))
    with pytest.raises(ValueError, match="failed on purpose"):
        clf.fit(X, y)
    assert not any(type(t).__name__ == "_LossMonitor" for t in threading.enumerate())


# -- the gallery example ---------------------------------------------------------
@pytest.mark.slow
def test_plot_watching_training_stops_where_its_callback_asked(rich_width, capsys):
    import runpy

    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    module = runpy.run_path(
        str(ROOT / "examples" / "plot_watching_training.py"), run_name="example"
    )
    result = module["main"]()
    out = capsys.readouterr().out
    clf, watched = module["clf"], module["watched"]
    # The bar shows the fit's last epoch and loss.
    assert f"epoch {watched.n_iter_}  loss {watched.loss_curve_[-1]:.4g}" in out
    # The fit stopped at the first epoch whose model reached the target ...
    scores = module["stopper"].scores
    first = next(i for i, s in enumerate(scores) if s >= 0.95) + 1
    assert result["epochs_stop_request"] == first == len(scores) < clf.max_iter
    # ... and the returned model is that epoch's.
    assert result["validation_accuracy_at_stop"] == pytest.approx(scores[-1])
    assert len(watched.epoch_times_) == watched.n_iter_
    import matplotlib.pyplot as plt

    plt.close("all")


# -- without the API --------------------------------------------------------------
@pytest.mark.slow
def test_without_sklearn_callback_the_package_fits_and_set_callbacks_says_why(
    tmp_path,
):
    script = textwrap.dedent(
        f"""
        import sys, warnings
        sys.path.insert(0, {str(ROOT)!r})
        # scikit-learn's own modules need sklearn.callback (1.9): import them,
        # then make it unimportable, as it is on scikit-learn 1.7 and 1.8.
        import sklearn.base, sklearn.pipeline, sklearn.model_selection
        import sklearn.callback._callback_support, sklearn.linear_model
        sys.modules["sklearn.callback"] = None
        import numpy as np
        from sklearn.datasets import load_iris
        import skffnn
        from skffnn import _callbacks
        from skffnn._callbacks import ProgressBar
        assert not _callbacks.HAVE_CALLBACK_API
        X, y = load_iris(return_X_y=True)
        warnings.simplefilter("ignore")
        out = []
        for solver in ("sgd", "adam", "lbfgs"):
            clf = skffnn.FFNClassifier(hidden_layer_sizes=(8,), solver=solver,
                                       max_iter=5, random_state=0).fit(X, y)
            out.append(clf.predict_proba(X))
        clf.set_params(solver="adam").partial_fit(X, y)
        for call in (lambda: clf.set_callbacks(), ProgressBar):
            try:
                call()
            except ImportError as exc:
                print(exc)
        np.save(sys.argv[1], np.concatenate(out))
        """
    )
    path = tmp_path / "proba.npy"
    proc = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    errors = proc.stdout.splitlines()
    assert len(errors) == 2, proc.stdout
    assert errors[0].startswith("set_callbacks needs scikit-learn >= 1.9")
    assert errors[1].startswith("ProgressBar needs scikit-learn >= 1.9")
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = [
            FFNClassifier(hidden_layer_sizes=(8,), solver=s, max_iter=5, random_state=0)
            .fit(X, y)
            .predict_proba(X)
            for s in SOLVERS
        ]
    assert_allclose(np.load(path), np.concatenate(ours), rtol=1e-12)


# -- the watch on its own (the interface the training loop calls) -----------------
class _Toy(FFNRegressor):
    """An estimator driving a watch by hand, as the training loop does."""


def test_watch_copies_reconstructed_arrays_and_closes_what_it_opened():
    rec = Recorder(keep_models=True)
    est = _Toy().set_callbacks(rec)
    coef = np.zeros(3)
    watch = start_fit(est, np.ones((2, 3)), np.ones(2), task_name="fit", max_subtasks=2)
    assert watch.active
    for _ in range(2):
        watch.iteration_begin(lambda: {"coef_": coef})
        np.add(coef, 1.0, out=coef)  # training updates its buffers in place
        assert watch.iteration_end(lambda: {"coef_": coef}) is False
    # The next begin exceeds max_subtasks (L-BFGS's iteration that never
    # runs): it opens nothing, and ending it would be a wiring mistake.
    watch.iteration_begin(lambda: {"coef_": coef})
    with pytest.raises(RuntimeError, match="more than max_subtasks=2"):
        watch.iteration_end(None)
    watch.end(None)
    assert_array_equal(rec.models["begin", 1].coef_, [0, 0, 0])
    assert_array_equal(rec.models["end", 1].coef_, [1, 1, 1])
    assert_array_equal(rec.models["end", 2].coef_, [2, 2, 2])
    assert len(rec.steps("begin")) == len(rec.steps("end")) == 2


def test_watch_end_closes_an_open_iteration_as_an_empty_task():
    rec = Recorder()
    est = _Toy().set_callbacks(rec)
    watch = start_fit(est, np.ones((2, 3)), np.ones(2), task_name="fit", max_subtasks=5)
    watch.iteration_begin(None)
    watch.end(None)
    assert [e[0] for e in rec.events] == ["setup", "begin", "begin", "end", "end"]
    assert rec.steps("end") == [("end", "epoch", 0, True, False)]
    with pytest.raises(RuntimeError, match="without iteration_end"):
        watch.iteration_begin(None)
        watch.iteration_begin(None)


# -- the documentation page's wide capture ----------------------------------------
def test_watching_training_page_shows_the_search_as_rich_prints_it(
    progress_bar, rich_width, capsys
):
    # tests/test_docs.py runs the page's examples at rich's default width;
    # this checks the capture the page shows for a 120-column terminal.
    rich_width(120)
    page = (ROOT / "docs" / "watching_training.md").read_text()
    marker = "<!-- captured with COLUMNS=120"
    shown = page[page.index(marker) :].split("```text\n", 1)[1].split("```", 1)[0]
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    search = GridSearchCV(
        FFNClassifier(max_iter=20, random_state=0),
        {"hidden_layer_sizes": [(5,), (20,)]},
        cv=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.set_callbacks(progress_bar()).fit(X, y)

    def normalized(text):
        text = re.sub(r"\d+:\d\d:\d\d", "0:00:00", text)  # wall times vary
        return [line.rstrip() for line in text.strip().splitlines()]

    assert normalized(capsys.readouterr().out) == normalized(shown)


@pytest.mark.filterwarnings("ignore:Stochastic Optimizer")
def test_progress_bar_thread_ends_when_a_warm_start_diverges_and_is_undone(
    iris, progress_bar, capsys
):
    from skffnn import DivergenceWarning

    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = small_clf("sgd", max_iter=20).fit(X, y)
    clf.set_callbacks(progress_bar())
    clf.set_params(warm_start=True, learning_rate_init=1e200, momentum=0, max_iter=1)
    with pytest.warns(DivergenceWarning, match="Restored the model"):
        clf.fit(X, y)
    assert not any(type(t).__name__ == "_LossMonitor" for t in threading.enumerate())
