"""Generative adversarial training with Lightning's manual optimization: two optimizers, one step
of the discriminator per batch and one of the generator every `d_steps` batches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from lightning.pytorch.core.optimizer import LightningOptimizer
from torch import nn
from torchmetrics import MetricCollection

from nnfw.errors import UserError
from nnfw.privates import step_uncounted
from nnfw.tasks.base import STAGES, EpochOutputs, SupervisedTask
from nnfw.tasks.modes import SAMPLES, mixture_modes, mode_coverage
from nnfw.tasks.reconstruction import UNSUPERVISED_INPUTS

#: what a training epoch logs, averaged over its batches
TRAINING_SCALARS = ("d_loss", "g_loss", "d_real", "d_fake")


class AdversarialTraining(SupervisedTask):
    """The discriminator learns real (label 1 - `label_smoothing`, one-sided) from generated (0);
    the generator the non-saturating loss -log D(G(z)); D judges the model's packs of rows.
    `gradient_penalty` > 0 adds R1, that weight / 2 x |grad D(x)|^2 on real packs.
    `discriminator_optimizer` (a partial taking the parameters) defaults to the `optimizer`
    group's choice.

    Gradients are clipped with `self.clip_gradients` (the Trainer's own clipping does not run
    under manual optimization). Validation reports the discriminator's loss on held-out rows as
    `loss`, and on a labelled 2-D mixture (ring, grid) the modes covered by 2,500 samples and
    the share of high-quality samples.
    """

    accepts = UNSUPERVISED_INPUTS
    predicts_targets = False
    keeps_outputs = False

    def __init__(self, *args: Any, d_steps: int = 1, label_smoothing: float = 0.0, gradient_penalty: float = 0.0,
                 discriminator_optimizer: Callable[..., torch.optim.Optimizer] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.scheduler_config:
            raise UserError("a GAN trains without a learning-rate schedule", "use scheduler=none")
        self.automatic_optimization = False
        self.d_steps, self.label_smoothing, self.gradient_penalty = d_steps, label_smoothing, gradient_penalty
        self.discriminator_factory = discriminator_optimizer or self.optimizer_factory
        self.scalars = {name: EpochOutputs(keep_outputs=False) for name in TRAINING_SCALARS}
        self.real_rows: dict[str, list[torch.Tensor]] = {stage: [] for stage in STAGES}
        # the generator's noise comes from its own stream, saved in checkpoints: a resumed run
        # draws the noise the uninterrupted one would have
        self.noise_stream = torch.Generator().manual_seed(int(self.config.get("seed", 0)))

    def build_metrics(self) -> MetricCollection:
        return MetricCollection({})

    def configure_optimizers(self) -> list[torch.optim.Optimizer]:
        return [self.build_optimizer(self.optimizer_factory, self.model.generator.parameters()),
                self.build_optimizer(self.discriminator_factory, self.model.discriminator.parameters())]

    def generate(self, count: int) -> torch.Tensor:
        return self.model(self.model.noise(count, self.noise_stream).to(self.device))

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        super().on_save_checkpoint(checkpoint)
        checkpoint["noise_stream"] = self.noise_stream.get_state()

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        super().on_load_checkpoint(checkpoint)
        if "noise_stream" in checkpoint:
            self.noise_stream.set_state(checkpoint["noise_stream"].cpu())

    # ------------------------------------------------------------------ losses

    def discriminator_loss(self, real: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(loss, mean D(x), mean D(G(z))) on a batch of real rows and as many generated ones,
        the means over packs."""
        with torch.no_grad():
            fake = self.generate(len(real))
        real = real.detach().requires_grad_(True) if self.gradient_penalty and self.training else real
        real_logits, fake_logits = self.model.discriminate(real), self.model.discriminate(fake)
        bce = nn.functional.binary_cross_entropy_with_logits
        loss = (bce(real_logits, torch.full_like(real_logits, 1.0 - self.label_smoothing))
                + bce(fake_logits, torch.zeros_like(fake_logits)))
        if self.gradient_penalty and self.training:
            (grad,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
            # |grad D|^2 at the discriminator's input, a pack of rows: the rows' summed, on average
            loss = loss + self.gradient_penalty / 2 * self.model.pack * grad.pow(2).flatten(1).sum(1).mean()
        return loss, torch.sigmoid(real_logits).mean(), torch.sigmoid(fake_logits).mean()

    def generator_loss(self, count: int) -> torch.Tensor:
        """The non-saturating loss: -log D(G(z)), strong where D rejects the samples."""
        logits = self.model.discriminate(self.generate(count))
        return nn.functional.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))

    # ------------------------------------------------------------------ training

    def _step(self, optimizer: LightningOptimizer, loss: torch.Tensor, counted: bool) -> None:
        optimizer.zero_grad()
        self.manual_backward(loss)
        self.clip_gradients(optimizer, *self.gradient_clip)
        if counted:
            optimizer.step()
        else:
            step_uncounted(optimizer)

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        real = batch[0]
        generator_optimizer, discriminator_optimizer = self.optimizers()
        d_loss, d_real, d_fake = self.discriminator_loss(real)
        self._step(discriminator_optimizer, d_loss, counted=False)
        self.samples_seen += len(real)
        values = {"d_loss": d_loss, "d_real": d_real, "d_fake": d_fake}
        if (batch_idx + 1) % self.d_steps == 0:
            values["g_loss"] = self.generator_loss(len(real))
            self._step(generator_optimizer, values["g_loss"], counted=True)
        if self.tracking_train_metrics:
            for name, value in values.items():
                self.scalars[name].add(value, real, value)
        return d_loss.detach()

    def on_train_epoch_end(self) -> None:
        values = {f"train/{name}": kept.mean_loss() for name, kept in self.scalars.items() if kept.count}
        for kept in self.scalars.values():
            kept.clear()
        if values:
            self.log_dict(values, prog_bar=True)

    # ------------------------------------------------------------------ evaluation

    def _evaluate(self, batch: tuple[torch.Tensor, torch.Tensor], stage: str) -> torch.Tensor:
        loss, _, _ = self.discriminator_loss(batch[0])
        self.epoch_outputs[stage].add(loss, batch[0], loss)
        if self.spec.task == "multiclass" and not self.spec.image_shape:
            self.real_rows[stage].append(torch.cat([batch[0], batch[1][:, None].to(batch[0].dtype)], 1))
        return loss

    def epoch_metrics(self, stage: str, kept: EpochOutputs) -> dict[str, torch.Tensor]:
        values = {f"{stage}/loss": kept.mean_loss()}
        if self.real_rows[stage]:
            rows = torch.cat(self.real_rows[stage])
            self.real_rows[stage] = []
            centres, std = mixture_modes(rows[:, :-1], rows[:, -1].long())
            covered, quality = mode_coverage(self.generate(SAMPLES), centres, std)
            values[f"{stage}/modes"] = torch.tensor(float(covered))
            values[f"{stage}/high_quality"] = torch.tensor(quality)
        return values
