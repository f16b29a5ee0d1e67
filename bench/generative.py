"""nnfw's VAE and GAN training against hand-written PyTorch loops doing the same steps.

    python bench/generative.py                          # both cases, 5 pairs each
    python bench/generative.py gan_ring --repeat 3      # one case

nnfw trains through its real command (bench/steps.py's `run_nnfw`); the plain loop then trains
the same model on the same tensors with the same batches, optimizers and losses: for the GAN a
discriminator step (with its R1 penalty) and a generator step per batch, for the VAE one
reparameterised ELBO step per batch and, after each epoch, the validation ELBO a user needs to
pick the best epoch (nnfw validates after each of the case's 50 epochs). Each pair runs
`--repeat` times in this process, as bench/run.py runs its cases: "ratio" divides the fastest
fit time of each side, "pairs" is the median of the ratios within each pair.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch.nn import functional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rebuild import optimizer_factory  # noqa: E402
from steps import compared, run_nnfw_config  # noqa: E402  (it puts the checkout on the path)

from nnfw.run.building import build  # noqa: E402
from nnfw.run.train import build_model  # noqa: E402

CASES = {
    "gan_ring": ["experiment=gan_ring", "trainer.max_steps=2000", "trainer.check_val_every_n_epoch=50"],
    "vae_digits": ["experiment=vae_digits", "trainer.max_epochs=50", "model.task.nll_samples=0"],
}


def setup(config: dict) -> tuple[dict[str, torch.Tensor], torch.nn.Module, int]:
    """The rows of each split, the model and the batch size."""
    torch.manual_seed(config["seed"])
    datamodule = build("data", config["data"])
    datamodule.setup()
    model = build_model(config["model"], datamodule.spec)
    rows = {split: tensors[0] for split, tensors in datamodule.tensors.items()}
    return rows, model, int(config["data"]["batch_size"])


def batches(rows: torch.Tensor, size: int) -> list[torch.Tensor]:
    order = torch.randperm(len(rows))
    return [rows[order[start:start + size]] for start in range(0, len(rows), size)]


def plain_gan(config: dict, steps: int) -> tuple[float, float]:
    """The loop's time for `steps` generator steps, and its time with the data and model set-up."""
    set_up = time.perf_counter()
    splits, model, size = setup(config)
    rows = splits["train"]
    penalty = config["model"]["task"]["gradient_penalty"]
    g_opt = optimizer_factory(config)(model.generator.parameters())
    d_opt = optimizer_factory(config)(model.discriminator.parameters())
    started, done = time.perf_counter(), 0
    while done < steps:
        for real in batches(rows, size):
            fake = model(torch.randn(len(real), model.noise_size)).detach()
            real = real.requires_grad_(True)
            real_logits, fake_logits = model.discriminate(real), model.discriminate(fake)
            d_loss = (functional.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                      + functional.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
            (grad,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
            d_loss = d_loss + penalty / 2 * grad.pow(2).sum(1).mean()
            d_opt.zero_grad()
            d_loss.backward()
            d_opt.step()
            logits = model.discriminate(model(torch.randn(len(real), model.noise_size)))
            g_loss = functional.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
            g_opt.zero_grad()
            g_loss.backward()
            g_opt.step()
            done += 1
            if done == steps:
                break
    finished = time.perf_counter()
    return finished - started, finished - set_up


def plain_vae(config: dict, epochs: int) -> tuple[float, float]:
    """The loop's time for `epochs` epochs, and its time with the data and model set-up."""
    set_up = time.perf_counter()
    splits, model, size = setup(config)
    rows, val_rows = splits["train"], splits["val"]
    optimizer = optimizer_factory(config)(model.parameters())
    warmup = config["model"]["task"]["kl_warmup_epochs"]

    def negative_elbo(x: torch.Tensor, weight: float) -> torch.Tensor:
        mean, log_var = model.encode(x)
        z = mean + (0.5 * log_var).exp() * torch.randn_like(mean)
        rebuilt = functional.binary_cross_entropy_with_logits(model.decode(z), x, reduction="none")
        kl = 0.5 * (mean ** 2 + log_var.exp() - 1 - log_var).sum(-1)
        return (rebuilt.flatten(1).sum(1) + weight * kl).mean()

    started = time.perf_counter()
    for epoch in range(epochs):
        weight = min(1.0, (epoch + 1) / warmup) if warmup else 1.0
        model.train()
        for x in batches(rows, size):
            loss = negative_elbo(x, weight)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            print(f"validation ELBO {negative_elbo(val_rows, 1.0):.2f}", end="\r")
    finished = time.perf_counter()
    return finished - started, finished - set_up


def bench_case(name: str) -> dict:
    """nnfw and the plain loop on one case: fit times and their ratio."""
    summary, config = run_nnfw_config(CASES[name])
    train_plain = plain_gan if name.startswith("gan") else plain_vae
    loop, _ = train_plain(config, summary["steps"] if name.startswith("gan") else summary["epochs"])
    return {"case": name, "epochs": summary["epochs"], "steps": summary["steps"], "nnfw_fit_s": summary["fit_time_s"],
            "plain_fit_s": loop, "fit_ratio": summary["fit_time_s"] / loop}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", metavar="CASE", help=f"of {', '.join(CASES)} (default: all)")
    parser.add_argument("--repeat", type=int, default=5, help="pairs of runs of each case; the fastest counts")
    args = parser.parse_args()
    if unknown := sorted(set(args.cases) - set(CASES)):
        parser.error(f"unknown case {unknown[0]}: choose from {', '.join(CASES)}")
    results = {name: [bench_case(name) for _ in range(args.repeat)] for name in args.cases or CASES}
    print(f"\n{'case':<12} {'epochs':>6} {'steps':>6} {'nnfw fit':>9} {'plain':>7} {'ratio':>6} {'pairs':>6}")
    for name, runs in results.items():
        nnfw, plain, pairs, _ = compared(runs, "nnfw_fit_s", "plain_fit_s", with_peer=False)
        print(f"{name:<12} {runs[0]['epochs']:>6} {runs[0]['steps']:>6} {nnfw:>9.2f} {plain:>7.2f} "
              f"{nnfw / plain:>6.2f} {pairs:>6.2f}")
