"""`nnfw SUBCOMMAND ...`: dispatch, help, and the error contract (exit 2, no traceback)."""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Callable

from nnfw.config.paths import expand_paths
from nnfw.errors import UserError, report, suggestion

USAGE = "usage: nnfw [--help] [--version] [--shell-completion install=bash|zsh] SUBCOMMAND [ARGS...]"
#: the flags of shell completion, as Hydra spells them
COMPLETION_FLAGS = {"-sc", "--shell-completion"}


def _lazy(module: str) -> Callable[[list[str]], int]:
    """The `run` of nnfw.cli.MODULE, imported only when its subcommand is chosen (help stays torch-free)."""

    def handler(argv: list[str]) -> int:
        return importlib.import_module(f"nnfw.cli.{module}").run(argv)

    return handler


#: subcommand -> (handler, one-line description)
SUBCOMMANDS: dict[str, tuple[Callable[[list[str]], int], str]] = {
    "train": (_lazy("train"), "train a model: nnfw train [-m] [group=option] [key=value ...]"),
    "tune": (_lazy("tune"), "find a learning rate for a model and data: nnfw tune lr [group=option] [key=value ...]"),
    "eval": (_lazy("eval"), "evaluate a checkpoint on its test split: nnfw eval run=RUN_DIR [split=val]"),
    "predict": (_lazy("predict"), "predict for new inputs: nnfw predict run=RUN_DIR input=FILE output=FILE.csv"),
    "embed": (_lazy("embed"), "write a model's features for new inputs: nnfw embed run=RUN_DIR input=FOLDER output=FILE.csv"),
    "export": (_lazy("export"), "export a model: nnfw export run=RUN_DIR format=onnx|torchscript [output=FILE]"),
    "sample": (_lazy("sample"), "generate text from a language model: nnfw sample run=RUN_DIR prompt=TEXT length=500"),
    "runs": (_lazy("runs"), "a table of finished runs: nnfw runs [DIR] [--sort val/acc] [--format csv|markdown]"),
    "tensorboard": (_lazy("tensorboard"), "start TensorBoard on the runs: nnfw tensorboard [DIR] [tensorboard options]"),
    "report": (_lazy("report"), "an HTML report of a run or a sweep, with its diagnosis: nnfw report DIR [output=FILE]"),
    "list": (_lazy("listing"), "list config groups and their options: nnfw list [GROUP]"),
}


def print_help() -> None:
    from nnfw.config import locate

    lines = [USAGE, "", "Train neural networks from composable Hydra configs.", "", "subcommands:"]
    lines += [f"  {name:<12} {about}" for name, (_, about) in SUBCOMMANDS.items()]
    lines += ["", "config groups (choose with group=option, e.g. nnfw train model=mlp data=moons):"]
    lines += [f"  {group:<15} {', '.join(opts)}" for group, opts in locate.groups().items()]
    lines += [
        "",
        "examples:",
        "  nnfw train                                   # MLP on the two-spirals data",
        "  nnfw train experiment=xor                    # a tutorial example",
        "  nnfw train -m optimizer.lr=1e-3,1e-2 regularization.dropout=0,0.3",
        "  nnfw train --help                            # Hydra's help for the train config",
        "  nnfw train -m hparams_search=spirals         # an Optuna search (pip install 'nnfw[search]')",
        "  nnfw eval run=outputs/DATE/RUN               # every subcommand answers --help",
        "  nnfw eval run=outputs/DATE/RUN               # any subcommand: nnfw SUBCOMMAND --help",
        "",
        "Tab completion: eval \"$(nnfw --shell-completion install=bash)\" in ~/.bashrc (install=zsh: ~/.zshrc)",
        "Set NNFW_DEBUG=1 to see the traceback behind an error message.",
    ]
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print_help()
        sys.exit(0 if argv else 2)
    if argv[0] in COMPLETION_FLAGS or (argv[0] == "train" and COMPLETION_FLAGS & set(argv)):
        sys.exit(run_reported(_lazy("completion"), argv))  # `nnfw -sc ...`, and Hydra's `nnfw train -sc ...`
    if argv[0] == "--version":
        from nnfw import __version__

        print(f"nnfw {__version__}")
        sys.exit(0)
    if argv[0] not in SUBCOMMANDS and os.environ.get("LOCAL_RANK", "0") != "0":
        argv = ["train", *argv]  # a DDP process started by Lightning: the overrides of `nnfw train`
    name, rest = argv[0], expand_paths(argv[1:])
    if name not in SUBCOMMANDS:
        sys.exit(report(UserError(f"unknown subcommand '{name}'", suggestion(name, SUBCOMMANDS, "subcommands"))))
    sys.exit(run_reported(SUBCOMMANDS[name][0], rest))


def entry() -> None:
    """The `nnfw` command and `python -m nnfw`: `main`, then an exit that does not walk the heap.

    At exit Python collects the cyclic garbage of every object still alive, and with torch and
    Lightning loaded that is over a second (1.5 to 2 s on a 2-core machine, as long as a small
    run's training). Frozen first (`gc.freeze`), the objects are left to the process's end;
    atexit handlers still run. In-process callers of `main` (tests, benches) keep collecting.

    Output piped to a reader that stops early (`nnfw runs | head`) ends quietly, as other
    command-line tools do, not with a BrokenPipeError traceback (Python's documented recipe).
    """
    try:
        main()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python flushes stdout at exit
        sys.exit(1)
    finally:
        gc.freeze()


def run_reported(handler: Callable[[list[str]], int], argv: list[str]) -> int:
    """A command's exit status, with a UserError reported as one message (NNFW_DEBUG=1: raised)."""
    try:
        return handler(argv)
    except UserError as err:
        if os.environ.get("NNFW_DEBUG"):
            raise
        return report(err)
    except KeyboardInterrupt:
        print("nnfw: interrupted", file=sys.stderr)
        return 130
