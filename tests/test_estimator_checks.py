import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skffnn import FFNClassifier, FFNRegressor

SOLVERS = ["sgd", "adam", "lbfgs"]


def _instances():
    for solver in SOLVERS:
        yield FFNClassifier(solver=solver, max_iter=100)
        yield FFNRegressor(solver=solver, max_iter=100)


@parametrize_with_checks(list(_instances()))
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
