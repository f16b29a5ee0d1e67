"""Predictions of a restored model for new inputs, as columns of a CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch

from nnfw.artifacts.files import written_whole
from nnfw.data.spec import DataSpec
from nnfw.errors import UserError
from nnfw.run.restore import Restored
from nnfw.tasks.gan import AdversarialTraining
from nnfw.tasks.reconstruction import Reconstruction
from nnfw.tasks.vae import VariationalAutoencoder


def predict(restored: Restored, inputs: torch.Tensor, batch_size: int) -> torch.Tensor:
    """The task's predictions (probabilities, or values) for every input, batch by batch, on the CPU."""
    task = restored.task.cpu()
    with torch.no_grad():
        parts = [task.predictions(task(batch)) for batch in inputs.split(batch_size)]
    return torch.cat(parts)


def prediction_frame(spec: DataSpec, predictions: torch.Tensor) -> pd.DataFrame:
    """One row per input: the predicted class and one probability column per class (p_NAME),
    or the predicted value(s) of a regression."""
    if spec.task in ("binary", "multiclass"):
        probabilities = torch.stack([1 - predictions, predictions], -1) if spec.task == "binary" else predictions
        frame = pd.DataFrame(probabilities.numpy(), columns=[f"p_{name}" for name in spec.class_names])
        frame.insert(0, "prediction", [spec.class_names[i] for i in probabilities.argmax(-1).tolist()])
        return frame
    values = predictions.reshape(len(predictions), -1).numpy()
    names = ["prediction"] if values.shape[1] == 1 else [f"prediction_{i}" for i in range(values.shape[1])]
    return pd.DataFrame(values, columns=names)


def forecast_frame(predictions: torch.Tensor) -> pd.DataFrame:
    """One row per step after the series' end (step 1 is the next value): the forecast value."""
    values = predictions.reshape(-1).numpy()
    return pd.DataFrame({"step": range(1, len(values) + 1), "prediction": values})


def reconstruction_frame(restored: Restored, inputs: torch.Tensor, rebuilt: torch.Tensor) -> pd.DataFrame:
    """One row per input: its reconstruction (in the data's units, one column per feature) and
    `reconstruction_error`, the mean squared error in the model's scale: an anomaly score."""
    error = (rebuilt - inputs).pow(2).flatten(1).mean(1)
    values = rebuilt.flatten(1).numpy()
    mean, std = restored.datamodule.mean, restored.datamodule.std
    if mean is not None and not restored.spec.image_shape:
        values = values * std + mean
    names = restored.spec.feature_names or tuple(f"pixel_{i}" for i in range(values.shape[1]))
    frame = pd.DataFrame(values, columns=[f"reconstructed_{name}" for name in names])
    frame.insert(0, "reconstruction_error", error.numpy())
    return frame


def output_frame(restored: Restored, inputs: torch.Tensor, predictions: torch.Tensor) -> pd.DataFrame:
    """What `nnfw predict` writes: predictions, a forecaster's next values, or an autoencoder's
    reconstructions and errors."""
    if restored.spec.task == "forecast":
        return forecast_frame(predictions)
    if isinstance(restored.task, (Reconstruction, VariationalAutoencoder)):
        return reconstruction_frame(restored, inputs, predictions)
    return prediction_frame(restored.spec, predictions)


def refuse_generators(restored: Restored) -> None:
    if isinstance(restored.task, AdversarialTraining):
        raise UserError("a GAN predicts nothing for given inputs", "generate samples with nnfw sample ckpt=...")


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Written whole: a failed write leaves no half file."""
    with written_whole(path) as temporary:
        frame.to_csv(temporary, index=False)
