"""Character-level language models on tinyshakespeare (not in the repository).

    python bench/sequences.py steps  [PATH]   # nnfw's LSTM step time against a plain loop
    python bench/sequences.py budget [PATH] [MINUTES]  # val loss / bpc of LSTM and transformer in a budget
    python bench/sequences.py recipe [PATH] [OVERRIDE ...]  # experiment=charseq_lstm as it ships (5 min)
    python bench/sequences.py plain_budget [PATH] [MINUTES]  # a hand-written loop of the recipe's model (5 min)

PATH defaults to ../shared/data/tinyshakespeare.txt beside the checkout.

`steps`: nnfw trains experiment=charseq_lstm's model for a fixed number of steps through its real
command (in this process, progress bar and text samples off, one validation batch; random windows,
32-bit and no schedule, as the loop below trains); a plain
PyTorch loop then trains the same model on the same windows, batch size, optimizer and
clipping. Both include their first, slower steps. The ratio is nnfw's time over the loop's.

`budget`: experiment=charseq_lstm and experiment=charseq_transformer each train for a fixed
wall-clock time (trainer.max_time), validating on the whole val split every epoch of 64
batches; the val loss and bits per character of the best checkpoint are printed.

`recipe`: experiment=charseq_lstm, the time-budget recipe (stateful windows, a schedule over the
time, bf16 where the CPU has it), as it ships or with the overrides given; its
target is a best val loss of at most 1.50 nats in 300 s on tinyshakespeare with a 2-core CPU.
Run it on an otherwise idle machine.

`plain_budget`: the loop a user would write for the same budget and model (the recipe's 2 x 256
LSTM on 256-wide embeddings): random windows of 100 characters in batches of 64, Adam 2e-3 held
constant, gradient norm clipped at 5, the whole val split every 120 steps (7680 windows, as the
recipe validates); its best val loss is printed.
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rebuild import rebuild  # noqa: E402
from steps import run_nnfw, run_nnfw_config  # noqa: E402  (bench/steps.py: nnfw train in this process, quiet)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_TEXT = REPO.parent / "shared" / "data" / "tinyshakespeare.txt"
STEPS = 100
BATCHES_PER_EPOCH = 64


def plain_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, inputs: torch.Tensor,
               targets: torch.Tensor) -> None:
    """One step of the loop a user would write: forward, cross-entropy, backward, clip at 5, step."""
    loss = torch.nn.functional.cross_entropy(model(inputs).flatten(0, 1), targets.flatten())
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    optimizer.step()


def run_plain(config: dict, steps: int) -> float:
    """The loop a user would write over random windows, for `steps` steps."""
    datamodule, model, optimizer = rebuild(config)
    optimizer = optimizer(model.parameters())
    batches = iter(datamodule.train_dataloader())
    started = time.perf_counter()
    for _ in range(steps):
        plain_step(model, optimizer, *next(batches))
    return time.perf_counter() - started


def run_plain_budget(text: Path, seconds: float, every: int = 120) -> None:
    """`plain_budget` (see the module's docstring): steps taken and the best val loss in `seconds`."""
    _, config = run_nnfw_config(["experiment=charseq_lstm", f"data.path={text}", "data.stateful=false",
                                 "data.batch_size=64", "optimizer.lr=0.002", "trainer.max_time=00:00:00:05",
                                 "logger=none"])
    datamodule, model, optimizer = rebuild(config)
    optimizer = optimizer(model.parameters())

    def val_loss() -> float:
        model.eval()
        total = count = 0
        with torch.no_grad():
            for inputs, targets in datamodule.val_dataloader():
                total += float(torch.nn.functional.cross_entropy(model(inputs).flatten(0, 1), targets.flatten(),
                                                                 reduction="sum"))
                count += targets.numel()
        model.train()
        return total / count

    started, steps, best = time.perf_counter(), 0, float("inf")
    while time.perf_counter() - started < seconds:
        for inputs, targets in datamodule.train_dataloader():
            plain_step(model, optimizer, inputs, targets)
            steps += 1
            if steps % every == 0:
                best = min(best, val_loss())
                print(f"{time.perf_counter() - started:6.0f} s, step {steps}: best val loss {best:.4f}", flush=True)
            if time.perf_counter() - started >= seconds:
                break
    best = min(best, val_loss())
    print(f"plain loop, {seconds:.0f} s: {steps} steps, best val loss {best:.4f} nats ({best / math.log(2):.3f} bpc)")


def bench_steps(text: Path) -> dict:
    """nnfw's char-LSTM against the plain loop over the same number of steps."""
    overrides = ["experiment=charseq_lstm", f"data.path={text}", "data.stateful=false", "scheduler=none",
                 "trainer.precision=32-true", "trainer.max_time=null", "trainer.max_epochs=1",
                 f"data.windows_per_epoch={STEPS * 32}", "trainer.limit_val_batches=1", "callbacks.text_sample=null"]
    summary, config = run_nnfw_config(overrides)
    plain = run_plain(config, summary["steps"])
    return {"case": f"char-LSTM {config['model']['num_layers']}x{config['model']['hidden_size']}, batch "
                    f"{config['data']['batch_size']}x{config['data']['seq_len']}",
            "steps": summary["steps"], "nnfw_s": summary["fit_time_s"], "plain_s": plain,
            "ratio": summary["fit_time_s"] / plain}


def bench_budget(text: Path, minutes: float | None, overrides: list[str] | None = None) -> None:
    """Each experiment for `minutes` (None: the time-budget recipe, with `overrides`)."""
    if minutes is None:
        runs = {"charseq_lstm": [f"data.path={text}", "logger=none", *(overrides or [])]}
    else:
        budget = time.strftime("00:%H:%M:%S", time.gmtime(minutes * 60))
        runs = {experiment: [f"data.path={text}", f"trainer.max_time={budget}", "trainer.max_epochs=10000",
                             "trainer.check_val_every_n_epoch=1", f"data.windows_per_epoch={BATCHES_PER_EPOCH * 32}",
                             "logger=none"] for experiment in ("charseq_lstm", "charseq_transformer")}
    rows = []
    for experiment, options in runs.items():
        overrides = [f"experiment={experiment}", *options]
        with tempfile.TemporaryDirectory() as tmp:
            summary = run_nnfw(overrides, Path(tmp) / "run")
        metrics = summary["metrics"]
        rows.append((experiment, summary["parameters"], summary["steps"], summary["fit_time_s"],
                     metrics["val/loss"], metrics["val/bpc"]))
    print(f"\n{'experiment':<22} {'params':>9} {'steps':>6} {'fit s':>7} {'val loss':>9} {'val bpc':>8}")
    for name, params, steps, fit, loss, bpc in rows:
        print(f"{name:<22} {params:>9,} {steps:>6} {fit:>7.0f} {loss:>9.3f} {bpc:>8.3f}")
    print(f"(nats; bpc = loss / ln 2 = loss x {1 / math.log(2):.3f})")


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "steps"
    path = Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_TEXT
    if what == "steps":
        row = bench_steps(path)
        print(f"\n{row['case']}, {row['steps']} steps, {torch.get_num_threads()} threads: nnfw {row['nnfw_s']:.2f} s, "
              f"plain {row['plain_s']:.2f} s, ratio {row['ratio']:.3f}")
    elif what == "recipe":
        bench_budget(path, None, sys.argv[3:])
    elif what == "plain_budget":
        run_plain_budget(path, 60 * (float(sys.argv[3]) if len(sys.argv) > 3 else 5.0))
    else:
        bench_budget(path, float(sys.argv[3]) if len(sys.argv) > 3 else 5.0)
