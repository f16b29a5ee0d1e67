"""The plain Lightning script nnfw is compared with: a LightningModule and a Trainer written as
Lightning's documentation teaches them (TensorDataset and DataLoader, `self.log` of the step
loss, a validation loop, Lightning's default checkpoint), on the same model, tensors, batch size,
optimizer, epochs and validation period as an nnfw run.

    python bench/steps.py spirals_minibatch   # prints the peer's time beside nnfw's and the loop's
"""

from __future__ import annotations

import tempfile
import time

import lightning.pytorch as pl
import torch
from rebuild import rebuild
from torch.utils.data import DataLoader, TensorDataset


class PeerModule(pl.LightningModule):
    """A classifier as Lightning's docs write one."""

    def __init__(self, model: torch.nn.Module, optimizer: object, binary: bool) -> None:
        super().__init__()
        self.model, self.optimizer_factory, self.binary = model, optimizer, binary

    def _loss(self, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        features, targets = batch
        outputs = self.model(features)
        if self.binary:
            return torch.nn.functional.binary_cross_entropy_with_logits(outputs.squeeze(-1), targets)
        return torch.nn.functional.cross_entropy(outputs, targets)

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        loss = self._loss(batch)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        self.log("val_loss", self._loss(batch))

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return self.optimizer_factory(self.model.parameters())


def run_peer(config: dict, epochs: int) -> float:
    """Seconds `trainer.fit` of the peer script takes for `epochs` epochs of nnfw's `config`."""
    datamodule, model, optimizer = rebuild(config)
    spec = datamodule.spec
    batch = config["data"]["batch_size"]
    loaders = [DataLoader(TensorDataset(*datamodule.tensors[split]), shuffle=split == "train",
                          batch_size=len(datamodule.tensors[split][0]) if batch == "full" else int(batch))
               for split in ("train", "val")]
    module = PeerModule(model, optimizer, binary=spec.task == "binary")
    with tempfile.TemporaryDirectory() as tmp:
        trainer = pl.Trainer(max_epochs=epochs, accelerator="cpu", devices=1, default_root_dir=tmp,
                             check_val_every_n_epoch=config["trainer"]["check_val_every_n_epoch"],
                             num_sanity_val_steps=0, enable_progress_bar=False, enable_model_summary=False,
                             logger=pl.loggers.CSVLogger(tmp))
        started = time.perf_counter()
        trainer.fit(module, *loaders)
        return time.perf_counter() - started
