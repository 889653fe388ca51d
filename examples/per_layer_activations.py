"""Per-layer activations in a model search: GridSearchCV over activation and depth.

skffnn's ``activation`` takes one name for every hidden layer, as
scikit-learn's MLP does, or a list with one name per hidden layer
(``activation=["tanh", "relu"]``), so the choice the lecture discusses (sigmoid,
tanh, ReLU, softplus; "when unsure, use ReLU") can be searched layer by layer.
Because a per-layer list must match the number of hidden layers, the grid is a
list of sub-grids, one per depth, as :func:`skffnn.model_selection.layer_grid`
builds it.

The estimator sits in a ``Pipeline`` after a ``StandardScaler`` (networks train
best on standardised inputs) and is cross-validated on scikit-learn's breast
cancer data set; the script prints the cross-validated accuracy of every
candidate, the best parameters, and the held-out test accuracy of the refit
best model. Honest note: on this small, easy data set the candidates differ by
about one standard deviation of the fold scores, so the "best" activation is
partly luck of the folds; the search machinery is the point.

Run: python examples/per_layer_activations.py
"""

import warnings

from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skffnn import FFNClassifier
from skffnn.model_selection import layer_grid

# One hidden layer: each of the four activations. Two hidden layers: every
# per-layer pair of relu and tanh, ('relu', 'relu'), ('relu', 'tanh'), ...
PARAM_GRID = layer_grid(
    [(16,)], ["relu", "tanh", "sigmoid", "softplus"], prefix="net__"
) + layer_grid([(16, 8)], ["relu", "tanh"], per_layer=True, prefix="net__")


def main():
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    pipe = Pipeline([
        ("scale", StandardScaler()),
        ("net", FFNClassifier(solver="lbfgs", alpha=1.0, max_iter=500,
                              random_state=0)),
    ])  # fmt: skip
    search = GridSearchCV(pipe, PARAM_GRID, cv=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X_train, y_train)

    res = search.cv_results_
    print(f"breast cancer: {len(y_train)} training, {len(y_test)} test samples")
    print(f"{'hidden_layer_sizes':<20}{'activation':<24}{'CV accuracy':>12}")
    for params, mean, std in zip(
        res["params"], res["mean_test_score"], res["std_test_score"]
    ):
        sizes, act = params["net__hidden_layer_sizes"], params["net__activation"]
        print(f"{sizes!s:<20}{act!s:<24}{mean:>8.3f} +- {std:.3f}")
    test_acc = search.score(X_test, y_test)
    print(f"\nBest parameters: {search.best_params_}")
    print(f"Best CV accuracy {search.best_score_:.3f}; test accuracy {test_acc:.3f}")
    return {"search": search, "test_accuracy": test_acc}


if __name__ == "__main__":
    main()
