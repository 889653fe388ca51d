import warnings

from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, ParameterGrid
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skffnn import FFNClassifier
from skffnn.model_selection import layer_grid


def test_layer_grid_pairs_each_depth_with_fitting_activation_lists():
    grid = layer_grid([(4,), (4, 3)], ["relu", "tanh", "softplus"], per_layer=True)
    for params in ParameterGrid(grid):
        act = params["activation"]
        assert len(act) == len(params["hidden_layer_sizes"])
    assert len(ParameterGrid(grid)) == 3 + 9


def test_layer_grid_drives_a_grid_search_in_a_pipeline():
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(
        StandardScaler(), FFNClassifier(solver="lbfgs", max_iter=50, random_state=0)
    )
    grid = layer_grid(
        [5, (5, 5)], ["relu", "tanh"], per_layer=True, prefix="ffnclassifier__"
    )
    search = GridSearchCV(pipe, grid, cv=3, error_score="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert len(search.cv_results_["params"]) == 2 + 4
    assert search.best_score_ > 0.9


def test_layer_grid_rejects_unknown_activations_and_bad_sizes():
    import pytest

    with pytest.raises(ValueError, match="Unknown activation 'swish'"):
        layer_grid([(4,)], ["relu", "swish"])
    with pytest.raises(ValueError, match="activations is empty"):
        layer_grid([(4,)], [])
    with pytest.raises(ValueError, match="positive integers"):
        layer_grid([(4, 0)], ["relu"])
