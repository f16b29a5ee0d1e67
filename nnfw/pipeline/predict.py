"""Predictions of a restored model for new inputs, as columns of a CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch

from nnfw.data.spec import DataSpec
from nnfw.pipeline.files import written_whole
from nnfw.pipeline.restore import Restored


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


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Written whole: a failed write leaves no half file."""
    with written_whole(path) as temporary:
        frame.to_csv(temporary, index=False)
