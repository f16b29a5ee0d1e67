"""Every model trains on every dataset it is compatible with (one batch of each stage)."""

from __future__ import annotations

import pytest

from nnfw.config import locate

#: datasets that are not tables of features: tests/test_sequences.py and tests/test_images.py cover them
SEQUENCES = ("charseq", "text_classification")
IMAGES = ("digits", "shapes", "patterns", "mnist", "fashion_mnist", "cifar10", "image_folder", "image_files")
#: ratings, which only recommenders read: tests/test_recommenders.py covers them
RATINGS = ("ratings", "ratings_tutorial", "ratings_synthetic", "movielens")
#: rows for generative models (they give vectors): tests/test_generative.py covers them
VECTORS = ("lowrank", "ring", "grid", "gaussians", "circle", "csv_rows")
DATASETS = [d for d in locate.options("data") if d not in ("csv", *SEQUENCES, *IMAGES, *RATINGS, *VECTORS)]
BINARY = ["xor", "and", "or", "hours_pass", "spirals", "moons", "circles", "classification"]
KINDS = {"xor": "binary", "and": "binary", "or": "binary", "hours_pass": "binary", "spirals": "binary",
         "moons": "binary", "circles": "binary", "classification": "binary", "blobs": "multiclass",
         "iris": "multiclass", "hours_score": "regression", "regression": "regression", "timeseries": "forecast",
         "molecules": "multitarget"}


def test_the_matrix_covers_every_dataset():
    assert sorted(KINDS) == sorted(DATASETS)
    assert sorted(BINARY) == sorted(d for d, k in KINDS.items() if k == "binary")


@pytest.mark.slow
@pytest.mark.parametrize("data", DATASETS)
@pytest.mark.parametrize("model", ["linear", "logistic", "mlp"])
def test_gradient_models_complete_a_fast_dev_run(train, model, data):
    result = train(f"model={model}", f"data={data}", "debug=fast")
    assert result.code == 0, result.err
    summary = result.summary
    assert summary["status"] == "completed"
    assert summary["task"] == KINDS[data]
    assert summary["steps"] == 1
    assert summary["parameters"] > 0
    assert result.out.strip().splitlines()[-1] == str(result.run_dir)


@pytest.mark.slow
@pytest.mark.parametrize("data", BINARY)
def test_perceptron_completes_a_fast_dev_run_on_binary_data(train, data):
    result = train("model=perceptron", f"data={data}", "debug=fast")
    assert result.code == 0, result.err
    assert result.summary["task"] == "perceptron"


@pytest.mark.parametrize("data", ["iris", "regression"])
def test_perceptron_refuses_non_binary_data(train, data):
    result = train("model=perceptron", f"data={data}", "debug=fast")
    assert result.code == 2
    assert "model=perceptron trains binary data" in result.err
    assert f"data={data}" in result.err
    assert "Traceback" not in result.err
    assert not result.run_dir.exists()  # found while the run is built, before it starts
