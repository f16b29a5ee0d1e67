"""The tutorials' examples, trained for real, reach what they should (and fail where they must)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_xor_2_4_1_sigmoid_network_reaches_100_percent(train):
    result = train("experiment=xor")
    assert result.code == 0, result.err
    assert result.metrics["test/acc"] == 1.0
    assert result.metrics["test/loss"] < 0.05


@pytest.mark.parametrize("gate", ["and", "or"])
def test_perceptron_rule_learns_and_and_or(train, gate):
    result = train(f"experiment={gate}")
    assert result.code == 0, result.err
    assert result.metrics["test/acc"] == 1.0


def test_perceptron_rule_cannot_learn_xor(train):
    result = train("experiment=perceptron_xor")
    assert result.code == 0, result.err
    assert result.metrics["test/acc"] < 1.0
    assert result.metrics["train/acc"] < 1.0


def test_linear_regression_finds_the_exact_line(train):
    result = train("experiment=hours_score")
    assert result.code == 0, result.err
    assert result.metrics["test/rmse"] < 0.01  # y = 10 x + 40 exactly


def test_logistic_regression_separates_pass_from_fail(train):
    result = train("experiment=hours_pass")
    assert result.code == 0, result.err
    assert result.metrics["test/acc"] == 1.0


def test_tuned_spirals_reach_99_percent_validation_accuracy(train):
    result = train("experiment=spirals")
    assert result.code == 0, result.err
    assert result.metrics["val/acc"] >= 0.99


def test_tutorial_spirals_network_stays_where_the_tutorial_did_on_its_overlapping_data(train):
    result = train("experiment=spirals_tutorial")
    assert result.code == 0, result.err
    assert 0.6 <= result.metrics["test/acc"] <= 0.75  # the tutorial: 66.40%


def test_iris_mini_project_beats_90_percent_test_accuracy(train):
    result = train("experiment=iris")
    assert result.code == 0, result.err
    assert result.metrics["test/acc"] > 0.9
