"""Character-level language models: data, models, the language_model task and `nnfw sample`."""

from __future__ import annotations

import math

import pytest
import torch
from conftest import run_cli

from nnfw.data.vocab import UNKNOWN, Vocabulary

LANGUAGE_MODELS = ["rnn", "lstm", "gru", "transformer"]
#: a short text whose every 4-character context fixes the next character
REPEATED = "hello world, nnfw reproduces me! " * 8
SMALL = ["model.hidden_size=32", "model.embedding_size=8", "model.num_layers=1"]
QUICK = ["callbacks.text_sample=null", "logger=none"]


@pytest.mark.slow
@pytest.mark.parametrize("model", LANGUAGE_MODELS)
def test_each_sequence_model_completes_a_fast_dev_run_on_the_built_in_corpus(train, model):
    result = train(f"model={model}", "data=charseq", "debug=fast")
    assert result.code == 0, result.err
    summary = result.summary
    assert summary["status"] == "completed"
    assert summary["task"] == "language_model"
    assert summary["steps"] == 1
    metrics = summary["metrics"]
    assert metrics["train/bpc"] == pytest.approx(metrics["train/loss"] / math.log(2))
    assert metrics["train/perplexity"] == pytest.approx(math.exp(metrics["train/loss"]), rel=1e-5)
    vocabulary = summary["data"]["class_names"]
    assert summary["data"]["num_classes"] == len(vocabulary) > 50  # Python's help text
    assert math.log(len(vocabulary)) - 1 < metrics["train/loss"] < math.log(len(vocabulary)) + 1  # untrained


def test_vocabulary_maps_unknown_characters_to_id_0_and_round_trips():
    vocabulary = Vocabulary.from_text("hello")
    assert vocabulary.chars == (UNKNOWN, "e", "h", "l", "o")
    ids = vocabulary.encode("hole!")
    assert ids.tolist() == [2, 4, 3, 1, 0]
    assert vocabulary.decode(ids) == "hole" + UNKNOWN
    assert Vocabulary(list(vocabulary.chars)).encode("hello").tolist() == vocabulary.encode("hello").tolist()


def test_charseq_splits_by_position_and_builds_its_vocabulary_from_training_text_only():
    from nnfw.data.charseq import CharSeqDataModule

    module = CharSeqDataModule(text="ab" * 45 + "c" * 10, seq_len=4, batch_size=8, val_fraction=0.1)
    module.setup()
    assert module.split_sizes() == {"train": 90, "val": 10, "test": 10}
    assert module.vocabulary.chars == (UNKNOWN, "a", "b")
    assert module.tokens["val"].tolist() == [0] * 10  # 'c' never occurs in the training text
    inputs, targets = next(iter(module.train_dataloader()))
    assert inputs.shape == targets.shape == (8, 4)
    assert torch.equal(inputs[:, 1:], targets[:, :-1])  # targets are the inputs shifted by one
    assert len(module.train_dataloader()) == 3  # 90 // 4 = 22 windows in batches of 8
    val_inputs, _ = next(iter(module.val_dataloader()))
    assert val_inputs.shape == (2, 4)  # consecutive windows: (10 - 1) // 4


@pytest.mark.slow
def test_a_sample_during_training_goes_to_the_run_directory_and_tensorboard(train, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(REPEATED)
    result = train("model=gru", "data=charseq", f"data.path={corpus}", "data.seq_len=8", *SMALL,
                   "trainer.max_epochs=2", "callbacks.text_sample.length=30")
    assert result.code == 0, result.err
    samples = (result.run_dir / "samples.txt").read_text()
    assert samples.count("--- epoch") == 2
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(result.run_dir / "tensorboard")).Reload()
    assert "sample/text_summary" in events.Tags()["tensors"]
    assert {"val/bpc", "val/perplexity", "val/loss"} <= set(events.Tags()["scalars"])
    samples, tokens = (events.Scalars(f"throughput/{unit}_per_s")[-1].value for unit in ("samples", "tokens"))
    assert tokens == pytest.approx(8 * samples)  # windows of seq_len=8 characters


@pytest.mark.slow
def test_sampling_from_a_checkpoint_in_a_fresh_process_needs_no_data_file(train, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(REPEATED)
    result = train("model=lstm", "data=charseq", f"data.path={corpus}", "data.seq_len=8", *SMALL, *QUICK,
                   "trainer.max_epochs=1")
    assert result.code == 0, result.err
    checkpoint = result.run_dir / "checkpoints" / "best.ckpt"
    stored = torch.load(checkpoint, weights_only=True)["nnfw"]["spec"]  # plain types only
    assert list(stored["class_names"]) == list(Vocabulary.from_text(REPEATED[:round(len(REPEATED) * 0.9)]).chars)
    corpus.unlink()
    sampled = run_cli("sample", f"ckpt={checkpoint}", "prompt=hello", "length=40", "seed=3", cwd=tmp_path)
    assert sampled.returncode == 0, sampled.stderr
    text = sampled.stdout.removesuffix("\n")
    assert text.startswith("hello") and len(text) == 45
    assert set(text) <= set(stored["class_names"])
    again = run_cli("sample", f"run={result.run_dir}", "prompt=hello", "length=40", "seed=3", cwd=tmp_path)
    assert again.stdout == sampled.stdout  # the same checkpoint and seed, the same text
    free_text = run_cli("sample", f"run={result.run_dir}", "prompt=hello world, [me]! ", "length=5", cwd=tmp_path)
    assert free_text.returncode == 0, free_text.stderr
    assert free_text.stdout.startswith("hello world, [me]! ") and len(free_text.stdout) == 25


@pytest.mark.slow
def test_tied_weights_need_equal_embedding_and_hidden_sizes(train):
    tied = train("model=lstm", "data=charseq", "model.tie_weights=true", "model.embedding_size=32",
                 "model.hidden_size=32", "debug=fast", *QUICK)
    assert tied.code == 0, tied.err
    mismatched = train("model=lstm", "data=charseq", "model.tie_weights=true", "debug=fast", *QUICK)
    assert mismatched.code == 2
    assert "model.tie_weights needs" in mismatched.err
    assert "Traceback" not in mismatched.err


@pytest.mark.parametrize(("given", "norm_after"), [(None, 5.0), (0.5, 0.5)], ids=["default", "told otherwise"])
def test_language_models_clip_gradients_at_5_unless_told_otherwise(given, norm_after):
    from functools import partial

    import lightning.pytorch as pl

    from nnfw.data.spec import DataSpec
    from nnfw.models.recurrent import RecurrentLM
    from nnfw.tasks.language_model import LanguageModel

    spec = DataSpec(task="language_model", num_features=12, num_classes=12)
    task = LanguageModel(RecurrentLM(in_features=12, out_features=12, cell="lstm", embedding_size=8, hidden_size=8),
                         spec, partial(torch.optim.SGD, lr=0.1))
    task.trainer = pl.Trainer(accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False)
    for parameter in task.parameters():
        parameter.grad = torch.full_like(parameter, 100.0)  # a total norm in the thousands
    task.configure_gradient_clipping(torch.optim.SGD(task.parameters(), lr=0.1), given, None if given is None else "norm")
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in task.parameters()]))
    assert total.item() == pytest.approx(norm_after, rel=1e-4)


@pytest.mark.slow
def test_an_lstm_overfits_a_repeated_text_and_sample_reproduces_it_at_temperature_0(train, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(REPEATED)
    result = train("model=lstm", "data=charseq", f"data.path={corpus}", "data.seq_len=16", "data.batch_size=16",
                   "data.val_fraction=0", "model.hidden_size=64", "model.embedding_size=16", "model.num_layers=1",
                   "optimizer.lr=0.03", "trainer.max_epochs=150", *QUICK)
    assert result.code == 0, result.err
    # What is left is the first characters of each window, which no model can know without context
    # (after a lone 'l' comes 'l', 'o' or 'd'); from ln(vocabulary) = 2.9 untrained.
    assert result.metrics["val/loss"] < 0.1
    checkpoint = result.run_dir / "checkpoints" / "best.ckpt"
    sampled = run_cli("sample", f"ckpt={checkpoint}", "prompt=hello", "length=120", "temperature=0")
    assert sampled.returncode == 0, sampled.stderr
    assert sampled.stdout.removesuffix("\n") == (REPEATED * 2)[:125]


@pytest.mark.slow
def test_the_tutorials_char_rnn_learns_its_hello_world_text(train):
    result = train("experiment=charseq_hello", "trainer.max_epochs=150", *QUICK)
    assert result.code == 0, result.err
    assert result.metrics["train/loss"] < 0.5 < math.log(16)  # from ln(vocabulary) untrained


TEXT_ERRORS = {
    # case: (file contents, or None for a directory without files; words the message must contain)
    "empty file": ("", "data.path holds no text"),
    "blank file": ("  \n\n", "data.path holds no text"),
    "empty directory": (None, "data.path is a directory without files"),
    "shorter than one sequence": ("abc" * 5, "has 14 characters, fewer than one sequence of data.seq_len=64"),
}


@pytest.mark.parametrize("case", TEXT_ERRORS)
def test_bad_text_exits_2_naming_the_problem(train, tmp_path, case):
    contents, words = TEXT_ERRORS[case]
    path = tmp_path / "corpus"
    if contents is None:
        path.mkdir()
    else:
        path.write_text(contents)
    result = train("model=lstm", "data=charseq", f"data.path={path}", "debug=fast", *QUICK)
    assert result.code == 2, result.err
    assert result.err.startswith("nnfw: error:") and words in result.err
    assert "Traceback" not in result.err
    assert not result.run_dir.exists()  # found while the run is built, before it starts


def test_a_missing_text_path_is_refused_before_training(train):
    result = train("model=lstm", "data=charseq", "data.path=/no/such/corpus.txt")
    assert result.code == 2
    assert "data.path names a file that does not exist" in result.err
    assert not result.run_dir.exists()


SAMPLE_ERRORS = [
    (["prompt=hi"], "nnfw sample needs a checkpoint"),
    (["ckpt=/no/such/best.ckpt"], "checkpoint not found: /no/such/best.ckpt"),
    (["run=/no/such/run"], "checkpoint not found: /no/such/run/checkpoints/best.ckpt"),
    (["ckpt=x", "lenght=5"], "unknown option 'lenght' for nnfw sample\n  did you mean 'length'"),
    (["ckpt=x", "length=0"], "length must be >= 1"),
    (["ckpt=x", "temperature=hot"], "temperature must be a number"),
    (["ckpt=x", "temperature=-1"], "temperature must be >= 0"),
    (["ckpt=x", "top_k=0"], "top_k must be >= 1"),
    (["ckpt"], "cannot read the override 'ckpt'"),
]


@pytest.mark.parametrize(("args", "words"), SAMPLE_ERRORS, ids=[" ".join(a) for a, _ in SAMPLE_ERRORS])
def test_sample_errors_exit_2_before_torch_is_imported(fresh_answers, args, words):
    table = [a for a, _ in SAMPLE_ERRORS]
    result = fresh_answers([["sample", *a] for a in table])[table.index(args)]
    assert result.code == 2
    assert f"nnfw: error: {words}" in result.err
    assert "torch" not in result.imported


@pytest.mark.slow
def test_sample_refuses_a_file_that_is_not_a_language_model_checkpoint(train, tmp_path, capsys):
    from nnfw.cli.main import main

    def sample(path) -> tuple[int, str]:
        with pytest.raises(SystemExit) as stop:
            main(["sample", f"ckpt={path}"])
        return stop.value.code, capsys.readouterr().err

    junk = tmp_path / "junk.ckpt"
    junk.write_bytes(b"not a checkpoint")
    code, err = sample(junk)
    assert code == 2
    assert "is not a checkpoint" in err and "Traceback" not in err
    tabular = train("data=xor", "trainer.max_epochs=1", *QUICK)
    assert tabular.code == 0, tabular.err
    code, err = sample(tabular.run_dir / "checkpoints" / "best.ckpt")
    assert code == 2
    assert "holds a binary model, not a language model" in err


@pytest.mark.parametrize("positions", ["learned", "sinusoidal"])
@pytest.mark.parametrize("norm_first", [True, False])
def test_the_transformer_is_causal(positions, norm_first):
    from nnfw.models.transformer import CausalTransformer

    torch.manual_seed(0)
    model = CausalTransformer(20, 20, context=16, d_model=32, num_heads=4, num_layers=2, d_ff=64,
                              positions=positions, norm_first=norm_first).eval()
    tokens = torch.randint(0, 20, (2, 16))
    changed = tokens.clone()
    changed[:, 10] = (changed[:, 10] + 1) % 20
    before, after = model(tokens), model(changed)
    assert torch.allclose(before[:, :10], after[:, :10], atol=1e-5)  # the past never sees the future
    assert not torch.allclose(before[:, 10:], after[:, 10:])


def test_the_transformer_refuses_heads_that_do_not_divide_its_width(train):
    result = train("model=transformer", "data=charseq", "model.d_model=30", "model.num_heads=4", "debug=fast")
    assert result.code == 2
    assert "model.d_model (30) must be a multiple of model.num_heads (4)" in result.err


@pytest.mark.parametrize(("override", "words"), [
    ("data.seq_len=0", "data.seq_len must be >= 1"),
    ("model.d_model=-4", "model.d_model must be >= 1"),
    ("model.positions=rotary", "model.positions must be one of learned, sinusoidal"),
    ("data.windows_per_epoch=0", "data.windows_per_epoch must be >= 1"),
])
def test_sequence_sizes_out_of_range_are_refused_before_training(train, override, words):
    result = train("model=transformer", "data=charseq", override)
    assert result.code == 2
    assert words in result.err
    assert not result.run_dir.exists()


def remembering_text(path, segments: int = 800, letters: str = "abcd", seed: int = 0) -> None:
    """Segments of 8 characters `x......x`: the last repeats the first, 7 characters back. In
    windows of 4 that start with the segments, the first is always in the window before."""
    import random

    chosen = random.Random(seed).choices(letters, k=segments)
    path.write_text("".join(f"{letter}......{letter}" for letter in chosen) + ".")


def test_stateful_text_is_validated_as_streams_whose_windows_continue_each_other_from_the_start():
    from nnfw.data.charseq import CharSeqDataModule

    data = CharSeqDataModule(text="".join(chr(97 + i % 26) for i in range(2000)), seq_len=10, batch_size=4,
                             val_fraction=0.25, stateful=True)
    data.setup()
    loader = data.val_dataloader()
    passes = [list(loader), list(loader)]
    assert [len(batches) for batches in passes] == [12, 12]  # 4 streams of 124 characters: 12 windows each
    for (first_inputs, first_targets), (again, _) in zip(*passes):
        assert torch.equal(first_inputs, again)  # every pass reads the split from its start
    for (inputs, targets), (following, _) in zip(passes[0], passes[0][1:]):
        assert torch.equal(inputs[:, 1:], targets[:, :-1])
        assert torch.equal(following[:, 0], targets[:, -1])  # each row goes on where it stopped


@pytest.mark.slow
def test_only_a_stateful_model_learns_what_lies_across_the_window_boundary(train, tmp_path):
    """Per 8 characters, the first is a random letter of 4 (ln 4 nats) and the last repeats it:
    a model that remembers it learns the segment at ln 4 / 8 nats a character, one that forgets
    at each window's start pays ln 4 twice. Validation (of the same text) carries the state too."""
    text = tmp_path / "text.txt"
    remembering_text(text)
    floor = math.log(4) / 8
    losses = {}
    for stateful in (False, True):
        result = train("model=lstm", "data=charseq", f"data.path={text}", "data.seq_len=4", "data.batch_size=8",
                       "data.val_fraction=0", "data.windows_per_epoch=null", f"data.stateful={stateful}",
                       "model.embedding_size=8", "model.hidden_size=32", "model.num_layers=1",
                       "optimizer.lr=0.01", "trainer.max_epochs=12", "callbacks.text_sample=null")
        assert result.code == 0, result.err
        losses[stateful] = result.metrics["train/loss"], result.metrics["val/loss"]
    assert min(losses[False]) > 2 * floor  # it cannot know the repeated letter
    # it remembers it, below what any model that forgets can reach, and validation reads it so too
    assert max(losses[True]) < 2 * floor, losses
    assert losses[True][1] < 0.6 * min(losses[False]), losses


def test_the_time_budget_schedule_warms_up_then_anneals_over_the_budget_and_resumes_where_it_stopped():
    from nnfw.tasks.schedules import TimeBudgetCosine, seconds

    assert seconds("00:00:05:00") == 300 and seconds({"minutes": 2}) == 120
    optimizer = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    schedule = TimeBudgetCosine(optimizer, "00:00:05:00", warmup=0.1, min_factor=0.1)
    assert [round(schedule.factor(p), 3) for p in (0.0, 0.1, 0.55, 1.0)] == [0.01, 1.0, 0.55, 0.1]
    schedule.elapsed_before = 150.0  # half the budget trained before
    resumed = TimeBudgetCosine(torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=1.0), "00:00:05:00")
    resumed.load_state_dict(schedule.state_dict())
    assert resumed.progress() == pytest.approx(0.5, abs=0.01)


def test_a_time_budget_schedule_without_a_budget_is_refused(train):
    result = train("model=lstm", "data=charseq", "scheduler=time_cosine", "debug=fast", "callbacks.text_sample=null")
    assert result.code == 2
    assert "trainer.max_time" in result.err


@pytest.mark.slow
def test_the_checkpoint_commands_read_last_ckpt_of_a_run_that_never_validated_and_say_so(train, tmp_path, capsys):
    """trainer.max_steps=5 ends the run before its first validation: it has last.ckpt, no best.ckpt."""
    from conftest import run_in_process

    result = train("model=gru", "data=charseq", "trainer.max_steps=5", *SMALL, *QUICK)
    assert result.code == 0, result.err
    folder = result.run_dir / "checkpoints"
    assert sorted(p.name for p in folder.iterdir()) == ["last.ckpt"]
    notice = f"nnfw: {folder} has no best.ckpt (the run ended before a validation chose one); using last.ckpt"
    for command in (["sample", "prompt=he", "length=5"], ["eval"], ["export", f"output={tmp_path / 'model.onnx'}"]):
        code, err = run_in_process([command[0], f"run={result.run_dir}", *command[1:]], capsys)
        assert code == 0, err
        assert notice in err
    assert (tmp_path / "model.onnx").is_file()
