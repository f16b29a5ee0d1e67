"""The private APIs nnfw relies on (nnfw/privates.py) still do what nnfw needs of them.

A failure here means an installed Hydra, Lightning or torch changed one: adapt nnfw/privates.py
and the version bounds in pyproject.toml, rather than let nnfw run slower or count wrong.
"""

from __future__ import annotations

from pathlib import Path

from nnfw import privates


def test_hydra_reads_its_command_line_and_runs_callbacks_and_jobs() -> None:
    from omegaconf import OmegaConf

    args = privates.hydra_args_parser().parse_intermixed_args(["-m", "--cfg", "job", "-sc", "query=bash", "a=1"])
    assert (args.multirun, args.cfg, args.shell_completion, args.overrides) == (True, "job", True, ["query=bash", "a=1"])
    callbacks = privates.hydra_callbacks(OmegaConf.create({"hydra": {"callbacks": {}}}))
    assert callable(callbacks.on_run_start) and callable(callbacks.on_run_end)
    assert privates.hydra_run_and_report(lambda: 42) == 42


def test_lightning_counts_the_steps_nnfw_takes_itself(tmp_path: Path) -> None:
    """Manual optimization steps taken through `step_counted` are counted in `global_step`, and
    `count_stepped_batches` moves the step at which loggers place values."""
    import lightning.pytorch as pl
    import torch

    class PlainSteps(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(2, 1)
            self.automatic_optimization = False

        def training_step(self, batch: list[torch.Tensor], batch_idx: int) -> None:
            optimizer = self.optimizers()
            for _ in range(3):
                optimizer.optimizer.zero_grad()
                self.layer(batch[0]).pow(2).mean().backward()
                privates.step_counted(optimizer)
            privates.count_stepped_batches(self.trainer, 2)

        def configure_optimizers(self) -> torch.optim.Optimizer:
            return torch.optim.SGD(self.parameters(), lr=0.1)

    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.ones(4, 2)), batch_size=4)
    trainer = pl.Trainer(max_epochs=2, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, default_root_dir=tmp_path)
    trainer.fit(PlainSteps(), data)
    assert trainer.global_step == 6
    assert trainer.fit_loop.epoch_loop._batches_that_stepped == 6


def test_a_step_taken_uncounted_is_not_counted_in_global_step(tmp_path: Path) -> None:
    """`step_uncounted` steps the optimizer (its parameters move) without adding to `global_step`,
    as a GAN's discriminator steps; the counted step beside it counts once."""
    import lightning.pytorch as pl
    import torch

    class TwoOptimizers(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.first, self.second = torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)
            self.automatic_optimization = False

        def training_step(self, batch: list[torch.Tensor], batch_idx: int) -> None:
            counted, uncounted = self.optimizers()
            for optimizer, layer, step in ((uncounted, self.second, privates.step_uncounted),
                                           (counted, self.first, lambda o: o.step())):
                optimizer.zero_grad()
                self.manual_backward(layer(batch[0]).pow(2).mean())
                step(optimizer)

        def configure_optimizers(self) -> list[torch.optim.Optimizer]:
            return [torch.optim.SGD(self.first.parameters(), lr=0.1), torch.optim.SGD(self.second.parameters(), lr=0.1)]

    module = TwoOptimizers()
    before = module.second.weight.detach().clone()
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.ones(4, 2)), batch_size=2)
    trainer = pl.Trainer(max_epochs=1, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, default_root_dir=tmp_path)
    trainer.fit(module, data)
    assert trainer.global_step == 2  # two batches, one counted step each
    assert not torch.equal(module.second.weight, before)


def test_a_logged_value_on_its_device_is_not_moved_and_any_other_move_still_happens() -> None:
    """`skip_needless_moves_of_logged_values` leaves a logged value's accumulator as it is when it
    is on the requested device (no walk, no copy of its metadata), and moves it otherwise."""
    import torch
    from lightning.pytorch.trainer.connectors.logger_connector.result import _Metadata, _ResultMetric

    privates.skip_needless_moves_of_logged_values()
    privates.skip_needless_moves_of_logged_values()  # once per process, however often asked
    accumulator = _ResultMetric(_Metadata(fx="validation_step", name="val/loss"), is_tensor=True)
    accumulator.update(torch.tensor(2.0), batch_size=4)
    meta = accumulator.meta
    assert accumulator.to(torch.device("cpu")) is accumulator and accumulator.meta is meta
    assert (float(accumulator.value), int(accumulator.cumulated_batch_size)) == (8.0, 4)  # value x batch size
    accumulator.to("meta")  # another device: Lightning's own move, which copies the metadata
    assert accumulator.value.device.type == "meta" and accumulator.meta is not meta


def test_a_progress_display_stops_without_waiting_for_its_refresh_thread() -> None:
    """Lightning's progress display joins a refresh thread that sleeps a second between looks at
    its stop flag; `stop_refreshing_at_once` flags it and the display's stop no longer joins it."""
    import io

    from lightning.pytorch.callbacks.progress.rich_progress import CustomProgress
    from rich.console import Console

    progress = CustomProgress(console=Console(file=io.StringIO()), refresh_per_second=1)
    progress.start()
    thread = progress.live._refresh_thread
    assert thread is not None and thread.is_alive()
    joined = []
    thread.join = lambda *args, **kwargs: joined.append(args)  # type: ignore[method-assign]
    privates.stop_refreshing_at_once(progress)
    progress.stop()
    assert thread.done.is_set() and progress.live._refresh_thread is None and not joined
    del thread.join
    thread.join(timeout=10)
    assert not thread.is_alive()
