"""Matrix factorisation on MovieLens (100,004 ratings): nnfw's epoch against a hand-written loop's.

    pip install -e ".[movielens]" && python bench/recommenders.py [EPOCHS] [PAIRS]

nnfw trains `experiment=mf_movielens` for EPOCHS (default 3) through its real command in this
process; the plain loop then trains the same model (built from the same data, with the same L2
penalty on each batch's factors, Adam and batch size) on the same tensors, and after each epoch
computes the validation RMSE a user needs to pick the best epoch (the experiment validates on
the training ratings), in batches of the same `data.eval_batch_size`; PAIRS (default 3) times
each. The ratio divides the fastest fit times; nnfw's also writes two checkpoints per epoch.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rebuild import optimizer_factory  # noqa: E402

from bench.steps import run_nnfw_config  # noqa: E402
from nnfw.run.train import build, build_model  # noqa: E402


def plain_loop(config: dict, epochs: int) -> float:
    """Seconds of the loop a user would write: shuffle, slice, forward, MSE + L2, backward, step;
    then the validation RMSE, without gradients."""
    torch.manual_seed(config["seed"])
    datamodule = build("data", config["data"])
    datamodule.setup()
    pairs, ratings = datamodule.tensors["train"]
    val_pairs, val_ratings = datamodule.tensors["val"]
    model = build_model(config["model"], datamodule.spec)
    optimizer = optimizer_factory(config)(model.parameters())
    batch, eval_batch = int(config["data"]["batch_size"]), int(config["data"]["eval_batch_size"])
    started = time.perf_counter()
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(pairs))
        for start in range(0, len(pairs), batch):
            index = order[start:start + batch]
            x, y = pairs[index], ratings[index]
            loss = torch.nn.functional.mse_loss(model(x), y) + model.penalty(x)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            squared = sum(((model(x) - y) ** 2).sum() for x, y in zip(val_pairs.split(eval_batch),
                                                                     val_ratings.split(eval_batch)))
        print(f"validation RMSE {(squared / len(val_pairs)).sqrt():.4f}", end="\r")
    return time.perf_counter() - started


if __name__ == "__main__":
    epochs, pairs = (int(sys.argv[i]) if len(sys.argv) > i else 3 for i in (1, 2))
    nnfw_times, loop_times = [], []
    for _ in range(pairs):
        summary, config = run_nnfw_config(["experiment=mf_movielens", f"trainer.max_epochs={epochs}", "scheduler=none"])
        nnfw_times.append(summary["fit_time_s"])
        loop_times.append(plain_loop(config, epochs))
    print(f"\nmf on movielens, {epochs} epochs of {summary['steps'] // epochs} batches, fastest of {pairs}: "
          f"nnfw fit {min(nnfw_times):.2f} s, plain loop {min(loop_times):.2f} s, "
          f"ratio {min(nnfw_times) / min(loop_times):.2f}")
