"""How good a generator's images are, judged by a classifier of the data's own classes.

A VAE's or GAN's loss does not say whether its images look like the data. On labelled images
(digits, MNIST ...) nnfw fits scikit-learn's logistic regression on the training split's pixels
at the end of the run (no download, no extra network to train) and reads `samples` generated
images with it:

- test/classes_covered: the classes predicted, with a probability of at least `min_confidence`,
  for at least `min_share` of the samples (a generator that dropped modes covers fewer, and so
  does one whose images are too vague to be recognised);
- test/class_confidence: the classifier's mean probability for its predicted class (blurred or
  ambiguous images score low);
- test/classifier_acc: the classifier's accuracy on the real test images, the yardstick's own quality.

FID and KID are not measured: torchmetrics' Inception features need torch-fidelity and weights
downloaded at run time.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import lightning.pytorch as pl
import numpy as np
from lightning.pytorch.callbacks import Callback

from nnfw.tasks.sampling import GENERATIVE_TASKS, sampled_images

if TYPE_CHECKING:
    from sklearn.linear_model import LogisticRegression

log = logging.getLogger(__name__)

#: rows the classifier is fitted on at most (MNIST's 60,000 would cost minutes for little gain)
MAX_TRAINING_ROWS = 10_000


def class_coverage(probabilities: np.ndarray, min_share: float = 0.01,
                   min_confidence: float = 0.5) -> tuple[int, float]:
    """(classes predicted with a probability of at least `min_confidence` for at least `min_share`
    of the rows, mean top probability) of a classifier's probabilities (rows, classes) for samples."""
    recognised = probabilities.max(1) >= min_confidence
    counts = np.bincount(probabilities.argmax(1)[recognised], minlength=probabilities.shape[1])
    covered = int((counts >= max(1.0, min_share * len(probabilities))).sum())
    return covered, float(probabilities.max(1).mean())


def labelled_pixels(datamodule: Any, split: str) -> tuple[np.ndarray, np.ndarray]:
    """A split's images as flattened pixels in [0, 1] and their labels, at most MAX_TRAINING_ROWS."""
    images, labels = datamodule.images(split)[:MAX_TRAINING_ROWS], datamodule.tensors[split][1][:MAX_TRAINING_ROWS]
    return images.flatten(1).cpu().numpy(), labels.cpu().numpy()


def fit_classifier(images: np.ndarray, labels: np.ndarray) -> LogisticRegression:
    """Logistic regression on flattened pixels in [0, 1]: ~96% on held-out 8x8 digits."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000).fit(images, labels)


class SampleQuality(Callback):
    """Logs test/classes_covered, test/class_confidence and test/classifier_acc (see the module)
    for a VAE or GAN trained on labelled images; nothing for other runs."""

    def __init__(self, samples: int = 1000, min_share: float = 0.01, min_confidence: float = 0.5,
                 seed: int = 0) -> None:
        self.samples, self.min_share, self.min_confidence, self.seed = samples, min_share, min_confidence, seed

    def on_test_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        spec = getattr(pl_module, "spec", None)
        datamodule = trainer.datamodule
        if not (isinstance(pl_module, GENERATIVE_TASKS) and spec.image_shape and spec.task == "multiclass"
                and hasattr(datamodule, "tensors")):  # labelled images held in memory
            return
        classifier = fit_classifier(*labelled_pixels(datamodule, "train"))
        images = sampled_images(pl_module, datamodule, self.samples, self.seed)
        probabilities = np.zeros((len(images), spec.num_classes))
        probabilities[:, classifier.classes_] = classifier.predict_proba(images.reshape(len(images), -1))
        covered, confidence = class_coverage(probabilities, self.min_share, self.min_confidence)
        accuracy = classifier.score(*labelled_pixels(datamodule, "test"))
        pl_module.log_dict({"test/classes_covered": float(covered), "test/class_confidence": confidence,
                            "test/classifier_acc": float(accuracy)})
        log.info("FID and KID not measured: torchmetrics' Inception features need torch-fidelity and "
                 "weights downloaded at run time")
