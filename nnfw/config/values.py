"""The values of a composed config: required ones set, and every rule holding (torch-free).

The run's own keys have rules here (RUN_RULES); a component's keys have the rules its config
names under `_checks_` (see nnfw.config.rules), so that a rule never leaks onto another
component's key of the same name.
"""

from __future__ import annotations

from omegaconf import DictConfig, ListConfig, OmegaConf

from nnfw.config import declarations, rules
from nnfw.config.arguments import SECTIONS, components
from nnfw.config.interpolations import resolved
from nnfw.data.header import check_columns
from nnfw.data.layout import check_image_files
from nnfw.errors import UserError

#: Rules for the run's own keys (train.yaml's, the regularization knobs, and the checkpoint
#: commands' options); a component's keys have rules in its own config, under `_checks_`.
RUN_RULES: dict[str, rules.Rule] = {
    "seed": rules.NAMED["seed"],
    "regularization.dropout": rules.NAMED["fraction"],
    "regularization.weight_decay": rules.NAMED["nonnegative"],
    "regularization.weight_decay_rows": rules.NAMED["nonnegative"],
    "regularization.weight_decay_max": rules.optional(rules.NAMED["nonnegative"]),
    "regularization.l1": rules.NAMED["nonnegative"],
    "regularization.batchnorm": rules.flag,
    "regularization.early_stopping.patience": rules.NAMED["positive_int"],
    "regularization.early_stopping.min_delta": rules.NAMED["nonnegative"],
    "regularization.gradient_clip.value": rules.optional(rules.NAMED["positive"]),
    "regularization.gradient_clip.algorithm": rules.one_of(("norm", "value")),
    "ckpt_path": rules.existing_path,
    "init_from": rules.existing_path,
    "print_config": rules.flag_or(("short", "full")),
    "model.compile": rules.flag,
    "model.channels_last": rules.flag,
    "scheduler.interval": rules.one_of(("epoch", "step")),  # fused steps read it themselves: Lightning's check is off
    "scheduler.frequency": rules.NAMED["positive_int"],
    "fuse_epochs": rules.NAMED["positive_int"],
    "fuse_steps": rules.NAMED["positive_int"],
    "threads": rules.optional(rules.NAMED["positive_int"]),
    "one_thread_below": rules.NAMED["nonnegative_int"],
    "resume": rules.optional(rules.one_of(("auto",))),
    "trainer.max_epochs": rules.max_epochs,
    # counts Lightning divides by, and so takes no 0 of (it stops with ZeroDivisionError mid-run)
    "trainer.check_val_every_n_epoch": rules.optional(rules.NAMED["positive_int"]),
    "trainer.log_every_n_steps": rules.optional(rules.NAMED["positive_int"]),
    "trainer.accumulate_grad_batches": rules.NAMED["positive_int"],
    "trainer.val_check_interval": rules.validation_interval,
    "lr_finder.min_lr": rules.NAMED["positive"],
    "lr_finder.max_lr": rules.NAMED["positive"],
    "lr_finder.steps": rules.number(2, integer=True),
    # the checkpoint commands' options (conf/eval.yaml, predict.yaml, export.yaml)
    "split": rules.one_of(("test", "val")),
    "format": rules.one_of(("onnx", "torchscript")),
    "batch_size": rules.NAMED["positive_int"],
    "accelerator": rules.optional(rules.one_of(("cpu", "gpu", "mps", "auto"))),
    "input": rules.existing_path,
    "length": rules.NAMED["positive_int"],  # nnfw sample's options (conf/sample.yaml)
    "temperature": rules.NAMED["nonnegative"],
    "top_k": rules.optional(rules.NAMED["positive_int"]),
}



def component_rules(cfg: DictConfig) -> dict[str, rules.Rule]:
    """`key` -> rule, for the keys each component (any node with a `_target_`: the model, the data,
    a callback ...) names under `_checks_`."""
    found = {}
    for section in SECTIONS:
        for key, node in components(cfg.get(section), section):
            for name, spec in (node.get(declarations.CHECKS) or {}).items():
                found[f"{key}.{name}"] = rules.named(spec)
    return found



def missing_values(node: DictConfig, prefix: str = "") -> list[str]:
    """Keys left at `???` (required), found without resolving interpolations."""
    found = []
    for key in node.keys():
        if key == "hydra":
            continue
        path = f"{prefix}{key}"
        if OmegaConf.is_missing(node, key):
            found.append(path)
        elif not OmegaConf.is_interpolation(node, key) and isinstance(node._get_node(key), DictConfig):
            found.extend(missing_values(node._get_node(key), f"{path}."))
    return found



def check_missing(cfg: DictConfig) -> None:
    """Every required value (`???`) is set."""
    for key in missing_values(cfg):
        raise UserError(f"{key} must be set", f"add {key}=... to the command line")



def check_rules(cfg: DictConfig) -> None:
    """Every required value is set, and every rule holds: the run's own (RUN_RULES) and those the
    chosen components name for their keys (`_checks_`, see nnfw.config.rules)."""
    check_missing(cfg)
    check_image_files(cfg.get("data") or {})  # before data.path's rule, which would call a folder a file
    for key, rule in {**RUN_RULES, **component_rules(cfg)}.items():
        parent_key, _, leaf = key.rpartition(".")
        parent = OmegaConf.select(cfg, parent_key) if parent_key else cfg
        if not isinstance(parent, DictConfig) or leaf not in parent.keys():
            continue  # absent here
        copied = OmegaConf.is_interpolation(parent, leaf)
        value = resolved(cfg, key)
        if isinstance(value, (DictConfig, ListConfig)):
            value = OmegaConf.to_container(value, resolve=True)
        problem = rule(value)
        if problem:
            source = f", from {parent._get_node(leaf)._value()}" if copied else ""
            raise UserError(f"{key} {problem} (got {value!r}{source})")
    fractions = (cfg.get("data") or {})
    if fractions.get("val_fraction", 0) + fractions.get("test_fraction", 0) >= 1:
        raise UserError(
            "data.val_fraction + data.test_fraction must leave some training data, "
            f"got {fractions.val_fraction} + {fractions.test_fraction}"
        )
    check_columns(cfg.get("data") or {})

