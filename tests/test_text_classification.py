"""Text classification: labelled texts as word ids, bag-of-embeddings and recurrent classifiers."""

from __future__ import annotations

import pytest
import torch

QUICK = ["logger=none", "callbacks.text_sample=null"]


def test_texts_become_left_padded_word_ids_from_the_training_vocabulary():
    from nnfw.data.textclass import TextClassificationDataModule

    module = TextClassificationDataModule(max_len=5)
    module.setup()
    assert module.vocabulary[:2] == ["<pad>", "<unk>"]
    assert module.split_sizes() == {"train": 48, "val": 16, "test": 16}
    great, love = module.vocabulary.index("great"), module.vocabulary.index("love")
    assert module.encode(["Great, LOVE it!", "zzz great"]).tolist() == [
        [0, 0, great, love, module.vocabulary.index("it")], [0, 0, 0, 1, great]]
    assert module.spec.task == "binary" and module.spec.class_names == ("negative", "positive")


@pytest.mark.slow
@pytest.mark.parametrize("model", ["bag_of_embeddings", "lstm_classifier"])
def test_text_classifiers_complete_a_fast_dev_run(train, model):
    result = train(f"model={model}", "data=text_classification", "debug=fast", *QUICK)
    assert result.code == 0, result.err
    assert result.summary["task"] == "binary"


def test_a_csv_of_texts_with_three_labels_trains_and_its_vocabulary_is_in_the_checkpoint(train, tmp_path):
    path = tmp_path / "tickets.csv"
    rows = [("printer jams again", "hardware"), ("cannot log in", "account"), ("invoice is wrong", "billing")] * 10
    path.write_text("text,label\n" + "".join(f"{text},{label}\n" for text, label in rows))
    result = train("model=lstm_classifier", "data=text_classification", f"data.path={path}",
                   "trainer.max_epochs=2", *QUICK)
    assert result.code == 0, result.err
    assert result.summary["task"] == "multiclass"
    checkpoint = torch.load(result.run_dir / "checkpoints" / "best.ckpt", weights_only=True)
    vocabulary = checkpoint["TextClassificationDataModule"]["vocabulary"]
    assert {"printer", "log", "invoice"} <= set(vocabulary) and vocabulary[:2] == ["<pad>", "<unk>"]
    wrong = train("model=bag_of_embeddings", "data=text_classification", f"data.path={path}",
                  "data.text_column=body", "debug=fast", *QUICK)
    assert wrong.code == 2
    assert "text column 'body'" in wrong.err


@pytest.mark.slow
def test_the_bag_of_embeddings_beats_the_majority_class_on_the_built_in_reviews(train):
    result = train("model=bag_of_embeddings", "data=text_classification", "trainer.max_epochs=40", *QUICK)
    assert result.code == 0, result.err
    assert result.metrics["test/acc"] > 0.5 + 0.1  # the classes are balanced: majority = 0.5
