"""What a run's logged values say about it, with the numbers that led there and the change to try.

Reads history.csv and summary.json only (no torch): diverging, stalled by a small learning
rate, underfitting, overfitting, dead units, or healthy when none of these shows. A GAN's
losses fall and rise as its two players take turns, so its runs are judged by what the
literature watches instead: a discriminator that wins outright, and modes the generator drops.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nnfw.artifacts.history import main_metric, series

#: the training loss growing this many times over its smallest value, or the weights' norm over
#: its first value, is divergence
DIVERGED = 10.0
WEIGHTS_DIVERGED = 20.0
#: a validation loss this far above its best, as a share of how far it fell, is overfitting
OVERFIT_RISE = 0.25
#: a training loss that fell by less than this share of its first value, still falling steadily, stalled
STALLED = 0.5
#: a layer with more than this share of dead ReLU units is hurt by them (trained ReLU networks on
#: two inputs often leave half their units silent and still separate the data)
DEAD = 0.8
#: a discriminator whose mean D(G(z)) falls below this (and D(x) above 1 minus it) has won: the
#: generator's gradient vanishes
DISCRIMINATOR_WON = 0.05
#: a GAN covering fewer than this share of the most modes it ever covered has collapsed onto the rest
COLLAPSED = 0.5


@dataclass(frozen=True)
class Finding:
    kind: str        # diverging | stalled | underfitting | overfitting | dead units | healthy
    evidence: str    # the numbers that led to it
    advice: str      # what to try, as config overrides where there is one

    @property
    def healthy(self) -> bool:
        return self.kind == "healthy"


def diagnose(history: Sequence[Mapping[str, float]], summary: Mapping[str, Any]) -> list[Finding]:
    """Every problem the run shows, worst first; [healthy] when it shows none."""
    diverged = summary.get("error_type") == "TrainingDiverged"
    if summary.get("status", "completed") != "completed" and not diverged:
        return [Finding(str(summary["status"]), str(summary.get("error", "no error recorded")),
                        "the run did not finish: fix what stopped it and train again")]
    if not history and not diverged:
        return [Finding("not enough to judge", "no validation was logged", "train for more epochs, "
                        "or validate more often (trainer.check_val_every_n_epoch=1)")]
    adversarial = any("train/g_loss" in row for row in history)
    checks = (diverging, discriminator_wins, mode_collapse, dead_units) if adversarial else \
        (diverging, stalled, underfitting, overfitting, dead_units)
    findings = [finding for check in checks if (finding := check(history, summary)) is not None]
    if findings:
        return findings
    if adversarial:
        return [Finding("healthy", f"{_players(history)}; no divergence, winning discriminator or dropped modes",
                        "nothing to fix; more generator steps (trainer.max_steps) may still sharpen the samples")]
    metric = main_metric(history)
    shown = f", {metric} {summary.get('metrics', {}).get(metric, history[-1].get(metric, math.nan)):.4g}" \
        if metric and history else ""
    losses = series(history, "val/loss")
    fell = f"val loss fell from {losses[0][1]:.4g} to {min(v for _, v in losses):.4g}" if losses else "no problem seen"
    return [Finding("healthy", f"{fell}{shown}; no divergence, stall, overfitting or dead units",
                    "nothing to fix; a longer run or a larger model may still gain a little")]


def _lr(history: Sequence[Mapping[str, float]]) -> float | None:
    rates = [row["lr"] for row in history if "lr" in row]
    return rates[0] if rates else None


def diverging(history: Sequence[Mapping[str, float]], summary: Mapping[str, Any]) -> Finding | None:
    lr = _lr(history)
    lower = f"optimizer.lr={lr / 10:g} and regularization.gradient_clip.value=1" if lr else \
        "a smaller optimizer.lr and regularization.gradient_clip.value=1"
    if summary.get("error_type") == "TrainingDiverged":
        return Finding("diverging", str(summary.get("error", "the loss became NaN")).split(";")[0], f"try {lower}")
    losses = [v for _, v in series(history, "train/loss")]
    if len(losses) >= 2 and min(losses) > 0 and losses[-1] > DIVERGED * min(losses):
        return Finding("diverging", f"the training loss fell to {min(losses):.4g}, then grew to {losses[-1]:.4g} "
                                    f"(x{losses[-1] / min(losses):.3g})", f"try {lower}")
    weights = _total(history, "diag/weight_norm/")
    if len(weights) >= 2 and weights[0] > 0 and max(weights) > WEIGHTS_DIVERGED * weights[0]:  # not from zeros
        return Finding("diverging", f"the weights' norm grew from {weights[0]:.4g} to {max(weights):.4g} "
                                    f"(x{max(weights) / weights[0]:.3g}); the training loss peaked at "
                                    f"{max(losses, default=math.nan):.4g}", f"try {lower}")
    gradients = _total(history, "diag/grad_norm/")
    if len(gradients) >= 2 and gradients[0] > 0 and max(gradients) > 100 * gradients[0] and losses and losses[-1] > losses[0]:
        return Finding("exploding gradients", f"the gradient norm grew from {gradients[0]:.3g} to {max(gradients):.3g} "
                                              f"(x{max(gradients) / gradients[0]:.3g}) while the loss rose", f"try {lower}")
    return None


def _total(history: Sequence[Mapping[str, float]], prefix: str) -> list[float]:
    """The sum over layers of a per-layer value, on every row that logged it."""
    totals = [sum(v for k, v in row.items() if k.startswith(prefix)) for row in history
              if any(k.startswith(prefix) for k in row)]
    return [t for t in totals if math.isfinite(t)]


def stalled(history: Sequence[Mapping[str, float]], summary: Mapping[str, Any]) -> Finding | None:
    """The training loss fell little and was still falling as fast at the end: steps too small (or too few)."""
    losses = [v for _, v in series(history, "train/loss")]
    if len(losses) < 4 or losses[0] <= 0:
        return None
    drop = (losses[0] - losses[-1]) / losses[0]
    late = losses[len(losses) // 2] - losses[-1]
    if not 0 < drop < STALLED or late < 0.4 * (losses[0] - losses[-1]):
        return None
    lr = _lr(history)
    return Finding("stalled", f"the training loss fell only {drop:.0%} ({losses[0]:.4g} to {losses[-1]:.4g}) and was "
                              f"still falling steadily at the end" + (f", at learning rate {lr:g}" if lr else ""),
                   f"try optimizer.lr={lr * 10:g}, or more epochs" if lr else "try a larger optimizer.lr")


#: the baselines a network that learned anything beats, in words
SIMPLE_BASELINES = {"majority": "the majority class", "mean": "the mean", "logistic": "logistic regression",
                    "ridge": "ridge regression"}


def underfitting(history: Sequence[Mapping[str, float]], summary: Mapping[str, Any]) -> Finding | None:
    """The network is no better than the linear baseline, or its training loss stopped moving while high."""
    metrics = summary.get("metrics", {})
    for baseline, scores in (summary.get("baselines") or {}).items():
        if baseline not in SIMPLE_BASELINES:
            continue
        for name, theirs in scores.items():
            ours = metrics.get(name)
            if not isinstance(ours, float) or not name.startswith("val/"):
                continue
            worse = (ours < theirs or ours == theirs < 1) if name.endswith("acc") else ours >= theirs
            if worse:
                return Finding("underfitting", f"{name} {ours:.4g} is no better than {SIMPLE_BASELINES[baseline]}'s {theirs:.4g}",
                               f"try {_larger(summary)}, more epochs (trainer.max_epochs=...), a larger "
                               "optimizer.lr, or less weight decay (regularization.weight_decay=..., heavy on small tables)")
    return None


def _larger(summary: Mapping[str, Any]) -> str:
    """A larger model, as the overrides its config's `_grows_` declaration gave the run's summary."""
    overrides = " ".join(summary.get("larger_model") or ())
    return f"a larger model ({overrides})" if overrides else "a larger model"


def overfitting(history: Sequence[Mapping[str, float]], summary: Mapping[str, Any]) -> Finding | None:
    val, train = series(history, "val/loss"), dict(series(history, "train/loss"))
    if len(val) < 4:
        return None
    best_epoch, best = min(val, key=lambda point: point[1])
    last_epoch, last = val[-1]
    fell = val[0][1] - best
    if fell <= 0.1 * val[0][1] or last - best <= OVERFIT_RISE * fell or best_epoch == last_epoch:
        return None
    train_then, train_now = train.get(best_epoch), train.get(last_epoch)
    if train_then is None or train_now is None or train_now >= train_then:
        return None
    return Finding("overfitting", f"val loss rose from {best:.4g} (epoch {best_epoch:g}) to {last:.4g} (epoch "
                                  f"{last_epoch:g}) while train loss fell from {train_then:.4g} to {train_now:.4g}; "
                                  f"the gap is now {last - train_now:.4g}",
                   "try regularization=dropout, regularization.weight_decay=1e-3, or "
                   "regularization.early_stopping.enabled=true; more training data helps most")


def dead_units(history: Sequence[Mapping[str, float]], summary: Mapping[str, Any]) -> Finding | None:
    read = [row for row in history if any(k.startswith("diag/dead_relu/") for k in row)]
    if not read:
        return None
    last = read[-1]
    dead = {k.removeprefix("diag/dead_relu/"): v for k, v in last.items() if k.startswith("diag/dead_relu/") and v > DEAD}
    if not dead:
        return None
    layers = ", ".join(f"{name} {share:.0%}" for name, share in dead.items())
    return Finding("dead units", f"ReLU units that output 0 for every validation sample: {layers}",
                   "try model.activation=leaky_relu, a smaller optimizer.lr, or model.init=he")


def _players(history: Sequence[Mapping[str, float]]) -> str:
    """The last epoch's D(x), D(G(z)) and, for 2-D mixtures, the modes covered."""
    last = {key: value for row in history for key, value in row.items()}  # each key's latest value
    parts = [f"{label} {last[key]:.3g}" for key, label in (("val/modes", "modes covered"),
                                                          ("train/d_real", "D(x)"), ("train/d_fake", "D(G(z))"))
             if key in last]
    if "val/high_quality" in last:
        parts.insert(1, f"{last['val/high_quality']:.0%} high-quality samples")
    return ", ".join(parts) or "no GAN values logged"


def discriminator_wins(history: Sequence[Mapping[str, float]], summary: Mapping[str, Any]) -> Finding | None:
    fakes, reals = series(history, "train/d_fake"), dict(series(history, "train/d_real"))
    if not fakes:
        return None
    epoch, fake = fakes[-1]
    real = reals.get(epoch, math.nan)
    if not (fake < DISCRIMINATOR_WON and real > 1 - DISCRIMINATOR_WON):
        return None
    return Finding("discriminator wins", f"at epoch {epoch:g} the discriminator scores real samples {real:.3g} and "
                                         f"generated ones {fake:.3g}: the generator's gradient vanishes",
                   "try model.task.gradient_penalty=1, model.task.label_smoothing=0.1, or a smaller optimizer.lr")


def mode_collapse(history: Sequence[Mapping[str, float]], summary: Mapping[str, Any]) -> Finding | None:
    modes = series(history, "val/modes")
    if not modes:
        return None
    best_epoch, best = max(modes, key=lambda point: point[1])
    last_epoch, last = modes[-1]
    if last >= COLLAPSED * best:
        return None
    return Finding("mode collapse", f"the generator covered {best:g} modes at epoch {best_epoch:g}, "
                                    f"{last:g} at epoch {last_epoch:g}",
                   "try model.task.gradient_penalty=1, more discriminator steps (model.task.d_steps=2), "
                   "or a larger model.noise_size")
