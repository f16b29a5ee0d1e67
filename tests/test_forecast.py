"""Forecasting a series: the tutorial's synthetic stock price, a CSV column, metrics and the plot."""

from __future__ import annotations

import numpy as np
import pytest

QUICK = ["logger=none", "callbacks.text_sample=null"]


def test_the_synthetic_series_is_the_tutorials():
    from nnfw.data.series import stock

    np.random.seed(42)  # seeds/004 draws its noise from the global generator
    days = np.arange(200)
    expected = np.linspace(100, 150, 200) + 10 * np.sin(days * 2 * np.pi / 30) + np.random.randn(200) * 3
    assert np.array_equal(stock(), expected)


def test_windows_split_by_position_and_targets_follow_their_inputs():
    from nnfw.data.series import SeriesDataModule, stock

    module = SeriesDataModule(window=30, val_fraction=0.1, test_fraction=0.25)
    module.setup()
    assert module.split_sizes() == {"train": 100, "val": 20, "test": 50}  # days 30-129, 130-149, 150-199
    inputs, targets = module.tensors["test"]
    series = stock().astype(np.float32)
    assert np.array_equal(targets.numpy(), series[150:])
    assert np.array_equal(inputs[0].numpy(), series[120:150])  # history reaches back before the split


@pytest.mark.slow
@pytest.mark.parametrize("model", ["lstm_forecast", "gru_forecast", "mlp"])
def test_forecasters_complete_a_fast_dev_run(train, model):
    result = train(f"model={model}", "data=timeseries", "debug=fast", *QUICK)
    assert result.code == 0, result.err
    assert result.summary["task"] == "forecast"
    assert {"train/mae", "train/rmse", "train/mape"} <= set(result.metrics)


def test_a_csv_column_is_a_series_and_a_missing_column_is_named(train, tmp_path):
    path = tmp_path / "sales.csv"
    values = 50 + 5 * np.sin(np.arange(120) / 5)
    path.write_text("day,sales\n" + "".join(f"{i},{v:.3f}\n" for i, v in enumerate(values)))
    result = train("model=gru_forecast", "data=timeseries", f"data.path={path}", "data.column=sales",
                   "data.window=12", "data.horizon=3", "trainer.max_epochs=2", *QUICK)
    assert result.code == 0, result.err
    assert result.summary["data"]["num_targets"] == 3
    assert (result.run_dir / "forecast.svg").read_text().startswith("<svg")
    missing = train("model=mlp", "data=timeseries", f"data.path={path}", "data.column=sale", "debug=fast", *QUICK)
    assert missing.code == 2
    assert "series column 'sale'" in missing.err and "did you mean 'sales'" in missing.err


def test_a_series_too_short_for_one_window_exits_2(train):
    result = train("model=mlp", "data=timeseries", "data.days=40", "debug=fast", *QUICK)
    assert result.code == 2
    assert "holds no window of data.window=30 values" in result.err


@pytest.mark.slow
def test_the_lstm_forecaster_beats_the_naive_last_value_forecast(train):
    from nnfw.data.series import SeriesDataModule

    result = train("model=lstm_forecast", "data=timeseries", "trainer.max_epochs=60", *QUICK)
    assert result.code == 0, result.err
    module = SeriesDataModule()
    module.setup()
    inputs, targets = module.tensors["test"]
    naive = (inputs[:, -1] - targets).abs().mean().item()  # tomorrow = today: MAE 3.2
    assert result.metrics["test/mae"] < 0.85 * naive
    assert result.metrics["test/rmse"] < (inputs[:, -1] - targets).pow(2).mean().sqrt().item()
