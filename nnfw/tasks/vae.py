"""Variational autoencoders: the negative ELBO in nats per example, its parts, and the test NLL."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn
from torchmetrics import MetricCollection

from nnfw.tasks.base import STAGES, EpochOutputs, SupervisedTask
from nnfw.tasks.reconstruction import UNSUPERVISED_INPUTS, bernoulli_decoder, decoded_values, reconstruction_target

#: importance samples decoded at once when estimating the NLL (memory: chunk x batch x features)
NLL_CHUNK = 100


def log_normal(z: torch.Tensor, mean: torch.Tensor | float = 0.0, log_var: torch.Tensor | float = 0.0
               ) -> torch.Tensor:
    """log N(z; mean, exp(log_var)) summed over the last dimension."""
    log_var = torch.as_tensor(log_var, dtype=z.dtype, device=z.device)
    return -0.5 * ((z - mean) ** 2 / log_var.exp() + log_var + math.log(2 * math.pi)).sum(-1)


class VariationalAutoencoder(SupervisedTask):
    """Minimizes reconstruction + weight x KL, per example, in nats.

    The reconstruction term is -log p(x|z) under a Bernoulli decoder (data in [0, 1]) or a
    Gaussian one of unit variance; KL is KL(q(z|x) || N(0, I)) in closed form. The weight is
    `beta`, reached after `kl_warmup_epochs` of linear warm-up (repeated in cycles of twice that
    length with `kl_schedule=cyclical`). Each split reports `nelbo` (the negative ELBO, beta 1:
    a bound on -log p(x)), `reconstruction` and `kl`; the test split also reports `nll`,
    -log p(x) estimated with `nll_samples` importance samples from q(z|x) (0: skipped).
    """

    accepts = UNSUPERVISED_INPUTS
    predicts_targets = False
    keeps_outputs = False
    PARTS = ("nelbo", "reconstruction", "kl", "nll")

    def __init__(self, *args: Any, beta: float = 1.0, kl_warmup_epochs: int = 0, kl_schedule: str = "linear",
                 nll_samples: int = 0, loss: str = "auto", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.beta, self.kl_warmup_epochs, self.kl_schedule = beta, kl_warmup_epochs, kl_schedule
        self.nll_samples = nll_samples
        self.bernoulli = bernoulli_decoder(loss, self.spec.unit_range)
        self.denoising = self.spec.task == "denoising"
        self.part_sums = {stage: {part: EpochOutputs(keep_outputs=False) for part in self.PARTS} for stage in STAGES}

    def build_metrics(self) -> MetricCollection:
        return MetricCollection({})

    def predictions(self, outputs: torch.Tensor) -> torch.Tensor:
        return decoded_values(outputs, self.bernoulli)

    def kl_weight(self) -> float:
        """The KL term's weight in this epoch of training: beta, after the warm-up."""
        if not self.training or not self.kl_warmup_epochs:
            return self.beta
        epoch = self.current_epoch
        if self.kl_schedule == "cyclical":
            epoch %= 2 * self.kl_warmup_epochs
        return self.beta * min(1.0, (epoch + 1) / self.kl_warmup_epochs)

    def reconstruction_nll(self, decoded: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """-log p(x|z) per example, in nats."""
        if self.bernoulli:
            per_value = nn.functional.binary_cross_entropy_with_logits(
                decoded, target.expand_as(decoded), reduction="none")
        else:
            per_value = 0.5 * ((decoded - target) ** 2 + math.log(2 * math.pi))
        return per_value.flatten(-len(self.model.shape)).sum(-1)

    def elbo_parts(self, inputs: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(-log p(x|z) with one z ~ q(z|x), KL(q(z|x) || p(z))) per example."""
        mean, log_var = self.model.encode(inputs)
        decoded = self.model.decode(self.model.reparameterize(mean, log_var))
        kl = 0.5 * (mean ** 2 + log_var.exp() - 1 - log_var).sum(-1)
        return self.reconstruction_nll(decoded, target), kl

    @torch.no_grad()
    def importance_sampled_nll(self, inputs: torch.Tensor, target: torch.Tensor, samples: int) -> torch.Tensor:
        """-log p(x) per example ~ -log mean_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x) (Burda et al.)."""
        mean, log_var = self.model.encode(inputs)
        weights = []
        for start in range(0, samples, NLL_CHUNK):
            z = self.model.reparameterize(mean, log_var, min(NLL_CHUNK, samples - start))
            decoded = self.model.decode(z)
            weights.append(-self.reconstruction_nll(decoded, target) + log_normal(z) - log_normal(z, mean, log_var))
        return -(torch.logsumexp(torch.cat(weights), dim=0) - math.log(samples))

    def _evaluate(self, batch: tuple[torch.Tensor, torch.Tensor], stage: str) -> torch.Tensor:
        inputs, target = batch[0], reconstruction_target(batch, self.denoising)
        reconstruction, kl = self.elbo_parts(inputs, target)
        loss = (reconstruction + self.kl_weight() * kl).mean()
        if stage != "train" or self.tracking_train_metrics:
            sums = self.part_sums[stage]
            self.epoch_outputs[stage].add(loss, inputs, loss)
            sums["reconstruction"].add(loss, inputs, reconstruction.mean())
            sums["kl"].add(loss, inputs, kl.mean())
            sums["nelbo"].add(loss, inputs, (reconstruction + kl).mean())
            if stage == "test" and self.nll_samples:
                sums["nll"].add(loss, inputs, self.importance_sampled_nll(inputs, target, self.nll_samples).mean())
        return loss

    def epoch_metrics(self, stage: str, kept: EpochOutputs) -> dict[str, torch.Tensor]:
        values = {f"{stage}/loss": kept.mean_loss()}
        for part, sums in self.part_sums[stage].items():
            if sums.count:
                values[f"{stage}/{part}"] = sums.mean_loss()
                sums.clear()
        return values
