"""Pictures of what a trained model predicts, per kind of task, in the run directory and
TensorBoard: an image classifier's predictions, confusion matrix and filters, a forecaster's
test forecasts, a language model's text samples, a recommender's ratings and top items.

Each is one callback that does nothing for other tasks, dropped with `callbacks.NAME=null`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers import TensorBoardLogger
from torch import nn
from torchmetrics.classification import MulticlassConfusionMatrix

from nnfw.tasks.classification import BinaryClassification, MulticlassClassification
from nnfw.views import figures, forecast_baselines, pictures
from nnfw.views.insight import publish


class TextSample(Callback):
    """After each validation while fitting, a language model writes a short sample to TensorBoard and samples.txt.

    Does nothing for tasks that cannot sample. The sample uses its own seeded generator, so
    it never changes the training run.
    """

    def __init__(self, length: int = 200, temperature: float = 0.8, prompt: str = "\n") -> None:
        self.length, self.temperature, self.prompt = length, temperature, prompt

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        fitting = trainer.state.fn == "fit" and not trainer.sanity_checking
        if not fitting or not trainer.is_global_zero or not hasattr(pl_module, "sample"):
            return
        text = pl_module.sample(self.prompt, self.length, self.temperature)
        step = trainer.global_step
        for logger in trainer.loggers:
            if isinstance(logger, TensorBoardLogger):
                block = "\n".join(f"    {line}" for line in (self.prompt + text).splitlines())
                logger.experiment.add_text("sample", block, step)
        with (Path(trainer.default_root_dir) / "samples.txt").open("a", encoding="utf-8") as handle:
            handle.write(f"--- epoch {trainer.current_epoch}, step {step}\n{self.prompt}{text}\n\n")


class ForecastPlot(Callback):
    """After testing a forecaster, predictions.png in the run directory and TensorBoard: the test
    part of the series, the model's and the baselines' forecasts one step ahead of each test
    window, and the model's next `horizon` values after the series' end. Does nothing for other tasks."""

    def on_test_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if pl_module.spec.task != "forecast" or not trainer.is_global_zero:
            return
        data = trainer.datamodule
        inputs = data.tensors["test"][0].to(pl_module.device)
        last = torch.as_tensor(data.transform(data.series[-data.window:])[None], dtype=torch.float32)
        with torch.no_grad():
            forecasts, future = (pl_module.predictions(pl_module(x)).cpu().numpy() for x in (inputs, last.to(inputs)))
        publish(trainer, "predictions", forecast_baselines.picture(data, forecasts, future.reshape(-1)))


class ImagePictures(Callback):
    """After the final validation of an image classifier (the weights it reports), pictures of it
    in the run directory and in TensorBoard's image tab: predictions.png (the first `count`
    validation images, framed green when predicted right and red when wrong), confusion_matrix.png
    (the whole validation split) and, for models with convolutions, filters.png (the first conv
    layer's filters). Does nothing for other data or tasks."""

    def __init__(self, count: int = 64, columns: int = 8) -> None:
        self.count, self.columns = count, columns

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        classifies = isinstance(pl_module, (BinaryClassification, MulticlassClassification))
        if trainer.state.fn != "validate" or not pl_module.spec.image_shape or not classifies or not trainer.is_global_zero:
            return
        datamodule, spec = trainer.datamodule, pl_module.spec
        outputs, targets, first = [], [], []
        with torch.no_grad():
            for images, labels in datamodule.val_dataloader():
                images = images.to(pl_module.device)
                outputs.append(pl_module(images))
                targets.append(labels.to(pl_module.device).long())
                if sum(len(kept) for kept in first) < self.count:
                    first.append(images)
        scores = pl_module.predictions(torch.cat(outputs))
        predicted = scores.argmax(-1) if scores.ndim > 1 else (scores >= 0.5).long()
        targets = torch.cat(targets)
        matrix = MulticlassConfusionMatrix(num_classes=spec.num_classes).to(predicted.device)(predicted, targets)
        shown = slice(0, self.count)
        drawn = {
            "predictions": pictures.predictions(datamodule.denormalize(torch.cat(first)[shown]).cpu().numpy(),
                                                predicted[shown].tolist(), targets[shown].tolist(), spec.class_names,
                                                self.columns),
            "confusion_matrix": figures.confusion_matrix(matrix.cpu().numpy(), spec.class_names),
        }
        conv = next((m for m in pl_module.model.modules() if isinstance(m, nn.Conv2d)), None)
        if conv is not None:
            drawn["filters"] = pictures.filters(conv.weight.detach().cpu().numpy(), self.columns)
        for name, picture in drawn.items():
            publish(trainer, name, picture)


class RecommenderPictures(Callback):
    """After testing a recommender, in the run directory and TensorBoard: ratings.png (the first
    `users` users x the `items` most rated items: the training ratings, and the model's predictions
    where there are none), recommendations.txt (the first `users` users' top `k` unrated items),
    and the item embeddings in TensorBoard's projector, named by title where the data has titles.
    Does nothing for other data."""

    def __init__(self, users: int = 10, items: int = 20, k: int = 5) -> None:
        self.users, self.items, self.k = users, items, k

    def on_test_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        import numpy as np
        import pandas as pd

        from nnfw.tasks.recommendation import scores, top_items

        data = trainer.datamodule
        if pl_module.spec.task not in ("rating", "ranking") or not trainer.is_global_zero:
            return
        run_dir = Path(trainer.default_root_dir)
        users = torch.arange(1, min(self.users, len(data.users)) + 1)
        items = data.popularity[1:].topk(min(self.items, len(data.items))).indices + 1
        pairs = torch.stack([users.repeat_interleave(len(items)), items.repeat(len(users))], 1)
        predicted = scores(pl_module, pairs, 4096).view(len(users), len(items)).numpy()
        given = np.full(predicted.shape, np.nan)
        trained, values = (t.cpu() for t in data.tensors["train"])
        rows, columns = {int(u): r for r, u in enumerate(users)}, {int(i): c for c, i in enumerate(items)}
        for (user, item), value in zip(trained.tolist(), values.tolist()):
            if user in rows and item in columns:
                given[rows[user], columns[item]] = value
        picture = pictures.ratings(given, predicted, [data.users[u - 1] for u in users.tolist()],
                                   [data.items[i - 1] for i in items.tolist()])
        publish(trainer, "ratings", picture)
        table = top_items(pl_module, data, pd.Series([data.users[u - 1] for u in users.tolist()]), self.k, 4096)
        (run_dir / "recommendations.txt").write_text(table.to_string(index=False) + "\n")
        for logger in trainer.loggers:
            if isinstance(logger, TensorBoardLogger):
                block = "\n".join(f"    {line}" for line in table.to_string(index=False).splitlines())
                logger.experiment.add_text("recommendations", block, trainer.global_step)
                self._projector(logger, pl_module, data)

    @staticmethod
    def _projector(logger: TensorBoardLogger, pl_module: pl.LightningModule, data: Any) -> None:
        """The first item embedding table of the model (one row per known item) in the projector."""
        count = len(data.items) + 1
        table = next((m for m in pl_module.model.modules()
                      if isinstance(m, nn.Embedding) and m.num_embeddings == count and m.embedding_dim > 1), None)
        if table is None:
            return
        names = [data.titles.get(item, item) for item in data.items]
        logger.experiment.add_embedding(table.weight[1:].detach().cpu(), metadata=names, tag="items")
