"""Odd values for random keys of composed configs: each run ends cleanly (exit 0, or exit 2 with one
message), never with a traceback, and in reasonable time.

The cases are drawn from a seed, NNFW_FUZZ_SEED (a fixed default), so that a new seed can be
tried by hand; NNFW_FUZZ_CASES sets how many the slow tier runs:

    NNFW_FUZZ_SEED=7 NNFW_FUZZ_CASES=500 pytest -m slow tests/test_fuzz.py
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import random
import resource
import signal
import sys
from collections.abc import Iterator
from functools import cache

import pytest
from omegaconf import DictConfig, ListConfig

SEED = int(os.environ.get("NNFW_FUZZ_SEED", "20240611"))
FAST_CASES = 30
SLOW_CASES = int(os.environ.get("NNFW_FUZZ_CASES", "300"))
#: seconds a case may take: a hang detector, not a speed test
TIME_LIMIT_S = 120
#: seconds past the limit after which a case that did not stop is ended with its stacks printed
HARD_STOP_GRACE_S = 30
#: memory a case may take beyond what the test process holds: a value that asks for more fails
#: with MemoryError (which nnfw must report) instead of slowing a shared machine down
MEMORY_HEADROOM = 6 * 2**30

#: the configs the keys are drawn from: tutorials and every kind of data
BASES = [
    ["experiment=xor"],
    ["experiment=spirals"],
    ["experiment=digits_cnn"],
    ["experiment=charseq_hello"],
    ["experiment=vae_patterns"],
    ["experiment=gan_ring"],
    ["experiment=recommender_tutorial"],
    ["experiment=iris"],
    ["experiment=hours_score"],
    ["data=timeseries", "model=lstm_forecast"],
    ["data=text_classification", "model=bag_of_embeddings"],
    ["data=charseq", "model=transformer", "data.text=abcdefghij klmnopqrst uvwxyz", "data.seq_len=8"],
]

#: bad or odd values, as a user might type them
VALUES = [
    "nan", "-nan", "inf", "-inf", "1e308", "-1e308", "1e-320",
    "0", "-1", "-0.5", "0.5", "1", "2", "3.7", "999999999", "-999999999", "99999999999999999999", "0x10", "0o7",
    "true", "false", "null", "''", "' '", "abc", "None", "NaN", "yes",
    "[]", "[[1]]", "[1,-2]", "[a,b]", "[0.5]", "{}", "{a:1}", "{_target_:os.system}", "{_target_:nnfw.nope}",
    "'${nonexistent.key}'", "${nonexistent.key}", "'${seed}'", "'${oc.env:NO_SUCH_NNFW_VAR}'", "???",
    "/no/such/path", "/proc/nnfw", "/tmp", "relative/dir", "~", "'a b'", "'\"'", "\"'\"", "'a,b'", "é", "'\\'",
    "[1,", "'unclosed", "a=b", "$", "{a:", "'%'",
]

#: what keeps a run that passes its checks short; the fuzzed override comes after, and wins
CHEAP = ["trainer.max_steps=2", "trainer.limit_val_batches=1", "trainer.limit_test_batches=1",
         "trainer.max_time=00:00:01:00", "callbacks.sample_quality.samples=20", "logger=csv",
         "trainer.enable_progress_bar=false", "print_config=false", "callbacks.model_summary=null"]

#: the sections whose keys are fuzzed; `hydra` (Hydra's own machinery) is not
SECTIONS = ("model", "data", "optimizer", "scheduler", "trainer", "callbacks", "logger", "regularization")
#: top-level keys and groups, fuzzed too
TOP = ["seed", "task", "ckpt_path", "init_from", "resume", "objective", "threads", "fuse_epochs", "fuse_steps",
       "model", "data", "optimizer", "scheduler", "trainer", "callbacks", "logger", "regularization", "debug"]


@cache
def keys_of(base: tuple[str, ...]) -> list[str]:
    """Every key a user can set in the config `base` composes (its leaves and its sections)."""
    from nnfw.config.overrides import compose

    cfg = compose(list(base), "train")
    found: list[str] = []

    def walk(node: DictConfig | ListConfig, prefix: str) -> None:
        for key in node.keys() if isinstance(node, DictConfig) else range(len(node)):
            if isinstance(key, str) and key.startswith("_") and key != "_target_":
                continue
            path = f"{prefix}.{key}"
            child = node._get_node(key)
            found.append(path)
            if isinstance(child, DictConfig) and not child._is_none() and not child._is_missing():
                walk(child, path)

    for section in SECTIONS:
        node = cfg.get(section)
        if isinstance(node, DictConfig):
            walk(node, section)
    return [key for key in found if "." in key and not key.split(".")[-1].isdigit()] + TOP


def case(seed: int, index: int) -> list[str]:
    """The command line of case `index` for `seed`: a base, the cheap settings, one odd override."""
    rng = random.Random(f"{seed}/{index}")
    base = rng.choice(BASES)
    key, value = rng.choice(keys_of(tuple(base))), rng.choice(VALUES)
    return [*base, *CHEAP, f"{key}={value}"]


@contextlib.contextmanager
def limits(seconds: int, headroom: int) -> Iterator[None]:
    """The case fails after `seconds`, and may allocate `headroom` bytes more than the process holds."""

    def too_long(signum: int, frame: object) -> None:
        raise TimeoutError(f"the case took more than {seconds} s")

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        held = int(statm.read().split()[0]) * resource.getpagesize()
    previous = signal.signal(signal.SIGALRM, too_long)
    resource.setrlimit(resource.RLIMIT_AS, (held + headroom, hard))
    signal.alarm(seconds)
    # a case blocked inside C (a rendezvous, a lock) never sees the alarm: after a grace period its
    # threads' stacks are printed and the worker ends, which fails the case by name
    faulthandler.dump_traceback_later(seconds + HARD_STOP_GRACE_S, exit=True, file=sys.__stderr__)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.fixture
def train_elsewhere(train, tmp_path, monkeypatch):
    """`train`, run from tmp_path: a relative path a case gives (dirpath=None) is written there."""
    monkeypatch.chdir(tmp_path)
    return train


def check_case(train, argv: list[str]) -> None:
    command = "nnfw train " + " ".join(argv)
    with limits(TIME_LIMIT_S, MEMORY_HEADROOM):
        result = train(*argv, quiet=False)
    assert result.code in (0, 2), f"{command}: exit {result.code}\n{result.err[-3000:]}"
    shown = result.out + result.err
    assert "Traceback" not in shown and "Error executing job" not in shown, f"{command}:\n{shown[-3000:]}"
    if result.code == 2:
        assert "nnfw: error:" in result.err, f"{command}:\n{result.err[-3000:]}"
        if result.run_dir.exists():  # a run that started keeps its summary; a refused one left nothing
            assert (result.run_dir / "summary.json").is_file(), f"{command}: a run directory without summary.json"


@pytest.mark.parametrize("index", range(FAST_CASES))
def test_odd_values_end_cleanly(train_elsewhere, index):
    check_case(train_elsewhere, case(SEED, index))


@pytest.mark.slow
@pytest.mark.parametrize("index", range(FAST_CASES, FAST_CASES + SLOW_CASES))
def test_odd_values_end_cleanly_many(train_elsewhere, index):
    check_case(train_elsewhere, case(SEED, index))
