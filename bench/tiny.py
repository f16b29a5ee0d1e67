"""Tiny runs as whole processes: `nnfw train` against a plain PyTorch script of the same network.

    python bench/tiny.py [--repeat 3] [CASE ...]        # xor, and, moons
    python bench/tiny.py --profile [--checkout DIR]     # where experiment=xor's process spends its time

A learner's first runs are tiny (a truth table, two moons), so what they wait for is the whole
process: the interpreter, imports, config, fit, evaluation, pictures, report. Each case runs
`python -m nnfw train ...` in a fresh interpreter (pictures, summary.json and checkpoints as
always) and a fresh interpreter running the script a learner would write (import torch, the same
network, data, optimizer and epochs, print the test accuracy), once as written and once with one
torch thread (`OMP_NUM_THREADS=1`, which nnfw chooses for such a model itself), `--repeat` times
each, interleaved. "ratio" divides nnfw's fastest wall time by the faster plain script's; "floor"
is a process that imports Lightning and does nothing else, over the same plain script: no run
that Lightning trains can beat it, and a plain script that trains in microseconds (`and`) is
little more than `import torch`.

`--profile` runs experiment=xor once in a fresh interpreter with a clock around each phase
(imports of the command line, then of Lightning, torch and nnfw's run; config composition and
checks; building the data, model and Trainer; the fit; the final evaluation with the pictures
drawn in it; the rest of the job) and prints the seconds of each; the interpreter's start and
exit are the process's wall time less all of these. `--checkout DIR` profiles another checkout of
nnfw (say the main branch's) in the same run. docs/speed-profile.md shows the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: the plain script's data, as nnfw's sources make it (same rows, same split sizes)
DATA = {
    "xor": "X = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]); y = torch.tensor([0., 1., 1., 0.])\n"
           "Xtr, ytr, Xte, yte = X, y, X, y\n",
    "and": "X = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]); y = torch.tensor([0., 0., 0., 1.])\n"
           "Xtr, ytr, Xte, yte = X, y, X, y\n",
    "moons": "from sklearn.datasets import make_moons\n"
             "from sklearn.model_selection import train_test_split\n"
             "X, y = make_moons(n_samples=500, noise=0.2, random_state=0)\n"
             "Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)\n"
             "mean, std = Xtr.mean(0), Xtr.std(0); Xtr, Xte = (Xtr - mean) / std, (Xte - mean) / std\n"
             "Xtr, Xte = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xte, dtype=torch.float32)\n"
             "ytr, yte = torch.tensor(ytr, dtype=torch.float32), torch.tensor(yte, dtype=torch.float32)\n",
}

#: the plain script's training, as the tutorials write it
TRAIN = {
    "sigmoid_mlp": "model = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Sigmoid(), torch.nn.Linear(4, 1))\n"
                   "for p in model.parameters(): torch.nn.init.normal_(p)\n"
                   "optimizer = torch.optim.SGD(model.parameters(), lr=0.4)\n"
                   "for epoch in range(5000):\n"
                   "    optimizer.zero_grad()\n"
                   "    loss = torch.nn.functional.binary_cross_entropy_with_logits(model(Xtr).squeeze(-1), ytr)\n"
                   "    loss.backward(); optimizer.step()\n"
                   "predict = lambda X: (model(X).squeeze(-1) > 0).float()\n",
    "perceptron": "w, b = torch.zeros(2), torch.zeros(())\n"
                  "for epoch in range(20):\n"
                  "    for x, t in zip(Xtr, ytr):\n"
                  "        error = t - float(x @ w + b >= 0); w += 0.1 * error * x; b += 0.1 * error\n"
                  "predict = lambda X: (X @ w + b >= 0).float()\n",
    "relu_mlp": "model = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64),\n"
                "                            torch.nn.ReLU(), torch.nn.Linear(64, 1))\n"
                "optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)\n"
                "for epoch in range(100):\n"
                "    for index in torch.randperm(len(Xtr)).split(32):\n"
                "        optimizer.zero_grad()\n"
                "        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(Xtr[index]).squeeze(-1),\n"
                "                                                                    ytr[index])\n"
                "        loss.backward(); optimizer.step()\n"
                "predict = lambda X: (model(X).squeeze(-1) > 0).float()\n",
}

#: case -> (nnfw's overrides, the plain script's data and training)
CASES = {
    "xor": (["experiment=xor"], "xor", "sigmoid_mlp"),
    "and": (["experiment=and"], "and", "perceptron"),
    "moons": (["data=moons"], "moons", "relu_mlp"),
}

EVALUATION = "final evaluation (val, test) and its pictures"
#: what --profile clocks: (phase, module, attribute), each patched to add its wall time to its phase
CLOCKED = (
    ("compose and check the config", "nnfw.cli.train", "check"),
    ("build data, model and Trainer", "nnfw.run.job", "prepare"),
    ("fit", "nnfw.run.train", "fit"),
    (EVALUATION, "lightning.pytorch.Trainer", "validate"),
    (EVALUATION, "lightning.pytorch.Trainer", "test"),
    ("whole job (Hydra's run_job)", "hydra.core.utils", "run_job"),
)

#: the script --profile runs in a fresh interpreter (argv: the checkout, the overrides)
PROFILED = '''
import atexit, importlib, json, sys, time
started = time.perf_counter()
sys.path.insert(0, sys.argv[1])
phases = {}
def clock(name, since):
    phases[name] = phases.get(name, 0.0) + time.perf_counter() - since
since = time.perf_counter(); import nnfw.cli.main; clock("import nnfw's command line", since)
since = time.perf_counter(); import nnfw.run.job, nnfw.run.train; clock("import Lightning, torch and nnfw's run", since)
def clocked(name, function):
    def run(*args, **kwargs):
        since = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            clock(name, since)
    return run
for name, module, attribute in json.loads(sys.argv[2]):
    path, _, owner = module.rpartition(".") if module.endswith("Trainer") else (module, "", "")
    holder = getattr(importlib.import_module(path), owner) if owner else importlib.import_module(path)
    setattr(holder, attribute, clocked(name, getattr(holder, attribute)))
sys.argv = ["nnfw", "train", *sys.argv[3:]]
atexit.register(lambda: print("PHASES " + json.dumps({**phases, "in the interpreter": time.perf_counter() - started})))
getattr(nnfw.cli.main, "entry", nnfw.cli.main.main)()  # the command's own exit, where it has one
'''


def plain_script(data: str, train: str) -> str:
    return ("import torch\ntorch.manual_seed(0)\n" + DATA[data] + TRAIN[train]
            + "with torch.no_grad(): print('test accuracy', float((predict(Xte) == yte).float().mean()))\n")


def environment(checkout: Path = REPO, **extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(checkout), os.environ.get("PYTHONPATH", "")]), **extra}


def wall(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    """The wall time of `command` in a fresh process, and what it printed."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout


def bench(case: str, repeat: int) -> dict[str, float]:
    """Fastest wall times of nnfw, the plain script as written and the plain script on one thread."""
    overrides, data, train = CASES[case]
    times: dict[str, list[float]] = {"nnfw_s": [], "plain_s": [], "plain_1_thread_s": [], "lightning_import_s": []}
    script = [sys.executable, "-c", plain_script(data, train)]
    floor = [sys.executable, "-c", "import lightning.pytorch"]
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(repeat):
            run = [sys.executable, "-m", "nnfw", "train", *overrides, f"hydra.run.dir={Path(tmp) / f'{case}{index}'}"]
            times["nnfw_s"].append(wall(run, Path(tmp), environment())[0])
            times["plain_s"].append(wall(script, Path(tmp), environment())[0])
            times["plain_1_thread_s"].append(wall(script, Path(tmp), environment(OMP_NUM_THREADS="1"))[0])
            times["lightning_import_s"].append(wall(floor, Path(tmp), environment())[0])
    fastest = {key: min(values) for key, values in times.items()}
    plain = min(fastest["plain_s"], fastest["plain_1_thread_s"])
    return {**fastest, "ratio": fastest["nnfw_s"] / plain, "floor_ratio": fastest["lightning_import_s"] / plain}


def print_cases(rows: dict[str, dict[str, float]], repeat: int) -> None:
    print(f"{'case':<8} {'nnfw s':>8} {'plain s':>8} {'1 thread':>9} {'ratio':>6} {'floor s':>8} {'floor':>6}   "
          f"(whole processes, fastest of {repeat}; ratio to the faster plain script; target <= 2.0)")
    for case, figures in rows.items():
        print(f"{case:<8} {figures['nnfw_s']:>8.2f} {figures['plain_s']:>8.2f} {figures['plain_1_thread_s']:>9.2f} "
              f"{figures['ratio']:>6.2f} {figures['lightning_import_s']:>8.2f} {figures['floor_ratio']:>6.2f}")
    print("floor: a process that only imports lightning.pytorch (torch, torch._dynamo, torchmetrics, scipy), "
          "the least any run trained by Lightning takes; its ratio is the best such a run can reach")


def profile(checkout: Path, overrides: list[str]) -> dict[str, float]:
    """Seconds of each phase of one `nnfw train OVERRIDES` process of `checkout` (see the module)."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-c", PROFILED, str(checkout), json.dumps(CLOCKED), *overrides,
                   f"hydra.run.dir={Path(tmp) / 'run'}"]
        total, out = wall(command, Path(tmp), environment(checkout))
    phases = json.loads(out.rpartition("PHASES ")[2])
    job, inside = phases.pop("whole job (Hydra's run_job)"), phases.pop("in the interpreter")
    phases["rest of the job (summary, baselines, diagnosis)"] = job - phases["fit"] - phases[EVALUATION]
    phases["rest (Hydra's job set-up, run directory)"] = inside - job - sum(
        phases[name] for name in phases if name.startswith(("import", "compose", "build")))
    phases["interpreter start and exit"] = total - inside
    return {**phases, "whole process": total}


def print_profiles(profiles: dict[str, dict[str, float]]) -> None:
    names = list(next(iter(profiles.values())))
    print(f"{'phase of experiment=xor':<62}" + "".join(f"{label:>12}" for label in profiles))
    for name in names:
        print(f"{name:<62}" + "".join(f"{figures.get(name, 0.0):>12.2f}" for figures in profiles.values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side; the fastest counts")
    parser.add_argument("--profile", action="store_true", help="the phases of experiment=xor's process instead")
    parser.add_argument("--checkout", type=Path, help="with --profile: another checkout of nnfw to profile beside this one")
    parser.add_argument("cases", nargs="*", default=list(CASES), help=f"of {', '.join(CASES)}")
    args = parser.parse_args()
    if args.profile:
        checkouts = {"this": REPO, **({"other": args.checkout.resolve()} if args.checkout else {})}
        runs = {label: [profile(path, ["experiment=xor"]) for _ in range(args.repeat)] for label, path in checkouts.items()}
        print_profiles({label: min(found, key=lambda p: p["whole process"]) for label, found in runs.items()})
        return
    print_cases({case: bench(case, args.repeat) for case in args.cases}, args.repeat)


if __name__ == "__main__":
    main()
