"""Tabular estimators (issue 21): the RealMLP/TabM recipe, every gate by hand."""

from ._estimators import TabularFFNClassifier, TabularFFNRegressor
from ._preprocessing import RobustSmoothClipScaler

__all__ = ["RobustSmoothClipScaler", "TabularFFNClassifier", "TabularFFNRegressor"]
