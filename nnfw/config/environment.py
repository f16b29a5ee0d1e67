"""What a run needs of the machine and the installation: a writable run directory, the plugins
and extras its options name, and a launcher DDP can run under (torch-free)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from nnfw.errors import UserError


def check_reuse(run_dir: str | Path, resuming: bool) -> None:
    """A run directory that holds a finished run is never reused; one that holds a failed or stopped
    run only to continue it (`resuming`: ckpt_path is set)."""
    summary = Path(run_dir) / "summary.json"
    if not summary.is_file():
        return
    try:
        status = json.loads(summary.read_text() or "{}").get("status") or "previous"
    except (ValueError, AttributeError):  # not a summary nnfw wrote: a run's directory all the same
        status = "previous"
    if status == "completed" or not resuming:
        raise UserError(f"run directory {run_dir} already holds a {status} run",
                        "choose a new hydra.run.dir (an unfinished run may be continued there with ckpt_path=...)")


def check_run_dir(cfg: DictConfig, overrides: list[str]) -> None:
    """The run directory can be created, and an explicit one holding a finished run is never reused."""
    given = {o.split("=", 1)[0]: o.split("=", 1)[1] for o in overrides if o.startswith(("hydra.run.dir=", "hydra.sweep.dir="))}
    if "hydra.run.dir" in given:
        check_reuse(given["hydra.run.dir"], resuming=bool(cfg.get("ckpt_path")))
    written = given or {"paths.output_root": str(cfg.paths.output_root)}  # explicit directories win
    for key, value in written.items():
        ancestor = Path(value).expanduser().absolute()
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
            raise UserError(f"cannot write the run directory under {value}: {ancestor} is not a writable directory",
                            f"choose another {key}")



def check_distributed(cfg: DictConfig, overrides: list[str]) -> None:
    """DDP that starts its own processes cannot run as a job of a local multirun.

    Lightning starts the other processes by running the command line again: inside a
    multirun, each of them would start the whole sweep. On a cluster, the submitit launcher
    gives each job its own processes, which Lightning finds through SLURM.
    """
    strategy, devices = cfg.trainer.get("strategy"), cfg.trainer.get("devices")
    if not (isinstance(strategy, str) and strategy.startswith("ddp")) or devices in (1, "1"):
        return
    if "hydra/launcher=submitit_slurm" not in overrides:
        raise UserError(
            f"trainer.strategy={strategy} cannot run as a job of a multirun: each DDP process would start the sweep again",
            "train each configuration with its own `nnfw train`, or sweep on SLURM with hydra/launcher=submitit_slurm",
        )



#: the Hydra plugin every hparams_search option runs on
SEARCH_PLUGIN = "hydra_plugins.hydra_optuna_sweeper"



def check_search_plugin(parsed: list[Any]) -> None:
    """`hparams_search=...` needs the Optuna sweeper, an optional extra: say so rather than fail to compose."""
    import importlib.util

    searches = [o for o in parsed if o.get_key_element() == "hparams_search" and o.value() is not None]
    if searches and importlib.util.find_spec(SEARCH_PLUGIN) is None:
        raise UserError(f"{searches[0].input_line} needs Hydra's Optuna sweeper, which is not installed",
                        "pip install 'nnfw[search]' (hydra-optuna-sweeper)")



#: loggers whose library is an optional extra: class name -> (module, extra)
LOGGER_EXTRAS = {"MLFlowLogger": ("mlflow", "mlflow"), "WandbLogger": ("wandb", "wandb")}



def check_logger_extras(cfg: DictConfig) -> None:
    """A logger whose library is not installed is named with the extra that installs it."""
    import importlib.util

    for name, node in (cfg.get("logger") or {}).items():
        target = str(node.get("_target_", "")) if isinstance(node, DictConfig) else ""
        module, extra = LOGGER_EXTRAS.get(target.rpartition(".")[2], (None, None))
        if module and importlib.util.find_spec(module) is None:
            raise UserError(f"logger {name} needs {module}, which is not installed", f"pip install 'nnfw[{extra}]'")

