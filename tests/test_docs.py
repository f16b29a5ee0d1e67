"""Every command the README and the guides show is checked as a user would type it: its config
composes and passes nnfw's checks (no training), and the configuration guide lists every option."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from conftest import REPO

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "bench" / "README.md"]
#: words that stand for a user's own file or folder in the docs
PLACEHOLDER = re.compile(r"(RUN_DIR|FILE|DIR|PATH|\.csv|\.txt|\.ckpt|~/|/|^photos$|^big_photos$|^scans)")


def shown_commands() -> list[tuple[str, list[str]]]:
    """(where, words) of every `nnfw ...` line in a bash block of the docs, comments dropped."""
    found = []
    for doc in DOCS:
        for block in re.findall(r"```bash\n(.*?)```", doc.read_text(), flags=re.S):
            for line in block.splitlines():
                if line.startswith("nnfw "):
                    found.append((f"{doc.relative_to(REPO)}: {line.strip()}", shlex.split(line, comments=True)[1:]))
    return found


#: datasets whose files a user fetches once into data.root (default ./data)
FETCHED = ("data=mnist", "data=fashion_mnist", "data=cifar10")


def names_a_placeholder(message: str, words: list[str]) -> bool:
    """Whether a refusal is only about a file the docs leave to the user (houses.csv, RUN_DIR,
    a standard dataset's files in data/, ...)."""
    values = [w.split("=", 1)[1] for w in words if "=" in w] + (["data/"] if set(FETCHED) & set(words) else [])
    placeholders = [v for v in values if PLACEHOLDER.search(v)]
    return any(Path(v).name in message or v in message or str(Path(v).expanduser()) in message for v in placeholders)


def check_train(words: list[str]) -> None:
    from nnfw.config.checks import check

    multirun = "-m" in words
    flags = {"-m", "--help", "--cfg", "job"}
    overrides = [w for w in words if w not in flags]
    if "--help" in words or "--config-dir" in words:
        return  # Hydra's help; a user's own config folder (tests/test_extending.py trains from one)
    if "hydra/launcher=submitit_slurm" in overrides:
        pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    loggers = " ".join(w for w in overrides if w.startswith("logger=")).replace("many", "mlflow")
    for tracker in ("mlflow", "wandb"):  # optional extras; logger=many includes mlflow
        if tracker in loggers:
            pytest.importorskip(tracker)
    check(overrides, multirun=multirun)


def check_options(command: str, words: list[str]) -> None:
    from nnfw.cli.options import compose

    compose(command, words)


@pytest.mark.slow
@pytest.mark.parametrize("where, words", shown_commands(), ids=[w for w, _ in shown_commands()])
def test_every_documented_command_passes_the_config_check(where, words, tmp_path, monkeypatch):
    from nnfw.cli.main import SUBCOMMANDS
    from nnfw.errors import UserError

    monkeypatch.chdir(tmp_path)  # outputs/ and relative paths land here
    command, rest = (words[0], words[1:]) if words and not words[0].startswith("-") else ("--help", [])
    if command == "--help":
        return
    assert command in SUBCOMMANDS, f"{where}: unknown subcommand"
    try:
        if command == "train":
            check_train(rest)
        elif command == "tune":  # `nnfw tune lr OVERRIDES` checks them as nnfw train optimizer.lr=auto does
            check_train([*rest[1:], "optimizer.lr=auto"])
        elif command in ("eval", "predict", "export"):
            check_options(command, rest)
    except UserError as err:
        assert names_a_placeholder(str(err), rest), f"{where}: {err}"


def test_the_configuration_guide_names_every_option_of_every_group():
    from nnfw.config import locate

    guide = (REPO / "docs" / "configuration.md").read_text()
    table = {row.split("|")[1].strip(" `"): row for row in guide.splitlines() if row.startswith("| `")}
    for group, options in locate.groups().items():
        if group in ("experiment",):  # listed in docs/tutorials.md
            continue
        assert group in table, f"docs/configuration.md has no row for the {group} group"
        missing = [o for o in options if f"`{o}`" not in table[group]]
        assert not missing, f"docs/configuration.md's {group} row lacks {missing}"


def test_the_tutorials_guide_lists_every_experiment():
    from nnfw.config import locate

    guide = (REPO / "docs" / "tutorials.md").read_text()
    missing = [e for e in locate.options("experiment") if f"`{e}`" not in guide]
    assert not missing, f"docs/tutorials.md does not list experiment(s) {missing}"
