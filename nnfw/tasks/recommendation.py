"""Recommender tasks: `rating` (explicit feedback: MSE; RMSE and MAE) and `ranking` (implicit: BCE; HR@K and NDCG@K).

Both add the model's L2 penalty on the batch's embeddings (`penalty`, where the model has one)
to the training loss; the logged loss is the data term alone.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import torch
from torch import nn
from torchmetrics import MetricCollection
from torchmetrics.retrieval import RetrievalHitRate, RetrievalNormalizedDCG

from nnfw.data.ratings import UNKNOWN
from nnfw.tasks.base import EpochOutputs, SupervisedTask
from nnfw.tasks.regression import Regression

#: the cut-off of the ranking metrics: HR@10 and NDCG@10
TOP_K = 10


class Penalized(SupervisedTask):
    def _training_loss(self, batch: tuple[torch.Tensor, torch.Tensor], log_step: bool) -> torch.Tensor:
        loss = super()._training_loss(batch, log_step)
        penalty = getattr(self.model, "penalty", None)
        return loss + penalty(batch[0]) if penalty is not None else loss


class Rating(Penalized, Regression):
    """Predicted ratings against the given ones: one score per (user, item) pair."""

    accepts = ("rating",)


class Ranking(Penalized):
    """Scores that rank each held-out item above the unrated items drawn with it.

    Training targets are labels (1: rated, 0: a sampled negative); evaluation targets are
    (label, query) pairs, a query being one held-out item and its negatives, ranked together.
    """

    accepts = ("ranking",)

    def build_metrics(self) -> MetricCollection:
        return MetricCollection({f"hr@{TOP_K}": RetrievalHitRate(top_k=TOP_K),
                                 f"ndcg@{TOP_K}": RetrievalNormalizedDCG(top_k=TOP_K)})

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        labels = targets if targets.ndim == 1 else targets[:, 0]
        return nn.functional.binary_cross_entropy_with_logits(outputs, labels)

    def predictions(self, outputs: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(outputs)

    def on_test_epoch_end(self) -> None:
        """Sampled metrics flatter a model: the test also ranks each held-out item among all items."""
        super().on_test_epoch_end()
        queries = getattr(self.trainer.datamodule, "held_out", None)
        if queries is not None:
            self.log_dict(full_ranking(self.model, *queries(), stage="test"), sync_dist=True)

    def epoch_metrics(self, stage: str, kept: EpochOutputs) -> dict[str, torch.Tensor]:
        """The loss, and for evaluated queries the ranking metrics (training has no queries)."""
        outputs, targets, loss = kept.collect()
        values = {f"{stage}/loss": loss}
        if targets.ndim == 2:
            metrics = self.metrics[f"{stage}_"]
            metrics.update(outputs, targets[:, 0].long(), indexes=targets[:, 1].long())
            values.update(metrics.compute())
            metrics.reset()
        return values


@torch.no_grad()
def full_ranking(model: nn.Module, held_out: torch.Tensor, seen: torch.Tensor, num_items: int,
                 stage: str, chunk: int = 64) -> dict[str, torch.Tensor]:
    """HR@K and NDCG@K of each held-out (user, item) pair ranked among all `num_items` items
    (indices 1..num_items) but those the user's `seen` pairs hold (the training ratings)."""
    keys = torch.unique(seen[:, 0] * (num_items + 1) + seen[:, 1])
    items = torch.arange(1, num_items + 1, device=held_out.device)
    hits, gains = [], []
    for block in held_out.split(chunk):
        users = block[:, :1].expand(-1, num_items)
        scores = model(torch.stack([users.reshape(-1), items.repeat(len(block))], 1)).view(len(block), num_items)
        excluded = torch.isin(users * (num_items + 1) + items, keys) & (items != block[:, 1:])
        scores = scores.masked_fill(excluded, float("-inf"))
        target = scores.gather(1, (block[:, 1:] - 1).clamp(min=0))
        rank = (scores > target).sum(1)  # 0 for the best-scored item
        rank = torch.where(block[:, 1] == 0, num_items, rank)  # an item never trained on is never found
        hits.append((rank < TOP_K).float())
        gains.append(torch.where(rank < TOP_K, 1 / torch.log2(rank.float() + 2), 0.0))
    return {f"{stage}/full_hr@{TOP_K}": torch.cat(hits).mean(), f"{stage}/full_ndcg@{TOP_K}": torch.cat(gains).mean()}


#: `basis` of a row: the model's own score, or the popularity stand-in for an unknown user
MODEL, POPULAR = "model", "popular items (user not in the training ratings)"


def scores(task: Any, pairs: torch.Tensor, batch_size: int) -> torch.Tensor:
    """The task's prediction (a rating, or the probability of a pick) for every pair, on the CPU."""
    with torch.no_grad():
        return torch.cat([task.predictions(task(batch.to(task.device))).cpu() for batch in pairs.split(batch_size)])


def top_items(task: Any, data: Any, users: pd.Series, k: int, batch_size: int) -> pd.DataFrame:
    """Rows (user, rank, item, score, basis): each user's `k` best-scored items they never rated,
    by `task`'s model on `data`'s id mapping."""
    known = data.indices(data.users, users)
    items = torch.arange(1, len(data.items) + 1)
    k = min(k, len(items))
    rows = []
    for user, index in zip(users.tolist(), known.tolist()):
        if index == UNKNOWN:
            popular = data.popularity[1:].topk(k).indices + 1
            rows += [(user, rank, data.items[i - 1], float("nan"), POPULAR) for rank, i in enumerate(popular.tolist(), 1)]
            continue
        pairs = torch.stack([torch.full_like(items, index), items], 1)
        predicted = scores(task, pairs, batch_size)
        rated = data.rated[data.rated[:, 0] == index, 1]
        rated = rated[rated != UNKNOWN]  # an item the training never saw has no score to mask
        predicted[rated - 1] = float("-inf")
        best = predicted.topk(k)
        rows += [(user, rank, data.items[i], score, MODEL)
                 for rank, (score, i) in enumerate(zip(best.values.tolist(), best.indices.tolist()), 1)
                 if score != float("-inf")]
    return pd.DataFrame(rows, columns=["user", "rank", "item", "score", "basis"])
