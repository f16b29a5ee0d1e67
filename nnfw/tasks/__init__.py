"""Task layer: LightningModules holding loss, metrics and optimizer wiring, one per kind of task."""

from __future__ import annotations

from nnfw.tasks.base import SupervisedTask
from nnfw.tasks.classification import BinaryClassification, MulticlassClassification
from nnfw.tasks.forecast import Forecast
from nnfw.tasks.gan import AdversarialTraining
from nnfw.tasks.language_model import LanguageModel
from nnfw.tasks.multitarget import MultiTarget
from nnfw.tasks.perceptron import PerceptronRule
from nnfw.tasks.recommendation import Ranking, Rating
from nnfw.tasks.reconstruction import Reconstruction
from nnfw.tasks.regression import Regression
from nnfw.tasks.vae import VariationalAutoencoder

#: `task=auto` picks by the data's kind; a model config may pin another (the perceptron rule).
TASKS: dict[str, type[SupervisedTask]] = {
    "binary": BinaryClassification,
    "multiclass": MulticlassClassification,
    "regression": Regression,
    "multitarget": MultiTarget,
    "perceptron": PerceptronRule,
    "language_model": LanguageModel,
    "forecast": Forecast,
    "rating": Rating,
    "ranking": Ranking,
    "reconstruction": Reconstruction,
    "vae": VariationalAutoencoder,
    "gan": AdversarialTraining,
}
