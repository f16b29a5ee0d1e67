"""The options of a checkpoint command (eval, predict, export): its own root config in conf/,
composed with Hydra's compose API and checked like `nnfw train`'s overrides, before torch loads."""

from __future__ import annotations

import sys
from pathlib import Path

from omegaconf import DictConfig

from nnfw.config import locate
from nnfw.config.keys import check_keys
from nnfw.config.overrides import compose as compose_options
from nnfw.config.overrides import parse
from nnfw.config.values import check_rules
from nnfw.errors import UserError, suggestion


def compose(command: str, argv: list[str]) -> DictConfig:
    """conf/COMMAND.yaml with `argv`'s key=value words applied; a UserError for any bad one."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    parsed = parse(argv)
    base = compose_options([], command)
    known = [str(k) for k in base if k != "hydra"]
    for override in parsed:
        key = override.get_key_element()
        if key not in known:
            raise UserError(f"unknown option '{key}' for nnfw {command}", suggestion(key, known, "options"))
    check_keys(parsed, base)
    try:
        cfg = compose_options(argv, command)
    except (HydraException, OmegaConfBaseException) as err:
        raise UserError(f"cannot read the options {' '.join(argv)}", str(err).strip().splitlines()[0]) from err
    check_rules(cfg)
    return cfg


#: a run's checkpoints in the order a command reads them: the best by the monitored metric, else the latest
RUN_CHECKPOINTS = ("best.ckpt", "last.ckpt")


def run_checkpoint(run_dir: Path) -> Path:
    """`run_dir`'s best checkpoint, or its last one (said on stderr) when no validation chose a best:
    a run stopped by `trainer.max_steps` before its first validation has only last.ckpt."""
    folder = run_dir / "checkpoints"
    found = next((folder / name for name in RUN_CHECKPOINTS if (folder / name).is_file()), folder / RUN_CHECKPOINTS[0])
    if found.name != RUN_CHECKPOINTS[0]:
        print(f"nnfw: {folder} has no {RUN_CHECKPOINTS[0]} (the run ended before a validation chose one); "
              f"using {found.name}", file=sys.stderr)
    return found


def checkpoint(cfg: DictConfig, command: str) -> Path:
    """The checkpoint a command reads: `ckpt=PATH`, or `run=RUN_DIR`'s checkpoints/best.ckpt (else last.ckpt)."""
    if cfg.ckpt is not None and cfg.run is not None:
        raise UserError("give ckpt=PATH or run=RUN_DIR, not both")
    if cfg.ckpt is None and cfg.run is None:
        raise UserError(f"nnfw {command} needs a checkpoint",
                        f"e.g. nnfw {command} run=outputs/DATE/RUN or ckpt=outputs/DATE/RUN/checkpoints/best.ckpt")
    path = Path(str(cfg.ckpt)).expanduser() if cfg.ckpt is not None else run_checkpoint(Path(str(cfg.run)).expanduser())
    if not path.is_file():
        given = "ckpt" if cfg.ckpt is not None else "run"
        raise UserError(f"checkpoint not found: {path}",
                        f"check {given}=...; a finished run keeps its checkpoints in RUN_DIR/checkpoints/")
    return path


def run_dir_of(checkpoint: Path) -> Path:
    """The run directory a checkpoint belongs to (RUN_DIR/checkpoints/x.ckpt), else its folder."""
    return checkpoint.parent.parent if checkpoint.parent.name == "checkpoints" else checkpoint.parent


def print_help(command: str, about: str) -> None:
    """The command's purpose, then its root config: every option with its default and comment."""
    text = (locate.config_dir() / f"{command}.yaml").read_text()
    print(f"usage: nnfw {command} key=value ...", "", about, "", "options (conf/" + command + ".yaml):", text, sep="\n")


def read(command: str, about: str, argv: list[str],
         verbatim: tuple[str, ...] = ()) -> tuple[DictConfig, Path] | None:
    """A checkpoint command's options and checkpoint, checked; None once `--help` has been answered.

    The `verbatim` options take any text as typed (a prompt may hold commas, quotes or brackets,
    which the override grammar would read as a sweep, a string or a list)."""
    if any(word in ("-h", "--help") for word in argv):
        print_help(command, about)
        return None
    texts = {key: text for key, sep, text in (word.partition("=") for word in argv) if sep and key in verbatim}
    cfg = compose(command, [word for word in argv if word.partition("=")[0] not in texts])
    for key, text in texts.items():
        cfg[key] = text
    return cfg, checkpoint(cfg, command)
