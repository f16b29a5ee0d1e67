"""Pictures of generative models, in the run directory and TensorBoard's image tab.

- reconstructions.png: validation images, their corrupted copies (denoising data) and the
  model's reconstructions, one row each;
- latent_space.png: the validation rows' codes (their first two dimensions), coloured by class;
- samples.png: a VAE's images decoded from prior draws, an image GAN's generated images, or a
  2-D GAN's points over the real data at several moments of training;
- latent_traversal.png: a VAE's images decoded along its first two latent dimensions.
"""

from __future__ import annotations

import lightning.pytorch as pl
import numpy as np
import torch
from lightning.pytorch.callbacks import Callback

from nnfw.tasks.gan import AdversarialTraining
from nnfw.tasks.reconstruction import Reconstruction
from nnfw.tasks.sampling import sampled_images
from nnfw.tasks.vae import VariationalAutoencoder
from nnfw.views import pictures
from nnfw.views.insight import publish


class GenerativePictures(Callback):
    """Draws the pictures of autoencoders, VAEs and GANs (see the module); nothing for other tasks.

    A 2-D GAN keeps `points` generated points at each of up to `moments` validations spread over
    the run; the others draw once, after the final validation (the weights the run reports).
    """

    def __init__(self, count: int = 8, points: int = 500, moments: int = 5) -> None:
        self.count, self.points, self.moments = count, points, moments
        self.snapshots: list[tuple[int, np.ndarray]] = []

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.is_global_zero or trainer.sanity_checking:
            return
        if isinstance(pl_module, AdversarialTraining) and not pl_module.spec.image_shape:
            self._snapshot(trainer, pl_module)
        elif trainer.state.fn == "validate" and isinstance(pl_module, AdversarialTraining):
            self._generated_images(trainer, pl_module)
        elif trainer.state.fn == "validate" and isinstance(pl_module, (Reconstruction, VariationalAutoencoder)):
            self._autoencoder_pictures(trainer, pl_module)

    # ------------------------------------------------------------------ GANs on 2-D data

    def _snapshot(self, trainer: pl.Trainer, task: AdversarialTraining) -> None:
        if trainer.state.fn == "fit":
            noise = task.model.noise(self.points, torch.Generator().manual_seed(0))  # the same z each time
            with torch.no_grad():
                generated = task.model(noise.to(task.device)).cpu().numpy()
            self.snapshots.append((trainer.global_step, generated))
            return
        if not self.snapshots or task.model.shape != (2,):
            return
        real, labels = (t.cpu().numpy() for t in trainer.datamodule.tensors["val"])
        shown = np.unique(np.linspace(0, len(self.snapshots) - 1, self.moments).round().astype(int))
        colours = pictures.class_colours(labels) if task.spec.task == "multiclass" else [pictures.REAL] * len(real)
        panels = [(f"step {step}", [(real, [pictures.REAL] * len(real)), (points, [pictures.GENERATED] * len(points))])
                  for step, points in (self.snapshots[i] for i in shown)]
        panels.insert(0, ("real data", [(real, colours)]))
        publish(trainer, "samples", pictures.scatter(panels, pictures.padded_bounds(real)))

    @staticmethod
    def _generated_images(trainer: pl.Trainer, task: AdversarialTraining) -> None:
        """samples.png: 64 images generated from the same noise draws at every run, in pixels."""
        images = sampled_images(task, trainer.datamodule, 64)
        publish(trainer, "samples", pictures.grid(images, [pictures.NEUTRAL] * len(images)))

    # ------------------------------------------------------------------ autoencoders and VAEs

    def _autoencoder_pictures(self, trainer: pl.Trainer, task: Reconstruction | VariationalAutoencoder) -> None:
        datamodule, model = trainer.datamodule, task.model
        inputs, targets = (t.to(task.device) for t in datamodule.tensors["val"])
        with torch.no_grad():
            codes = model.encode(inputs)
            codes = codes[0] if isinstance(codes, tuple) else codes  # a VAE's posterior means
            if task.spec.image_shape:
                shown = inputs[: self.count]
                rebuilt = task.predictions(model(shown))
                rows = [targets[: self.count], shown] if task.denoising else [shown]
                images = torch.cat([*(datamodule.denormalize(r) for r in rows), rebuilt if task.bernoulli
                                    else datamodule.denormalize(rebuilt)]).cpu().numpy()
                publish(trainer, "reconstructions",
                        pictures.grid(images, [pictures.NEUTRAL] * len(images), columns=len(shown)))
                if isinstance(task, VariationalAutoencoder):
                    self._vae_pictures(trainer, task)
        points = codes[:, :2].cpu().numpy()
        if points.shape[1] == 2:
            labels = targets.cpu().numpy() if not task.denoising and task.spec.num_classes else np.zeros(len(points))
            publish(trainer, "latent_space", pictures.scatter(
                [("latent space (first two dimensions)", [(points, pictures.class_colours(labels))])],
                pictures.padded_bounds(points)))

    @staticmethod
    def _vae_pictures(trainer: pl.Trainer, task: VariationalAutoencoder) -> None:
        """samples.png from 64 prior draws, and latent_traversal.png: the first two latent
        dimensions stepped from -2.5 to 2.5 (8 x 8), the others at 0."""
        model, steps = task.model, torch.linspace(-2.5, 2.5, 8, device=task.device)
        prior = torch.randn(64, model.latent_size, device=task.device)
        traversal = torch.zeros(64, model.latent_size, device=task.device)
        traversal[:, 0] = steps.repeat(8)
        if model.latent_size > 1:
            traversal[:, 1] = steps.repeat_interleave(8)
        for name, codes in (("samples", prior), ("latent_traversal", traversal)):
            images = task.predictions(model.decode(codes)).cpu().numpy()
            publish(trainer, name, pictures.grid(images, [pictures.NEUTRAL] * 64))
