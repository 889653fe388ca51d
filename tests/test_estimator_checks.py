"""scikit-learn's estimator checks, for both estimators under every solver.

The instances are configured as scikit-learn configures its own MLPs for these
checks (``max_iter=100``), with a smaller hidden layer to keep the run short.
No check is expected to fail.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skffnn import FFNClassifier, FFNRegressor

pytestmark = [
    pytest.mark.usefixtures("single_threaded_blas"),
    # max_iter=100 rarely converges on the checks' data; that is not under test.
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

SOLVERS = ("sgd", "adam", "lbfgs")


def _instances():
    for solver in SOLVERS:
        common = dict(solver=solver, max_iter=100, hidden_layer_sizes=(25,))
        # check_classifiers_train asserts predict_log_proba == log(predict_proba)
        # to atol 1e-9. Our log-probabilities come from the logits and stay
        # finite where the probability underflows to 0 (log gives -inf); L-BFGS
        # on the check's separable blobs drives binary logits past 745 at
        # alpha=1e-4. A larger penalty keeps them moderate (< 100), so the
        # comparison is about the estimator, not about float underflow.
        clf_extra = dict(alpha=1e-2) if solver == "lbfgs" else {}
        yield FFNClassifier(**common, **clf_extra)
        yield FFNRegressor(**common)


@parametrize_with_checks(list(_instances()))
def test_sklearn_estimator_checks_pass(estimator, check):
    check(estimator)
