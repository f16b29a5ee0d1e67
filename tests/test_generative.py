"""Autoencoders, VAEs and GANs: they train on the data they fit, measure what the literature
measures, and resume exactly."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from test_reliability import resumed_in_place, stopped_by_sigterm

#: rows without targets, or 2-D mixtures whose labels only name their modes
VECTORS = ("lowrank", "csv_rows", "ring", "grid", "gaussians", "circle")
#: model -> the task it declares
TASKS = {"autoencoder": "reconstruction", "vae": "vae", "gan": "gan", "conv_autoencoder": "reconstruction",
         "dcgan": "gan"}
#: model x data pairs that train together: every row model on every vectors dataset, the
#: autoencoders on a table of features and on images, the convolutional ones on images
PAIRS = [(model, data) for model in ("autoencoder", "vae", "gan") for data in VECTORS] + [
    (model, data) for model in ("autoencoder", "vae") for data in ("classification", "patterns", "digits")] + [
    (model, data) for model in ("conv_autoencoder", "dcgan") for data in ("patterns", "digits")]


@pytest.fixture
def rows_csv(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("a,b,c\n" + "\n".join(f"{i % 7},{i % 3},{(i * 5) % 11}" for i in range(40)) + "\n")
    return path


def test_the_pairs_cover_every_dataset_that_gives_vectors():
    from nnfw.config import locate
    from nnfw.config.compat import option_node
    from nnfw.config.declarations import gives

    assert sorted(VECTORS) == sorted(d for d in locate.options("data") if gives(option_node("data", d)) == "vectors")


@pytest.mark.slow
@pytest.mark.parametrize(("model", "data"), PAIRS)
def test_every_generative_model_completes_a_fast_dev_run_on_data_it_reads(train, rows_csv, model, data):
    extra = [f"data.path={rows_csv}"] if data == "csv_rows" else []
    result = train(f"model={model}", f"data={data}", "debug=fast", *extra)
    assert result.code == 0, result.err
    assert result.summary["status"] == "completed"
    assert result.summary["task"] == TASKS[model]  # the one the model declares


@pytest.mark.slow
def test_an_autoencoder_on_corrupted_data_learns_to_rebuild_the_clean_rows(train):
    result = train("experiment=dae_patterns", "data.n=200", "trainer.max_epochs=15")
    assert result.code == 0, result.err
    metrics = result.metrics
    assert metrics["test/mse"] < 0.5 * metrics["test/corrupted_mse"]


@pytest.mark.slow
def test_the_vae_reports_its_negative_elbo_as_reconstruction_plus_kl(train):
    result = train("experiment=vae_digits", "trainer.max_epochs=2", "model.task.nll_samples=50")
    assert result.code == 0, result.err
    metrics = result.metrics
    for stage in ("train", "val", "test"):
        parts = metrics[f"{stage}/reconstruction"] + metrics[f"{stage}/kl"]
        assert metrics[f"{stage}/nelbo"] == pytest.approx(parts, rel=1e-5)
    # the importance-sampled -log p(x) is tighter than the bound, and both are finite nats
    assert 0 < metrics["test/nll"] <= metrics["test/nelbo"] + 0.5
    for picture in ("reconstructions", "latent_space", "samples", "latent_traversal"):
        assert (result.run_dir / f"{picture}.png").is_file(), picture


def test_the_vae_kl_term_is_the_closed_form_kl_of_two_gaussians():
    from torch.distributions import Normal, kl_divergence

    from nnfw.data.spec import DataSpec
    from nnfw.models.vae import VAE
    from nnfw.tasks.vae import VariationalAutoencoder

    torch.manual_seed(0)
    task = VariationalAutoencoder(VAE(6, latent_size=3, hidden_sizes=[8]), DataSpec("unsupervised", 6),
                                  optimizer=torch.optim.Adam)
    rows = torch.randn(5, 6)
    _, kl = task.elbo_parts(rows, rows)
    mean, log_var = task.model.encode(rows)
    expected = kl_divergence(Normal(mean, (0.5 * log_var).exp()), Normal(0.0, 1.0)).sum(-1)
    torch.testing.assert_close(kl, expected)


#: the share of a 2-D Gaussian's draws within 3 standard deviations of its centre
WITHIN_3_STD = 1 - math.exp(-4.5)


@pytest.mark.parametrize(("kept", "modes", "quality"), [(8, 8, WITHIN_3_STD), (1, 1, WITHIN_3_STD), (0, 0, 0.0)])
def test_mode_coverage_counts_the_modes_that_high_quality_samples_reach(kept, modes, quality):
    from nnfw.tasks.modes import mode_coverage

    angles = torch.arange(8) * 2 * math.pi / 8
    centres = 2 * torch.stack([angles.cos(), angles.sin()], 1)
    generator = torch.Generator().manual_seed(0)
    if kept:
        samples = centres[torch.arange(2500) % kept] + 0.02 * torch.randn(2500, 2, generator=generator)
    else:  # every sample half-way between the origin and a mode: far from all of them
        samples = 0.5 * centres[torch.arange(2500) % 8]
    covered, share = mode_coverage(samples, centres, 0.02)
    assert covered == modes
    assert share == pytest.approx(quality, abs=0.01)


@pytest.mark.slow
def test_a_gan_counts_generator_steps_in_max_steps(train):
    result = train("model=gan", "data=ring", "data.n=1000", "model.task.d_steps=2",
                   "trainer.max_steps=30", "trainer.max_epochs=-1", "data.batch_size=100")
    assert result.code == 0, result.err
    assert result.summary["steps"] == 30
    assert result.summary["epochs"] == 10  # 6 batches an epoch, a generator step every second one
    assert (result.run_dir / "samples.png").is_file()  # generated points over the real ones


def test_a_packed_discriminator_judges_pack_rows_at_a_time_and_leaves_none_out():
    from nnfw.models.gan import GAN

    model = GAN(in_features=2, noise_size=3, pack=3)
    rows = torch.arange(14.0).view(7, 2)
    packs = model.packed(rows)
    assert packs.shape == (3, 6)  # 7 rows in 3 packs, the last completed with the first rows
    torch.testing.assert_close(packs[0], rows[:3].flatten())
    torch.testing.assert_close(packs[2], rows[[6, 0, 1]].flatten())
    assert model.discriminate(rows).shape == (3,)


def test_a_packed_gan_completes_a_fast_dev_run_and_a_pack_of_zero_is_refused(train):
    result = train("model=gan", "data=grid", "model.pack=2", "debug=fast")
    assert result.code == 0, result.err
    assert result.summary["status"] == "completed"
    refused = train("model=gan", "data=grid", "model.pack=0")
    assert refused.code == 2
    assert "model.pack" in refused.err


GAN_RUN = ["model=gan", "data=ring", "data.n=3000", "data.batch_size=32", "trainer.max_epochs=12",
           "trainer.check_val_every_n_epoch=1", "regularization.gradient_clip.value=1.0", "seed=4"]


@pytest.mark.slow
def test_a_gan_stopped_by_sigterm_and_resumed_ends_with_the_generator_of_an_uninterrupted_run(train, tmp_path):
    interrupted_dir = tmp_path / "interrupted"
    resumable, _ = stopped_by_sigterm(GAN_RUN, interrupted_dir)
    resumed_in_place(GAN_RUN, resumable, interrupted_dir)
    uninterrupted = train(*GAN_RUN)
    assert uninterrupted.code == 0, uninterrupted.err
    assert json.loads((interrupted_dir / "summary.json").read_text())["steps"] == uninterrupted.summary["steps"]
    resumed = torch.load(interrupted_dir / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    reference = torch.load(uninterrupted.run_dir / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    generator = [key for key in reference if key.startswith("model.generator.")]
    assert generator
    for key in generator:
        torch.testing.assert_close(resumed[key], reference[key], rtol=0, atol=0)


@pytest.mark.slow
@pytest.mark.parametrize(("args", "output", "count"), [
    (["experiment=vae_digits", "model.task.nll_samples=0"], "samples.png", None),
    (["model=gan", "data=ring", "data.n=500"], "points.csv", 37),
    (["model=dcgan", "data=digits", "data.standardize=false"], "digits.png", None),
])
def test_nnfw_sample_writes_the_requested_number_of_samples_of_a_vae_and_a_gan(train, tmp_path, args, output, count):
    from conftest import run_cli
    from PIL import Image

    from nnfw.views.pictures import grid_size

    result = train(*args, "trainer.max_epochs=1")
    assert result.code == 0, result.err
    checkpoint = next((result.run_dir / "checkpoints").glob("*.ckpt"))
    written = tmp_path / output
    sampled = run_cli("sample", f"ckpt={checkpoint}", f"n={count or 20}", "seed=3", f"output={written}")
    assert sampled.returncode == 0, sampled.stderr
    if count:  # one CSV row per sample, in the data's columns
        assert written.read_text().splitlines()[0] == "x,y"
        assert len(written.read_text().splitlines()) == count + 1
    else:  # a grid of 20 images, 8 to a row
        assert Image.open(written).size == grid_size(20, 8, label=False)


@pytest.mark.slow
def test_nnfw_predict_scores_each_row_by_its_reconstruction_error(train, tmp_path):
    import pandas as pd
    from conftest import run_cli

    from nnfw.data.sources import lowrank

    result = train("experiment=ae_lowrank", "trainer.max_epochs=20")
    assert result.code == 0, result.err
    table = lowrank(n=20, seed=0)  # rows of the training distribution; the last one moved off it
    frame = pd.DataFrame(table.X, columns=table.feature_names)
    frame.iloc[-1] += 5
    frame.to_csv(tmp_path / "rows.csv", index=False)
    predicted = run_cli("predict", f"run={result.run_dir}", f"input={tmp_path / 'rows.csv'}",
                        f"output={tmp_path / 'scores.csv'}")
    assert predicted.returncode == 0, predicted.stderr
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert list(scores.columns[:2]) == ["reconstruction_error", "reconstructed_x0"]
    assert scores["reconstruction_error"].idxmax() == len(frame) - 1
    assert scores["reconstruction_error"].iloc[:-1].max() < 0.2


WRONG_PAIRINGS = [
    (["model=gan", "data=csv", "data.path=CSV"], "model=gan reads vectors, but data=csv gives features", "models for features: autoencoder,"),
    (["model=mlp", "data=lowrank"], "model=mlp reads", "autoencoder, gan, vae"),
    (["model=cnn", "data=ring"], "model=cnn reads images", "autoencoder, gan, vae"),
    (["model=conv_autoencoder", "data=classification"], "model=conv_autoencoder reads images",
     "models for features: autoencoder,"),
    (["model=dcgan", "data=classification"], "model=dcgan reads images, but data=classification gives features",
     "models for features: autoencoder,"),
]


@pytest.fixture(scope="module")
def pairing_answers(fresh_answers, tmp_path_factory) -> list:
    """nnfw's answer to each wrong pairing, a CSV table of a target standing for the user's file."""
    folder = tmp_path_factory.mktemp("pairings")
    (folder / "table.csv").write_text("a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
    return fresh_answers([["train", *(a.replace("CSV", str(folder / "table.csv")) for a in args),
                           f"hydra.run.dir={folder / str(index)}"] for index, (args, _, _) in enumerate(WRONG_PAIRINGS)])


@pytest.mark.parametrize("case", range(len(WRONG_PAIRINGS)), ids=[" ".join(args) for args, _, _ in WRONG_PAIRINGS])
def test_a_wrong_pairing_exits_2_naming_the_models_that_fit(pairing_answers, case):
    _, culprit, fitting = WRONG_PAIRINGS[case]
    result = pairing_answers[case]
    assert result.code == 2, result.err
    assert culprit in result.err and "Traceback" not in result.err
    assert fitting in result.err


@pytest.mark.parametrize("image_shape", [(1, 8, 8), (1, 28, 28), (3, 32, 32)])
def test_a_dcgan_generates_images_of_the_datas_shape_and_scores_each_with_one_logit(image_shape):
    from nnfw.models.dcgan import DCGAN

    model = DCGAN(image_shape, noise_size=4, channels=8, unit_range=True)
    images = model(model.noise(5))
    assert images.shape == (5, *image_shape)
    assert 0 <= images.min() and images.max() <= 1  # sigmoid pixels, like the data's
    assert model.discriminate(images).shape == (5,)


def test_a_dcgan_whose_blocks_do_not_divide_the_image_says_which_fit():
    from nnfw.errors import UserError
    from nnfw.models.dcgan import DCGAN

    with pytest.raises(UserError, match="28x28 does not divide by 8"):
        DCGAN((1, 28, 28), blocks=3)


def one_hot_probabilities(classes: list[int], confidence: float) -> np.ndarray:
    """A classifier's probabilities over 10 classes for samples it reads as `classes`."""
    probabilities = np.full((len(classes), 10), (1 - confidence) / 9)
    probabilities[np.arange(len(classes)), classes] = confidence
    return probabilities


@pytest.mark.parametrize(("classes", "confidence", "covered"), [
    (list(range(10)) * 100, 0.9, 10),   # every digit, recognisably
    ([3] * 1000, 0.9, 1),               # one digit only: the generator collapsed
    (list(range(10)) * 100, 0.3, 0),    # every digit, but too vague to be recognised
    ([3] * 995 + [1] * 5, 0.9, 1),      # a class under 1% of the samples does not count
])
def test_class_coverage_counts_the_classes_that_recognisable_samples_reach(classes, confidence, covered):
    from nnfw.views.sample_quality import class_coverage

    counted, mean_confidence = class_coverage(one_hot_probabilities(classes, confidence))
    assert counted == covered
    assert mean_confidence == pytest.approx(confidence)


@pytest.mark.slow
def test_a_dcgan_on_digits_makes_recognisable_digits_of_nearly_every_class(train):
    result = train("experiment=dcgan_digits", "trainer.max_steps=1000")
    assert result.code == 0, result.err
    metrics = result.metrics
    assert metrics["test/classifier_acc"] > 0.9  # the judge reads real digits well
    assert metrics["test/classes_covered"] >= 9
    assert metrics["test/class_confidence"] > 0.55
    assert (result.run_dir / "samples.png").is_file()
