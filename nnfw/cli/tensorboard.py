"""`nnfw tensorboard [DIR] [TENSORBOARD OPTIONS]`: TensorBoard on the runs under DIR (default: outputs).

Every run keeps its event files in RUN_DIR/tensorboard, so pointing TensorBoard at a folder of
runs (or one multirun) shows them side by side, the hparams tab included.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from nnfw.errors import UserError

USAGE = "usage: nnfw tensorboard [DIR] [--port 6006] [other tensorboard options]"


def command(argv: list[str]) -> list[str]:
    """The TensorBoard command line: DIR (the first word unless it is an option) as --logdir."""
    logdir, rest = (argv[0], argv[1:]) if argv and not argv[0].startswith("-") else ("outputs", argv)
    if "--logdir" in rest or any(word.startswith("--logdir=") for word in rest):
        raise UserError("give the folder of runs as DIR, not --logdir", USAGE)
    if not Path(logdir).expanduser().is_dir():
        raise UserError(f"no such directory: {logdir}", "give a folder of runs, e.g. nnfw tensorboard outputs/multirun")
    return [sys.executable, "-m", "tensorboard.main", "--logdir", str(Path(logdir).expanduser()), *rest]


def serve(line: list[str]) -> int:
    """Run TensorBoard until it ends, or until this command is stopped (SIGTERM or Ctrl-C),
    which stops it too: a server left behind would keep the port."""
    server = subprocess.Popen(line)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        while True:  # waiting in short spans: a blocking wait may not wake for a signal another thread took
            try:
                return server.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                continue
    except KeyboardInterrupt:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(argv: list[str]) -> int:
    if argv[:1] in (["-h"], ["--help"]):
        print(USAGE, "", __doc__.split("\n", 1)[1].strip(), sep="\n")
        return 0
    line = command(argv)
    print(" ".join(line), flush=True)
    return serve(line)
