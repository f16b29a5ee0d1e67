"""Shell completion for bash and zsh: `eval "$(nnfw --shell-completion install=bash)"`.

The shell sends the line being typed to `nnfw -sc query=bash` (in COMP_LINE), which answers with
the subcommands; for `nnfw train`, Hydra's own completion of config groups, their options and the
keys of the composed config, plus every Trainer argument; for the other commands, their options.
"""

from __future__ import annotations

import contextlib
import io
import os
from glob import glob

from nnfw.config import locate, resolvers
from nnfw.config.paths import PATH_KEYS
from nnfw.config.trainer_arguments import SET_BY_NNFW, TRAINER_ARGUMENTS
from nnfw.errors import UserError

#: registers completion for the `nnfw` command alone; `=` is not a word break, so `model=` completes
BASH_SCRIPT = """_nnfw_completion()
{
    local choices
    choices=$(COMP_POINT=$COMP_POINT COMP_LINE=$COMP_LINE nnfw -sc query=bash 2> /dev/null)
    COMPREPLY=($(compgen -W "$choices" -- "${COMP_WORDS[COMP_CWORD]}"))
}
COMP_WORDBREAKS=${COMP_WORDBREAKS//=}
complete -o nospace -o default -F _nnfw_completion nnfw"""
#: zsh runs the bash completion through its bashcompinit
ZSH_PREAMBLE = "autoload -U +X bashcompinit && bashcompinit\n"
USAGE = "nnfw --shell-completion install=bash (or install=zsh, uninstall=bash, uninstall=zsh)"


def run(argv: list[str]) -> int:
    """`-sc install=SHELL`, `uninstall=SHELL` or `query=SHELL` (what the installed script sends)."""
    action, _, shell = next((word for word in argv if "=" in word), "").partition("=")
    if action not in ("install", "uninstall", "query") or shell not in ("bash", "zsh"):
        raise UserError("shell completion needs an action and a shell",
                        f'{USAGE}; add eval "$(nnfw --shell-completion install=bash)" to ~/.bashrc')
    if action == "install":
        print((ZSH_PREAMBLE if shell == "zsh" else "") + BASH_SCRIPT)
    elif action == "uninstall":
        print("complete -r nnfw")
    else:
        print(" ".join(choices(os.environ.get("COMP_LINE", ""))))
    return 0


def choices(line: str) -> list[str]:
    """What may follow the command line `line` (`nnfw train mod` -> model=): the whole words
    that start with its last, unfinished word."""
    from nnfw.cli.main import SUBCOMMANDS

    words = line.split()[1:]  # without the program's name
    word = "" if not line or line[-1].isspace() else words.pop()
    if not words:
        return [name for name in SUBCOMMANDS if name.startswith(word)]
    command = words[0]
    if command == "train":
        found = train_choices(" ".join(words[1:]), word)
    elif command == "list":
        found = list(locate.groups())
    elif (locate.config_dir() / f"{command}.yaml").is_file():
        found = option_choices(command, word)
    else:
        found = []
    return sorted(choice for choice in set(found) if choice.startswith(word))


def train_choices(before: str, word: str) -> list[str]:
    """Hydra's completion of `nnfw train`'s config, and Trainer arguments the config does not set."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.plugins import Plugins
    from hydra.plugins.completion_plugin import CompletionPlugin

    resolvers.register()
    GlobalHydra.instance().clear()
    initialize_config_dir(str(locate.config_dir()), version_base="1.3", job_name="train")
    bash = next(p for p in Plugins.instance().discover(CompletionPlugin) if p.provides() == "bash")
    answer, typed = io.StringIO(), os.environ.get("COMP_LINE")
    os.environ["COMP_LINE"] = f"train {before} {word}".replace("  ", " ")  # the plugin strips a program name
    try:
        with contextlib.redirect_stdout(answer):
            bash(GlobalHydra.instance().config_loader()).query(config_name="train")
    finally:
        os.environ.pop("COMP_LINE") if typed is None else os.environ.__setitem__("COMP_LINE", typed)
    # bases (data=_loader) and instantiation keys (optimizer._target_=) are no choices
    found = [c for c in answer.getvalue().split() if "=_" not in c and "._" not in c]
    if word.startswith("trainer."):
        found += [f"trainer.{name}=" for name in TRAINER_ARGUMENTS if name not in SET_BY_NNFW]
    return found


def option_choices(command: str, word: str) -> list[str]:
    """A checkpoint command's options (conf/COMMAND.yaml), and files for the ones naming a path."""
    from omegaconf import OmegaConf

    key, sep, value = word.partition("=")
    if sep and key in PATH_KEYS:
        return [f"{key}={path}" for path in glob(os.path.expanduser(value) + "*")]
    return [f"{name}=" for name in OmegaConf.load(locate.config_dir() / f"{command}.yaml")]
