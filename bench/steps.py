"""nnfw against a hand-written PyTorch loop: same model, data, batch size, optimizer and epochs.

    python bench/steps.py            # every case
    python bench/steps.py xor        # one case

For each case nnfw trains through its real command (in this process, progress bar off); the
plain loop then trains the same architecture on the same tensors, and so does a plain Lightning
script (bench/peer.py). Both build the optimizer as their authors would, in torch's default
implementation; nnfw's Adam asks torch for its fused kernel, so the loop runs once more with
nnfw's optimizer settings ("fused" column). Ratios: fit against the Lightning script, fit (nnfw's
fit time from summary.json over the loop's) against each loop, and end to end (the whole `nnfw
train` call, config to summary, over the loop with its data generation and model building).
nnfw's time includes what the loops leave out: about 100 validations, checkpoints, TensorBoard
logging, and the final evaluation of the best checkpoint.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from peer import run_peer  # noqa: E402
from rebuild import rebuild  # noqa: E402

from nnfw.cli.main import main  # noqa: E402

CASES = {
    "xor": ["experiment=xor"],                            # 5000 full-batch epochs of 4 rows
    "spirals_full_batch": ["experiment=spirals_tutorial"],  # 1000 full-batch epochs of 500 rows
    "spirals_minibatch": ["experiment=spirals"],          # 300 epochs x 10 batches of 32
    "classification_minibatch": ["data=classification", "data.n=20000", "model.hidden_sizes=[256,256]",
                                 "trainer.max_epochs=5"],  # 5 epochs x 375 batches of 32
}


def run_nnfw(overrides: list[str], run_dir: Path) -> dict:
    """summary.json of `nnfw train OVERRIDES`, run in this process, plus the call's wall time."""
    started = time.perf_counter()
    try:
        main(["train", *overrides, "trainer.enable_progress_bar=false", "print_config=false",
              "callbacks.model_summary=null", f"hydra.run.dir={run_dir}"])
    except SystemExit as stop:
        assert not stop.code, f"nnfw failed: {stop.code}"
    return {**json.loads((run_dir / "summary.json").read_text()), "call_s": time.perf_counter() - started}


def run_nnfw_config(overrides: list[str]) -> tuple[dict, dict]:
    """`run_nnfw` in a throwaway run directory: its summary, and the resolved config its checkpoint
    stores, from which the plain loops rebuild the same data, model and optimizer."""
    with tempfile.TemporaryDirectory() as tmp:
        summary = run_nnfw(overrides, Path(tmp) / "run")
        checkpoint = Path(tmp) / "run" / (summary["best_checkpoint"] or "checkpoints/last.ckpt")
        return summary, torch.load(checkpoint, weights_only=True)["nnfw"]["config"]


def run_plain(config: dict, epochs: int, as_configured: bool = False) -> tuple[float, float]:
    """The loop a user would write: shuffle, slice, forward, loss, backward, step; with the
    optimizer in torch's default implementation, or `as_configured` in nnfw's run.

    Returns the loop's time, and its time with the data and model set-up before it."""
    set_up = time.perf_counter()
    datamodule, model, optimizer = rebuild(config, as_configured)  # the model sized from the data as nnfw sizes it
    optimizer = optimizer(model.parameters())
    features, targets = datamodule.tensors["train"]
    spec = datamodule.spec
    loss_fn = (torch.nn.functional.binary_cross_entropy_with_logits if spec.task == "binary"
               else torch.nn.functional.cross_entropy)
    batch = len(features) if config["data"]["batch_size"] == "full" else int(config["data"]["batch_size"])
    started = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(len(features)) if batch < len(features) else None
        for start in range(0, len(features), batch):
            if order is None:
                x, y = features, targets
            else:
                index = order[start:start + batch]
                x, y = features[index], targets[index]
            outputs = model(x)
            loss = loss_fn(outputs.squeeze(-1) if spec.task == "binary" else outputs, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    finished = time.perf_counter()
    return finished - started, finished - set_up


def bench_case(name: str) -> dict:
    """nnfw and the plain loop on one case: times and ratios."""
    summary, config = run_nnfw_config(CASES[name])
    loop, end_to_end = run_plain(config, summary["epochs"])
    fused, _ = run_plain(config, summary["epochs"], as_configured=True)
    peer = run_peer(config, summary["epochs"])
    return {"case": name, "epochs": summary["epochs"], "steps": summary["steps"],
            "nnfw_fit_s": summary["fit_time_s"], "plain_fit_s": loop, "fit_ratio": summary["fit_time_s"] / loop,
            "fused_fit_s": fused, "fused_ratio": summary["fit_time_s"] / fused,
            "peer_fit_s": peer, "peer_ratio": summary["fit_time_s"] / peer,
            "nnfw_total_s": summary["call_s"], "plain_total_s": end_to_end,
            "total_ratio": summary["call_s"] / end_to_end}


def compared(runs: list[dict], nnfw_key: str, plain_key: str,
             with_peer: bool = True) -> tuple[float, float, float, float | None]:
    """The fastest nnfw time, the fastest plain time, the median ratio within a run's pair
    (which a slow stretch of the machine affects on both sides alike), and the fastest time of
    the plain Lightning script where the case has one (and `with_peer`)."""
    peer = (min(run["peer_fit_s"] for run in runs)
            if with_peer and "peer_fit_s" in runs[0] and "fit" in nnfw_key else None)
    return (min(run[nnfw_key] for run in runs), min(run[plain_key] for run in runs),
            statistics.median(run[nnfw_key] / run[plain_key] for run in runs), peer)


def print_cases(rows: list[dict]) -> None:
    print(f"\n{'case':<26} {'epochs':>6} {'steps':>6} {'nnfw fit':>9} {'plain':>7} {'ratio':>6}"
          f" {'fused':>7} {'ratio':>6} {'lightning':>9} {'ratio':>6} {'nnfw total':>11} {'plain':>7} {'ratio':>6}")
    for row in rows:
        print(f"{row['case']:<26} {row['epochs']:>6} {row['steps']:>6} {row['nnfw_fit_s']:>9.2f} "
              f"{row['plain_fit_s']:>7.2f} {row['fit_ratio']:>6.2f} {row['fused_fit_s']:>7.2f} "
              f"{row['fused_ratio']:>6.2f} {row['peer_fit_s']:>9.2f} "
              f"{row['peer_ratio']:>6.2f} {row['nnfw_total_s']:>11.2f} "
              f"{row['plain_total_s']:>7.2f} {row['total_ratio']:>6.2f}")


if __name__ == "__main__":
    print_cases([bench_case(name) for name in sys.argv[1:] or CASES])
