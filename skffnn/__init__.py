"""skffnn: feed-forward neural networks that live natively in scikit-learn.

A drop-in superset of scikit-learn's MLPClassifier / MLPRegressor with a pure
NumPy forward pass, hand-written backpropagation and numerically stable math.
"""

from ._classes import FFNClassifier, FFNRegressor
from ._training import DivergenceWarning

__all__ = ["DivergenceWarning", "FFNClassifier", "FFNRegressor", "__version__"]
__version__ = "0.1.0"
