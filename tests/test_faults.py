"""Oracle tests for four faults a user would hit that the rest of the suite missed.

Each test pins down one behaviour against an independent reference, and each
was checked to fail with its fault planted in a copy of the package (issue 16):

1. L-BFGS ignoring ``tol``: ``n_iter_`` of a fit run to convergence equals
   scikit-learn's, where the two trajectories stay together;
2. the early-stopping validation score ignoring ``sample_weight``: weighted
   fits with early stopping against scikit-learn's (weights, scores);
3. the Poisson loss without its constant ``y log y - y``: ``loss_curve_``
   against scikit-learn's half Poisson deviance;
4. the fused softmax head without its shift by the row maximum: every fused
   head on logits near -740 (inexact subnormal ``exp``) and near +700, against
   its definition evaluated in mpmath.
"""

import warnings

import mpmath
import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from skffnn import FFNClassifier, FFNRegressor
from skffnn._losses import get_head

pytestmark = pytest.mark.usefixtures("single_threaded_blas")

_X, _Y = load_iris(return_X_y=True)
X_IRIS = StandardScaler().fit_transform(_X)
Y_IRIS = _Y
X_REG, _Y_REG = make_regression(n_samples=120, n_features=5, noise=1.0, random_state=0)
Y_REG = _Y_REG / _Y_REG.std()
# Counts whose log-mean is linear in X: a Poisson fit has something to learn,
# and the zero counts exercise y log y at 0 as well as above it.
Y_COUNTS = np.random.RandomState(0).poisson(np.exp(0.5 * X_REG[:, 0] + 0.3))


def _fit_quietly(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


def _max_weight_diff(a, b):
    pairs = zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True)
    return max(float(np.max(np.abs(p - q))) for p, q in pairs)


# -- 1. L-BFGS stops where its gradient tolerance says ---------------------------
@pytest.mark.parametrize(
    "ours, theirs, y, tol",
    [
        (FFNClassifier, MLPClassifier, Y_IRIS, 1e-2),
        (FFNClassifier, MLPClassifier, Y_IRIS, 1e-3),
        (FFNRegressor, MLPRegressor, X_IRIS[:, 3], 1e-3),
    ],
    ids=["classifier-1e-2", "classifier-1e-3", "regressor-1e-3"],
)
def test_lbfgs_run_to_convergence_stops_at_sklearns_iteration_for_tol(
    ours, theirs, y, tol
):
    X = X_IRIS[:, :3] if ours is FFNRegressor else X_IRIS
    params = dict(
        hidden_layer_sizes=(5,), solver="lbfgs", tol=tol, max_iter=1000, random_state=0
    )
    with warnings.catch_warnings():
        # Converged, not stopped by max_iter: no ConvergenceWarning on either side.
        warnings.simplefilter("error", ConvergenceWarning)
        a = ours(**params).fit(X, y)
        b = theirs(**params).fit(X, y)
    assert a.n_iter_ == b.n_iter_ < params["max_iter"]
    assert _max_weight_diff(a, b) < 1e-8
    assert a.loss_ == pytest.approx(b.loss_, rel=1e-10)


def test_lbfgs_iterations_grow_as_tol_shrinks():
    # The same fit at a 100x tighter gradient tolerance needs more iterations.
    params = dict(
        hidden_layer_sizes=(5,), solver="lbfgs", max_iter=1000, random_state=0
    )
    loose = _fit_quietly(FFNClassifier(tol=1e-2, **params), X_IRIS, Y_IRIS)
    tight = _fit_quietly(FFNClassifier(tol=1e-4, **params), X_IRIS, Y_IRIS)
    assert loose.n_iter_ < tight.n_iter_


# -- 2. early stopping scores the validation split with its sample weights ---------
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize(
    "ours, theirs, X, y",
    [
        (FFNClassifier, MLPClassifier, X_IRIS, Y_IRIS),
        (FFNRegressor, MLPRegressor, X_REG, Y_REG),
    ],
    ids=["classifier", "regressor"],
)
def test_weighted_early_stopping_fit_follows_sklearn(ours, theirs, X, y, solver):
    sw = np.random.RandomState(0).uniform(0.1, 3.0, size=y.shape[0])
    params = dict(
        hidden_layer_sizes=(6,),
        solver=solver,
        early_stopping=True,
        validation_fraction=0.2,
        learning_rate_init=0.01,
        n_iter_no_change=3,
        max_iter=20,
        random_state=0,
    )
    a = _fit_quietly(ours(**params), X, y, sample_weight=sw)
    b = _fit_quietly(theirs(**params), X, y, sample_weight=sw)
    unweighted = _fit_quietly(theirs(**params), X, y)
    # The weights change the validation scores (else this test could not fail).
    n = min(len(b.validation_scores_), len(unweighted.validation_scores_))
    assert not np.allclose(b.validation_scores_[:n], unweighted.validation_scores_[:n])
    assert a.n_iter_ == b.n_iter_
    assert_allclose(a.validation_scores_, b.validation_scores_, rtol=1e-12, atol=1e-12)
    assert a.best_validation_score_ == pytest.approx(
        b.best_validation_score_, abs=1e-12
    )
    assert _max_weight_diff(a, b) < 1e-10


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_weighted_validation_loss_curve_is_consistent_with_sklearns_weighted_r2(
    solver,
):
    # On the validation split, with weights w: loss = 0.5 sum w r^2 / sum w and
    # R^2 = 1 - sum w r^2 / sum w (y - mean_w y)^2, so loss / (1 - R^2) is half
    # the split's weighted variance: the same number at every epoch. The R^2
    # are scikit-learn's (test above); a loss that drops the weights breaks it.
    sw = np.random.RandomState(1).uniform(0.1, 3.0, size=Y_REG.shape[0])
    params = dict(
        hidden_layer_sizes=(6,),
        solver=solver,
        early_stopping=True,
        validation_fraction=0.2,
        learning_rate_init=0.01,
        max_iter=15,
        random_state=0,
    )
    reg = _fit_quietly(FFNRegressor(**params), X_REG, Y_REG, sample_weight=sw)
    theirs = _fit_quietly(MLPRegressor(**params), X_REG, Y_REG, sample_weight=sw)
    assert_allclose(reg.validation_scores_, theirs.validation_scores_, rtol=1e-12)
    losses = np.asarray(reg.validation_loss_curve_)
    ratio = losses / (1 - np.asarray(reg.validation_scores_))
    assert len(losses) == reg.n_iter_ > 5
    assert_allclose(ratio, ratio[0], rtol=1e-9)


# -- 3. the Poisson loss is scikit-learn's half deviance, constant included ---------
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_poisson_loss_curve_is_sklearns_half_deviance(solver):
    params = dict(
        loss="poisson",
        hidden_layer_sizes=(5,),
        solver=solver,
        learning_rate_init=0.01,
        max_iter=8,
        random_state=0,
    )
    a = _fit_quietly(FFNRegressor(**params), X_REG, Y_COUNTS)
    b = _fit_quietly(MLPRegressor(**params), X_REG, Y_COUNTS)
    assert _max_weight_diff(a, b) < 1e-9
    assert a.loss_ == pytest.approx(b.loss_, rel=1e-10)
    if solver != "lbfgs":  # sklearn's L-BFGS keeps no loss curve
        assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-10)


# -- 4. the fused heads against their definition, in high precision ---------------
mpmath.mp.dps = 50


def _exact_head(name, z, y, w):
    """(loss, seed gradient) of head ``name`` at logits ``z``, in mpmath.

    Loss: weighted mean over rows of the per-row loss, summed over outputs
    (averaged for the squared error, as scikit-learn's); seed: its gradient,
    ``(link(z) - y) * w / sum(w)`` (divided by ``k`` for the squared error).
    """
    mp = mpmath.mpf
    n, k = z.shape
    total_w = mpmath.fsum(mp(v) for v in w)
    loss = mp(0)
    seed = np.empty((n, k))
    for i in range(n):
        zi = [mp(float(v)) for v in z[i]]
        yi = [mp(float(v)) for v in y[i]]
        if name == "log_loss":
            log_norm = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in zi))
            link = [mpmath.exp(v - log_norm) for v in zi]
            per = mpmath.fsum(-t * (v - log_norm) for t, v in zip(yi, zi))
        elif name == "binary_log_loss":
            link = [1 / (1 + mpmath.exp(-v)) for v in zi]
            per = mpmath.fsum(
                mpmath.log1p(mpmath.exp(v)) - t * v for t, v in zip(yi, zi)
            )
        elif name == "squared_error":
            # scikit-learn's: half the squared error averaged over outputs.
            link = zi
            per = mpmath.fsum((v - t) ** 2 for t, v in zip(yi, zi)) / (2 * k)
        else:  # poisson: half deviance, y log(y / mu) - y + mu with mu = exp(z)
            link = [mpmath.exp(v) for v in zi]
            per = mpmath.fsum(
                (t * (mpmath.log(t) - v) if t > 0 else 0) - t + mpmath.exp(v)
                for t, v in zip(yi, zi)
            )
        share = mp(float(w[i])) / total_w
        loss += per * share
        if name == "squared_error":
            share /= k  # the gradient of the average over outputs
        seed[i] = [float((p - t) * share) for p, t in zip(link, yi)]
    return float(loss), seed


def _rows(name, centre, rng):
    """Logits within a few units of ``centre``, targets fit for head ``name``."""
    n, k = 6, 4
    z = centre + rng.uniform(-3.0, 3.0, size=(n, k))
    if name == "log_loss":
        y = np.eye(k)[rng.randint(k, size=n)]
    elif name == "binary_log_loss":
        y = rng.randint(2, size=(n, k)).astype(float)
    elif name == "poisson":
        y = rng.poisson(2.0, size=(n, k)).astype(float)
    else:
        y = rng.normal(size=(n, k))
    return z, y


HEAD_NAMES = ["log_loss", "binary_log_loss", "squared_error", "poisson"]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("centre", [-740.0, 700.0])
@pytest.mark.parametrize("name", HEAD_NAMES)
def test_fused_head_on_extreme_logits_matches_its_definition(name, centre, weighted):
    rng = np.random.RandomState(int(abs(centre)) + weighted)
    z, y = _rows(name, centre, rng)
    w = rng.uniform(0.2, 3.0, size=z.shape[0]) if weighted else None
    if name == "poisson" and centre > 0:
        z = z - 3.0  # exp(703) overflows float64: stay where mu is finite
    head = get_head(name)
    z_before = z.copy()
    with np.errstate(under="ignore"):
        loss, seed = head.loss_and_seed(z, y, w)
        plain_loss = head.loss(z, y, w)
    assert np.array_equal(z, z_before)  # without `out`, the logits are kept
    exact_loss, exact_seed = _exact_head(
        name, z, y, np.ones(z.shape[0]) if w is None else w
    )
    assert loss == pytest.approx(exact_loss, rel=1e-13)
    assert plain_loss == pytest.approx(exact_loss, rel=1e-13)
    # Subnormal values (exp near -740) carry only a few significant bits: an
    # absolute floor at the subnormal scale, relative agreement elsewhere.
    assert_allclose(seed, exact_seed, rtol=1e-13, atol=1e-300)
