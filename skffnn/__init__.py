"""skffnn: feed-forward neural networks that live natively in scikit-learn.

A drop-in superset of scikit-learn's MLPClassifier / MLPRegressor with a pure
NumPy forward pass, hand-written backpropagation and numerically stable math.

Public modules: :mod:`skffnn.functional` (stable math), :mod:`skffnn.network`
(the network on one flat parameter vector), :mod:`skffnn.gates` (the lecture's
gate rules), :mod:`skffnn.utils` (``check_gradient``) and
:mod:`skffnn.model_selection` (``layer_grid``).
"""

from . import functional, gates, model_selection, network, utils
from ._callbacks import ProgressBar
from ._classes import FFNClassifier, FFNRegressor
from ._persistence import SkffnnVersionWarning
from ._tabular import RobustSmoothClipScaler, TabularFFNClassifier, TabularFFNRegressor
from ._training import DivergenceWarning

__all__ = [
    "DivergenceWarning",
    "FFNClassifier",
    "FFNRegressor",
    "ProgressBar",
    "RobustSmoothClipScaler",
    "SkffnnVersionWarning",
    "TabularFFNClassifier",
    "TabularFFNRegressor",
    "__version__",
    "functional",
    "gates",
    "model_selection",
    "network",
    "utils",
]
__version__ = "0.1.0"
