"""Bad input ends with exit status 2 and one message naming the culprit and the fix; no traceback."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from conftest import run_in_process
from omegaconf import OmegaConf

from nnfw.config import locate
from nnfw.config.compat import models_reading


def models_for(kind: str, *expected: str) -> str:
    """The list of models the message names for `kind` inputs, derived from the models' declarations;
    `expected` must be among them (so the derivation itself is checked)."""
    found = models_reading(kind)
    assert set(expected) <= set(found), (kind, found)
    return f"models for {kind}: {', '.join(found)}"


CONFIG_ERRORS = [
    # (overrides, words the message must contain)
    (["model=mlq"], ["unknown model 'mlq'", "did you mean 'mlp'", ", ".join(locate.options("model"))]),
    (["data=spiral"], ["unknown data 'spiral'", "did you mean 'spirals'"]),
    (["optimizer=adamm"], ["unknown optimizer 'adamm'", "did you mean 'adam'"]),
    (["experiment=xxor"], ["unknown experiment 'xxor'", "did you mean 'xor'"]),
    (["optimzer=adam"], ["unknown config group or key 'optimzer'", "did you mean 'optimizer'"]),
    (["optimizer.lrr=0.1"], ["unknown key 'optimizer.lrr'", "did you mean 'optimizer.lr'"]),
    (["model.hiden_sizes=[8]"], ["unknown key 'model.hiden_sizes'", "did you mean 'model.hidden_sizes'"]),
    (["trainer.max_epoch=3"], ["unknown key 'trainer.max_epoch'", "did you mean 'trainer.max_epochs'"]),
    (["optimizer.lr=abc"], ["optimizer.lr must be a number", "'abc'"]),
    (["optimizer.lr=-0.1"], ["optimizer.lr must be > 0"]),
    (["optimizer.lr=0.1,0.2"], ["optimizer.lr=0.1,0.2 is a sweep, which needs -m", "add -m"]),
    (["regularization.dropout=1.5"], ["regularization.dropout must be < 1", "1.5"]),
    (["regularization.weight_decay=-1"], ["regularization.weight_decay must be >= 0"]),
    (["data.batch_size=0"], ["data.batch_size must be a positive integer or 'full'"]),
    (["data.batch_size=half"], ["data.batch_size must be a positive integer or 'full'", "'half'"]),
    (["model.hidden_sizes=[64,0]"], ["model.hidden_sizes must be a list of positive integers"]),
    (["model.activation=rleu"], ["model.activation must be one of", "did you mean 'relu'"]),
    (["model.init=glorot"], ["model.init must be one of"]),
    (["trainer.max_epochs=ten"], ["trainer.max_epochs must be a positive integer"]),
    (["data.val_fraction=0.6", "data.test_fraction=0.5"], ["must leave some training data"]),
    (["seed=1.5"], ["seed must be an integer"]),
    (["print_config=maybe"], ["print_config must be short, full, true or false"]),
    (["model.compile=yes please"], ["model.compile must be true or false"]),
    (["fuse_epochs=0"], ["fuse_epochs must be >= 1"]),
    (["scheduler=cosine", "scheduler.interval=epochs"], ["scheduler.interval must be one of", "did you mean 'epoch'"]),
    (["scheduler=cosine", "+scheduler.frequency=0"], ["scheduler.frequency must be >= 1 (got 0)"]),
    (["data=csv"], ["data.path must be set"]),
    (["data=csv", "data.path=/no/such/file.csv"], ["data.path names a file that does not exist", "/no/such/file.csv"]),
    (["-m", "model=mlp,mlq"], ["unknown model 'mlq'"]),
    (["-m", "optimizer.lr=0.1,oops"], ["optimizer.lr must be a number", "'oops'"]),
    (["-m", "trainer.log_every_n_steps=5,often"], ["trainer.log_every_n_steps must be an integer", "'often'"]),
    (["model"], ["cannot read the override 'model'", "key=value"]),
    # models and data that do not fit, caught from the config alone
    (["model=lstm", "data=iris"], ["model=lstm reads characters, but data=iris gives features",
                                   models_for("features", "linear", "logistic", "mlp", "perceptron")]),
    (["model=transformer", "data=moons"], ["model=transformer reads characters, but data=moons gives features"]),
    (["model=mlp", "data=charseq"], ["data=charseq gives characters", models_for("characters", "gru", "lstm", "rnn", "transformer")]),
    (["model=mlp", "data=text_classification"], [models_for("words", "bag_of_embeddings", "lstm_classifier")]),
    (["model=lstm", "data=timeseries"], ["data=timeseries gives series", "lstm_forecast"]),
    (["-m", "model=mlp,lstm", "data=moons"], ["model=lstm reads characters"]),
    (["-m", "--cfg", "job", "optimizer.lr=0.1,0.01"], ["-m cannot be combined with --cfg", "nnfw train --cfg job"]),
    (["-m", "trainer=ddp_cpu", "optimizer.lr=0.1,0.01"], ["trainer.strategy=ddp cannot run as a job of a multirun",
                                                          "hydra/launcher=submitit_slurm"]),
    (["model=lstm", "data=digits"], ["data=digits gives images", models_for("images", "cnn", "mlp")]),
    (["model=cnn", "data=xor"], ["model=cnn reads images, but data=xor gives features",
                                 models_for("features", "linear", "logistic", "mlp", "perceptron")]),
    (["model=cnn", "data=digits", "model.pooling=[max,sum]"], ["model.pooling must be one of max, avg, none"]),
    # values that do not fit a component's signature (its type hints, read from its source)
    (["callbacks.lr_monitor.logging_interval=hourly"],
     ["callbacks.lr_monitor.logging_interval must be one of step, epoch or null (got 'hourly')"]),
    (["data.seed=-0.5"], ["data.seed must be an integer (got -0.5)"]),
    (["data=digits", "model=cnn", "data.seed='a,b'"], ["data.seed must be an integer (got 'a,b')"]),
    (["data.seed=-1"], ["data.seed must be a seed from 0 to 4294967295 (got -1)"]),
    (["model=lstm", "data=charseq", "model.cell=-1"], ["model.cell must be one of rnn, lstm, gru (got -1)"]),
    (["model=rnn", "data=charseq", "model.cell=lstn"], ["model.cell must be one of rnn, lstm, gru", "did you mean 'lstm'"]),
    (["model=transformer", "data=charseq", "model.context=0x10"], ["model.context must be an integer (got '0x10')"]),
    (["optimizer.betas=[[1]]"], ["optimizer.betas must be a list of 2 values (got [[1]])"]),
    (["callbacks.last_checkpoint.dirpath=-inf"], ["callbacks.last_checkpoint.dirpath must be a path (got -inf)"]),
    (["callbacks.input_plane.resolution=999999999"],
     ["callbacks.input_plane.resolution must be at most 100,000,000", "(got 999999999)"]),
    (["data.source=[1,-2]"], ["data.source must be a string (got [1, -2])"]),
    (["data.source=None"], ["data.source=None is not a function", "give the dotted path of a function"]),
    (["data=xor", "data.gate=3.7"], ["data.gate must be one of xor, and, or (got 3.7)"]),
    (["model.dropout={a:1}"], ["model.dropout must be a number (got {'a': 1})"]),
    (["model=rnn", "data=charseq", "model.dropout=nan"], ["model.dropout must be a finite number (got nan)"]),
    (["optimizer.lr=nan"], ["optimizer.lr must be a finite number (got nan)"]),
    (["regularization.l1=99999999999999999999"], ["regularization.l1 must be at most 100,000,000"]),
    (["regularization.early_stopping.patience=999999999"],
     ["regularization.early_stopping.patience must be at most 100,000,000"]),
    (["regularization.early_stopping.monitor=[1]"],
     ["regularization.early_stopping.monitor must be a string (got [1])",
      "its value is callbacks.early_stopping.monitor, the argument monitor of nnfw.run.callbacks.early_stopping"]),
    (["experiment=gan_ring", "model.task.discriminator_optimizer=-inf"],
     ["model.task.discriminator_optimizer must be a {_target_: CLASS} mapping or null (got -inf)"]),
    (["experiment=vae_patterns", "model.task.beta=nan"], ["model.task.beta must be a finite number (got nan)"]),
    (["ckpt_path=''"], ["ckpt_path names no file: the path is empty (null for none) (got '')"]),
    (["ckpt_path='${seed}'"], ["ckpt_path names a file that does not exist (got 0, from ${seed})"]),
    (["callbacks.model_summary={a:1}"], ["callbacks.model_summary must be null (to drop it) or a {_target_: CLASS, ...} mapping"]),
    (["callbacks.last_checkpoint={_target_:nnfw.nope}"],
     ["callbacks.last_checkpoint._target_=nnfw.nope is not a class or function: nnfw has no 'nope'"]),
    (["data._target_='${seed}'"], ["data._target_ must be the dotted path of a class or function, got 0"]),
    (["model._target_=nnfw.models"], ["nnfw.models is a module, not a class or function in it"]),
    (["trainer.devices=999999999"], ["trainer.devices must be at most 100,000,000"]),
    (["trainer.gradient_clip_val=-nan"], ["trainer.gradient_clip_val must be a finite number"]),
    # counts Lightning divides by: 0 would stop the run with ZeroDivisionError after it started
    (["trainer.check_val_every_n_epoch=0"], ["trainer.check_val_every_n_epoch must be >= 1 (got 0)"]),
    (["trainer.log_every_n_steps=0"], ["trainer.log_every_n_steps must be >= 1 (got 0)"]),
    (["trainer.accumulate_grad_batches=0"], ["trainer.accumulate_grad_batches must be >= 1 (got 0)"]),
    (["trainer.val_check_interval=0"], ["trainer.val_check_interval must be a share of an epoch in (0, 1]"]),
    (["trainer.val_check_interval=1.5"], ["trainer.val_check_interval must be a share of an epoch in (0, 1]"]),
    # a callback's own rules (`_checks_` in its config), as any component's
    (["callbacks.stop_on_non_finite_loss.check_every=0"], ["callbacks.stop_on_non_finite_loss.check_every must be >= 1"]),
    (["callbacks.diagnostics.every=0"], ["callbacks.diagnostics.every must be >= 1 (got 0)"]),
    (["experiment=charseq_hello", "model.dropout=1.5"], ["model.dropout must be < 1 (got 1.5)"]),  # not only regularization.dropout
    # the scheduler section's own keys: the fields of Lightning's LRSchedulerConfig, a dataclass
    (["scheduler=cosine", "scheduler.interval=0"], ["scheduler.interval must be one of epoch, step (got 0)"]),
    (["scheduler=plateau", "scheduler.frequency=0.5"], ["scheduler.frequency must be an integer (got 0.5)"]),
    (["trainer.default_root_dir=/no/such/path"], ["trainer.default_root_dir is set by nnfw", "hydra.run.dir"]),
    # interpolations, required values and group choices that Hydra or OmegaConf would refuse with a traceback
    (["optimizer.lr='${nonexistent.key}'"],
     ["optimizer.lr: cannot resolve its value: Interpolation key 'nonexistent.key' not found"]),
    (["optimizer.eps='${oc.env:NO_SUCH_NNFW_VAR}'"], ["optimizer.eps: cannot resolve its value", "NO_SUCH_NNFW_VAR"]),
    (["hydra.run.dir='${nonexistent.key}'"], ["hydra.run.dir: cannot resolve its value"]),
    (["optimizer.lr=???"], ["optimizer.lr must be set"]),
    (["model=null"], ["unknown model 'null'", "choices for model"]),
    (["scheduler=0.5"], ["unknown scheduler '0.5'"]),
    (["data=[]"], ["data=[] chooses no data", "choices for data"]),
    (["regularization=[1,-2]"], ["unknown regularization '1'"]),
    (["optimizer.lr=[1,"], ["cannot read the override 'optimizer.lr=[1,'"]),
    (["model=cnn", "data=digits", "model.kernel_size=0"], ["model.kernel_size must be >= 1"]),
    (["data=image_folder"], ["data.path must be set"]),
    (["data=image_files", "data.path=/no/such/folder"], ["image folder not found: /no/such/folder"]),
    (["data=image_folder", "data.path=/no/such/folder"], ["image folder not found: /no/such/folder",
                                                         "set data.path to a folder with one subfolder of images per class"]),
    (["data=image_folder", "data.root=/tmp"], ["unknown key 'data.root'", "data.path"]),
    (["data=image_folder", "data.path=/tmp", "data.channels=2"], ["data.channels must be 1 (greyscale) or 3 (RGB)"]),
    (["data=mnist", "data.root=/no/such/root"], ["MNIST files not found: /no/such/root/MNIST/raw/train-images-idx3-ubyte",
                                                 "data.download=true"]),
    (["data=fashion_mnist", "data.root=/no/such/root"], ["/no/such/root/FashionMNIST/raw"]),
    (["data=cifar10", "data.root=/no/such/root"], ["CIFAR10 files not found: /no/such/root/cifar-10-batches-py/data_batch_1",
                                                   "put data_batch_1"]),
    # continuing and warm-starting runs
    (["init_from=/no/such.ckpt"], ["init_from names a file that does not exist", "/no/such.ckpt"]),
    (["resume=always"], ["resume must be one of auto"]),
    (["ckpt_path=/no/such.ckpt", "init_from=/no/such.ckpt"], ["give ckpt_path=... (continue a run) or init_from=..."]),
    (["-m", "resume=auto", "seed=1,2"], ["resume=auto continues one run, not a sweep"]),
]


@pytest.mark.parametrize("combo", [
    [],
    ["experiment=spirals_tutorial", "trainer.max_epochs=7", "print_config=false", "hydra.run.dir=/tmp/r"],
    ["model=cnn", "data=digits", "model.channels=[4,8]", "regularization.dropout=0.3", "callbacks.model_summary=null"],
    ["data=charseq", "model=lstm", "optimizer.lr=0.01", "data.seq_len=64"],
])
def test_plain_assignments_on_the_composed_choices_equal_hydras_composition(combo):
    """The check composes once and applies `key=value` itself: the result is Hydra's own, down to
    its record of the command line, since `nnfw train` runs it."""
    from nnfw.config.overrides import assigned, compose, parse, shapes_composition

    choices = [o.input_line for o in parse(combo) if shapes_composition(o)]
    ours, hydras = assigned(compose(choices, "train"), choices, combo), compose(combo, "train")
    assert OmegaConf.to_container(ours) == OmegaConf.to_container(hydras)  # unresolved: ${now:} differs
    assert ours.hydra.overrides.task == [o for o in combo if not o.startswith("hydra.")]


@pytest.mark.parametrize(("overrides", "words"), CONFIG_ERRORS, ids=[" ".join(o) for o, _ in CONFIG_ERRORS])
def test_config_errors_exit_2_with_their_message_and_touch_nothing(train, overrides, words):
    result = train(*overrides)
    assert result.code == 2
    for word in words:
        assert word in result.err
    assert result.err.startswith("nnfw: error:")
    assert "Traceback" not in result.err + result.out
    assert not result.run_dir.exists()


def test_a_run_directory_that_cannot_be_created_exits_2(train, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("keep me")
    result = train("data=xor", f"hydra.run.dir={blocker / 'run'}")
    assert result.code == 2
    assert f"{blocker} is not a writable directory" in result.err
    assert blocker.read_text() == "keep me"


def test_a_search_without_the_optuna_sweeper_names_the_extra_to_install(train, monkeypatch):
    from nnfw.config import environment

    monkeypatch.setattr(environment, "SEARCH_PLUGIN", "hydra_plugins.not_installed")
    result = train("-m", "hparams_search=spirals")
    assert result.code == 2
    assert "hparams_search=spirals needs Hydra's Optuna sweeper" in result.err
    assert "pip install 'nnfw[search]'" in result.err


def test_debug_switch_shows_the_traceback(train, monkeypatch):
    monkeypatch.setenv("NNFW_DEBUG", "1")
    from nnfw.errors import UserError

    with pytest.raises(UserError, match="unknown model"):
        train("model=mlq")


@pytest.mark.slow
def test_an_explicit_run_dir_holding_a_finished_run_is_not_overwritten(train, tmp_path):
    first = train("data=xor", "trainer.max_epochs=1")
    assert first.code == 0
    before = {p: p.read_bytes() for p in first.run_dir.rglob("*") if p.is_file()}
    from nnfw.cli.main import main

    for resume in ([], [f"ckpt_path={first.run_dir / 'checkpoints' / 'last.ckpt'}"]):
        with pytest.raises(SystemExit) as stop:
            main(["train", "data=xor", *resume, f"hydra.run.dir={first.run_dir}"])
        assert stop.value.code == 2
    assert {p: p.read_bytes() for p in first.run_dir.rglob("*") if p.is_file()} == before


BAD_CSVS = {
    "ragged rows": ("a,b,y\n1,2,0\n3,4,5,1\n", "cannot read the CSV file"),
    "empty file": ("", "data file is empty"),
    "header only": ("a,b,y\n", "has a header but no rows"),
    "a word among numbers": ("a,b,y\n1,2,0\n2,x,1\n3,4,0\n", "column 'b' of"),
    "no target value": ("a,b,y\n1,2,\n3,4,\n", "target column 'y' of"),
}


@pytest.mark.parametrize("case", BAD_CSVS)
def test_malformed_csv_exits_2_naming_the_problem_and_leaves_the_file_alone(train, tmp_path, case):
    text, words = BAD_CSVS[case]
    path = tmp_path / "data.csv"
    path.write_text(text)
    result = train("data=csv", f"data.path={path}", "debug=fast")
    assert result.code == 2, result.err
    assert words in result.err
    assert "Traceback" not in result.err
    assert path.read_text() == text
    assert not result.run_dir.exists()  # found while building the run, before it started


def test_a_directory_given_as_the_csv_file_exits_2(train, tmp_path):
    result = train("data=csv", f"data.path={tmp_path}", "debug=fast")
    assert result.code == 2
    assert "data.path is a directory" in result.err


def test_a_target_column_that_does_not_exist_suggests_the_nearest(train, tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("size,price\n1,2\n2,4\n3,6\n4,8\n5,10\n")
    result = train("data=csv", f"data.path={path}", "data.target=prise", "debug=fast")
    assert result.code == 2
    assert "target column 'prise'" in result.err
    assert "did you mean 'price'" in result.err


def test_settings_lightning_refuses_once_the_run_started_exit_2_and_the_summary_says_why(train):
    result = train("data=xor", "trainer.max_epochs=2", "scheduler=plateau", "scheduler.monitor=val/nope")
    assert result.code == 2, result.err
    assert result.err.startswith("nnfw: error: Lightning refuses this run's settings")
    assert "ReduceLROnPlateau conditioned on metric val/nope which is not available" in result.err
    assert "Traceback" not in result.err + result.out
    assert result.summary["status"] == "failed" and "val/nope" in result.summary["error"]


@pytest.mark.slow
def test_a_run_that_fails_once_started_still_writes_its_summary(train):
    result = train("data=xor", "model.activation=relu", "optimizer=sgd", "optimizer.lr=1e30", "trainer.max_epochs=5")
    assert result.code == 2
    assert result.summary["status"] == "failed"
    assert "NaN or infinite" in result.summary["error"]


# ----------------------------------------------------------------------------- checkpoint commands

#: (argv, words the message must contain); CKPT stands for a real checkpoint, OUT for an output path
COMMAND_ERRORS = [
    (["eval"], ["nnfw eval needs a checkpoint", "run=outputs/DATE/RUN"]),
    (["eval", "ckpt=/no/such.ckpt"], ["checkpoint not found: /no/such.ckpt"]),
    (["eval", "run=/no/run"], ["checkpoint not found: /no/run/checkpoints/best.ckpt"]),
    (["eval", "ckpt=CKPT", "run=/no/run"], ["give ckpt=PATH or run=RUN_DIR, not both"]),
    (["eval", "ckpt=CKPT", "splt=val"], ["unknown option 'splt' for nnfw eval", "did you mean 'split'"]),
    (["eval", "ckpt=CKPT", "split=train"], ["split must be one of test, val"]),
    (["eval", "ckpt=CKPT", "accelerator=tpu"], ["accelerator must be one of cpu, gpu, mps, auto"]),
    (["export", "ckpt=CKPT", "format=onxx"], ["format must be one of onnx, torchscript", "did you mean 'onnx'"]),
    (["export", "ckpt=CKPT", "fromat=onnx"], ["unknown option 'fromat' for nnfw export", "did you mean 'format'"]),
    (["predict", "ckpt=CKPT", "output=OUT"], ["input must be set"]),
    (["predict", "ckpt=CKPT", "input=/no/such.csv", "output=OUT"], ["input names a file that does not exist"]),
    (["predict", "ckpt=CKPT", "input=CKPT", "output=OUT", "batch_size=0"], ["batch_size must be >= 1"]),
    (["predict", "ckpt=CKPT", "input=CKPT", "output=OUT", "batch_size=many"], ["batch_size must be an integer"]),
    (["predict", "ckpt=CKPT", "input"], ["cannot read the override 'input'"]),
    (["runs", "/no/dir"], ["no such directory: /no/dir"]),
    (["runs", "--format", "xml"], ["invalid choice: 'xml'", "choose from 'table', 'csv', 'markdown'"]),
    (["runs", "--sortt", "val/acc"], ["unrecognized arguments: --sortt"]),
    (["tensorboard", "/no/dir"], ["no such directory: /no/dir"]),
]


@pytest.mark.parametrize(("argv", "words"), COMMAND_ERRORS, ids=[" ".join(a) for a, _ in COMMAND_ERRORS])
def test_checkpoint_command_errors_exit_2_with_their_message_and_write_nothing(small_checkpoint, tmp_path, capsys,
                                                                             argv, words):
    output = tmp_path / "out.csv"
    argv = [a.replace("CKPT", str(small_checkpoint)).replace("OUT", str(output)) for a in argv]
    before = sorted(small_checkpoint.parent.parent.rglob("*"))
    code, err = run_in_process(argv, capsys)
    assert code == 2
    assert err.startswith("nnfw: error:")
    for word in words:
        assert word in err
    assert "Traceback" not in err
    assert not output.exists()
    assert sorted(small_checkpoint.parent.parent.rglob("*")) == before


CHECKPOINT_COMMAND_MISTAKES = [["eval", "ckpt=/no/such.ckpt"], ["export", "format=onxx"], ["predict", "inptu=x"],
                               ["runs", "--format", "xml"]]


@pytest.mark.parametrize("argv", CHECKPOINT_COMMAND_MISTAKES, ids=" ".join)
def test_checkpoint_command_errors_answer_before_torch_is_imported(fresh_answers, argv):
    result = fresh_answers(CHECKPOINT_COMMAND_MISTAKES)[CHECKPOINT_COMMAND_MISTAKES.index(argv)]
    assert result.code == 2, result.err
    assert "torch" not in result.imported


FOREIGN = {
    "a foreign _target_": "foreign _target_ 'os.system'",
    "a pickled object": "holds pickled Python objects (the first: pathlib.PosixPath)",
    "not a checkpoint": "is not a checkpoint",
}


@pytest.mark.parametrize("command", ["eval", "predict", "export"])
@pytest.mark.parametrize("kind", FOREIGN)
def test_checkpoint_commands_refuse_a_foreign_checkpoint(small_checkpoint, tmp_path, capsys, command, kind):
    import torch

    foreign = tmp_path / "foreign.ckpt"
    if kind == "a foreign _target_":
        checkpoint = torch.load(small_checkpoint, weights_only=True)
        checkpoint["nnfw"]["config"]["model"]["_target_"] = "os.system"
        torch.save(checkpoint, foreign)
    elif kind == "a pickled object":
        torch.save({"state_dict": {}, "nnfw": Path("x")}, foreign)
    else:
        foreign.write_bytes(b"not a checkpoint\n" * 64)
    source, output = tmp_path / "in.csv", tmp_path / "out.file"
    source.write_text("x1,x2\n0,1\n")
    extra = {"eval": [f"output={output}"], "predict": [f"input={source}", f"output={output}"],
             "export": [f"output={output}"]}[command]
    code, err = run_in_process([command, f"ckpt={foreign}", *extra], capsys)
    assert code == 2
    assert FOREIGN[kind] in err and "Traceback" not in err
    assert not output.exists()


# ----------------------------------------------------------------------------- values a library refuses

#: (overrides, words the message must contain): found while the run is built, before its directory exists
REFUSED_VALUES = [
    (["model=lstm", "data=charseq", "trainer.accelerator=gpu"],
     ["trainer.accelerator=gpu needs a CUDA GPU, but this machine has none", "finds only the CPU",
      "trainer.accelerator=cpu", "trainer.accelerator=auto"]),
    (["trainer=gpu"], ["trainer.accelerator=gpu (set by trainer=gpu) needs a CUDA GPU"]),
    (["trainer=ddp"], ["trainer.accelerator=gpu (set by trainer=ddp) needs a CUDA GPU"]),
    (["trainer=mps"], ["trainer.accelerator=mps (set by trainer=mps) needs an Apple-silicon (MPS) GPU"]),
    (["trainer.accelerator=cuda"], ["trainer.accelerator=cuda needs a CUDA GPU"]),
    (["trainer.accelerator=tpu"], ["trainer.accelerator=tpu needs a TPU"]),
    (["trainer.accelerator=quantum"], ["trainer.accelerator=quantum: Trainer refuses it", "Available names are"]),
    (["trainer.precision=banana"], ["trainer.precision=banana: Trainer refuses it", "Allowed precision values"]),
    (["trainer.strategy=nonsense"], ["trainer.strategy=nonsense: Trainer refuses it"]),
    (["trainer.devices=0"], ["trainer.devices=0: Trainer refuses it"]),
    (["trainer.num_nodes=0"], ["trainer.num_nodes=0: Trainer refuses it", "must be a positive integer"]),
    (["trainer.num_nodes=2"], ["trainer.num_nodes=2 needs the other machines, but none is in reach",
                               "MASTER_ADDR is not set"]),  # else the run waited for them forever
    (["trainer.max_time=soon"], ["trainer.max_time=soon: Trainer refuses it", "DD:HH:MM:SS"]),
    (["trainer.max_time={a:1}"], ["trainer.max_time={'a': 1}: Trainer refuses it", "'a' is an invalid keyword argument"]),
    (["callbacks.learning_curves={_target_:os.system}"], ["callbacks.learning_curves: Target 'os.system' is blocklisted"]),
    (["+trainer.foo=1"], ["trainer.foo=1: Trainer refuses it", "unexpected keyword argument 'foo'"]),
    (["+callbacks.model_checkpoint.foo=1"], ["callbacks.model_checkpoint.foo=1: ModelCheckpoint refuses it"]),
    (["+model.foo=3"], ["model.foo=3: MLP refuses it", "unexpected keyword argument 'foo'"]),
    (["data=spirals", "+data.foo=3"], ["data.foo is not an option of this dataset", "its options: n, noise, overlapping"]),
    (["model=perceptron", "data=iris"], ["model=perceptron trains binary data, but data=iris is a multiclass dataset"]),
    (["hydra.run.dir=/proc/nnfw-run"], ["cannot write the run directory /proc/nnfw-run"]),
    (["hydra.run.dir=/proc"], ["cannot write the run directory /proc"]),  # exists, takes no files
    (["hydra.run.dir=/proc/sys/nnfw"], ["cannot write the run directory under /proc/sys/nnfw"]),
]


@pytest.mark.parametrize(("overrides", "words"), REFUSED_VALUES, ids=[" ".join(o) for o, _ in REFUSED_VALUES])
def test_values_a_library_refuses_exit_2_naming_them_before_the_run_starts(train, overrides, words):
    import torch

    wanted = " ".join(words)
    if ("needs a CUDA GPU" in wanted and torch.cuda.is_available()) or \
            ("(MPS) GPU" in wanted and torch.backends.mps.is_available()):
        pytest.skip("this machine has the GPU the case asks for")
    given = [o.split("=", 1)[1] for o in overrides if o.startswith("hydra.run.dir=")]
    existed = bool(given) and Path(given[0]).exists()
    result = train("data=xor", "trainer.max_epochs=1", *overrides, quiet=False)
    assert result.code == 2, result.err
    assert result.err.startswith("nnfw: error:")
    for word in words:
        assert word in result.err
    assert "Traceback" not in result.err + result.out and "Error executing job" not in result.err + result.out
    assert "config" not in result.out  # the config tree is printed only once the run starts
    assert result.run_dir.exists() == existed


def test_a_value_an_nnfw_component_passes_on_to_torch_is_reported_by_its_key_when_torch_refuses_it():
    """No rule covers every value a model hands its layers; torch's refusal of one names the key."""
    from nnfw.errors import UserError
    from nnfw.run.building import build

    model = {"_target_": "nnfw.models.recurrent.RecurrentLM", "in_features": 10, "out_features": 10,
             "num_layers": 2, "dropout": 2.0}
    with pytest.raises(UserError, match=r"model.dropout=2.0: RecurrentLM refuses it: dropout should be"):
        build("model", model)


def test_an_error_of_nnfw_s_own_code_while_building_keeps_its_traceback(monkeypatch):
    from hydra.errors import InstantiationException

    from nnfw.models import mlp
    from nnfw.run.building import build

    def broken(self, *args, **kwargs):
        raise ValueError("an nnfw bug")

    monkeypatch.setattr(mlp.MLP, "__init__", broken)
    with pytest.raises(InstantiationException, match="an nnfw bug"):
        build("model", {"_target_": "nnfw.models.mlp.MLP", "in_features": 2, "out_features": 1})


def test_an_unwritable_run_directory_exits_2_and_leaves_what_was_there(train, tmp_path):
    """A directory that exists but cannot take a file (here: one on a read-only file system)."""
    existing = sorted(p.name for p in Path("/proc/sys").iterdir())
    result = train("data=xor", "hydra.run.dir=/proc/sys/nnfw/run")
    assert result.code == 2
    assert "cannot write the run directory under /proc/sys/nnfw/run" in result.err
    assert "hydra.run.dir" in result.err and "Traceback" not in result.err
    assert sorted(p.name for p in Path("/proc/sys").iterdir()) == existing


def test_a_bad_init_from_is_found_before_the_run_starts(train, small_checkpoint):
    result = train("data=xor", "model=mlp", f"init_from={small_checkpoint}")  # a linear model's weights
    assert result.code == 2
    assert "does not fit this model" in result.err and "Traceback" not in result.err
    assert not result.run_dir.exists()


# ----------------------------------------------------------------------------- a disk that fills during a run


@pytest.mark.slow
def test_a_disk_that_fills_while_a_checkpoint_is_written_exits_2_naming_it(train, monkeypatch):
    import torch

    def full(obj, file, *args, **kwargs):
        file.write(b"half a checkpoint")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(torch, "save", full)
    result = train("data=xor", "trainer.max_epochs=2")
    assert result.code == 2, result.err
    checkpoint = result.run_dir / "checkpoints" / "best.ckpt"
    assert f"cannot write the checkpoint {checkpoint}: No space left on device" in result.err
    assert "Traceback" not in result.err + result.out
    assert not any((result.run_dir / "checkpoints").iterdir())  # no half file, no temporary
    assert result.summary["status"] == "failed"


@pytest.mark.slow
def test_a_disk_that_fills_while_summary_json_is_written_exits_2_naming_it(train, monkeypatch):
    real_write_text = Path.write_text

    def full(self, text, *args, **kwargs):
        if self.name == ".summary.json.tmp":
            real_write_text(self, text[:10])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write_text(self, text, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    result = train("data=xor", "trainer.max_epochs=2")
    assert result.code == 2, result.err
    assert f"cannot write {result.run_dir / 'summary.json'}: No space left on device" in result.err
    assert "Traceback" not in result.err + result.out
    assert not (result.run_dir / "summary.json").exists() and not (result.run_dir / ".summary.json.tmp").exists()
    assert (result.run_dir / "checkpoints" / "best.ckpt").is_file()


CSV_HEADER_MISTAKES = {
    "target": ("size,price\n1,2\n", ["data.target=prise"], "target column 'prise' is not in"),
    "feature": ("size,price\n1,2\n", ["data.features=[size,rooms]"], "feature column 'rooms' is not in"),
    "empty": ("", [], "data file is empty"),
}


@pytest.fixture(scope="module")
def csv_header_answers(fresh_answers, tmp_path_factory) -> tuple[Path, dict]:
    """Each mistaken CSV file, and nnfw's answer to training on it, in one interpreter."""
    folder = tmp_path_factory.mktemp("headers")
    argvs = []
    for case, (text, extra, _) in CSV_HEADER_MISTAKES.items():
        (folder / f"{case}.csv").write_text(text)
        argvs.append(["train", "data=csv", f"data.path={folder / case}.csv", *extra, f"hydra.run.dir={folder / case}"])
    return folder, dict(zip(CSV_HEADER_MISTAKES, fresh_answers(argvs)))


@pytest.mark.parametrize("case", CSV_HEADER_MISTAKES)
def test_a_csv_header_that_does_not_fit_is_reported_before_torch_loads(csv_header_answers, case):
    folder, answers = csv_header_answers
    text, _, words = CSV_HEADER_MISTAKES[case]
    result = answers[case]
    assert result.code == 2, result.err
    assert words in result.err
    assert "torch" not in result.imported and "pandas" not in result.imported
    assert not (folder / case).exists() and (folder / f"{case}.csv").read_text() == text


def test_a_task_path_naming_no_class_exits_2_with_nnfws_message_alone(train):
    result = train("task=nnfw.no_such_module.Task", "trainer.max_epochs=1")
    assert result.code == 2
    assert "task=nnfw.no_such_module.Task names no class that can be imported" in result.err
    assert "Error getting class" not in result.err + result.out  # Hydra's own log line of the same failure
