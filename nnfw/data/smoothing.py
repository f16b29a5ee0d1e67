"""Exponential smoothing fitted on a series' training part, and the same model as a linear
forecast from a window alone: the classical forecast a forecaster starts from and is judged by.

The fit is statsmodels' state-space `ExponentialSmoothing` (additive errors): level, damped
trend or none, season (of at most LONGEST_SEASON values) or none, whichever has the lowest AIC.
With its parameters fixed, the model's forecast is linear in the values it filters, so over a
window it is a matrix (`window_weights`): the states start from a least-squares fit of level,
trend and season to the window, and the filter then runs through the window's values.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

#: exponential smoothing models a season of at most this many values (weekly data's year): a
#: season is one state per value, and statsmodels' fit of a longer one takes minutes
LONGEST_SEASON = 52
#: values x season length a seasonal fit reads at most: its most recent values (a season of 48
#: half hours fits in about 40 s a thousand values; a season of 6 keeps 5000)
SEASONAL_FIT_BUDGET = 30_000


def fit_smoothing(training: np.ndarray, period: int | None) -> Any | None:
    """The lowest-AIC exponential smoothing fitted on `training` (statsmodels' results); None
    without statsmodels (the `forecast` extra)."""
    try:
        from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing
    except ImportError:
        return None
    seasons = [None] + ([period] if period and period <= LONGEST_SEASON and len(training) >= 2 * period + 2 else [])
    if seasons[-1]:  # every candidate on the same values, so that their AICs compare
        training = training[-max(SEASONAL_FIT_BUDGET // period, 2 * period + 2):]
    fitted = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence and frequency warnings: the baseline is what it is
        for trend in (False, True):
            for seasonal in seasons:
                model = ExponentialSmoothing(training, trend=trend, damped_trend=trend, seasonal=seasonal)
                fitted.append(model.fit(disp=False))
    return min(fitted, key=lambda result: result.aic)


def window_weights(fitted: Any, window: int, horizon: int) -> np.ndarray:
    """(horizon, window): row j forecasts step j + 1 after a window's end, as the fitted model
    would from states fitted to the window by least squares and filtered through it.

    Each row sums to one, so the forecast of a shifted and scaled window is shifted and scaled
    alike: the matrix applies to a standardized series as it does to the raw one."""
    params = dict(zip(fitted.model.param_names, fitted.params))
    alpha, beta = params["smoothing_level"], params.get("smoothing_trend", 0.0)
    gamma, phi = params.get("smoothing_seasonal", 0.0), params.get("damping_trend", 1.0)
    trend = "smoothing_trend" in params
    period = int(fitted.model.seasonal_periods) if "smoothing_seasonal" in params else 0
    period = period if period <= window else 0  # a window shorter than the season cannot place it
    start = np.linalg.pinv(_start_design(window, period))  # window -> level, trend, seasonal contrasts
    weights = np.empty((horizon, window))
    for position in range(window):  # the forecast is linear: filter each unit window
        values = np.zeros(window)
        values[position] = 1.0
        middle, slope, *contrasts = start @ values
        # a trend model's level starts a step before the window; a level alone, the window's mean
        level, slope = (middle - slope * (window + 1) / 2, slope) if trend else (middle, 0.0)
        contrasts = np.asarray(contrasts)
        season = list(np.r_[-contrasts.sum(), contrasts]) if period else []  # by position % period
        for value in values:
            seasonal = season[0] if period else 0.0
            error = value - (level + phi * slope + seasonal)
            level, slope = level + phi * slope + alpha * error, phi * slope + beta * error
            if period:
                season = season[1:] + [seasonal + gamma * error]
        damped = np.cumsum(phi ** np.arange(1, horizon + 1)) if trend else np.zeros(horizon)
        weights[:, position] = [level + damped[step] * slope + (season[step % period] if period else 0.0)
                                for step in range(horizon)]
    return weights


def _start_design(window: int, period: int) -> np.ndarray:
    """Columns a window's values are regressed on for the filter's first states: the level at the
    window's middle, the trend per step, and a season's contrasts (summing to zero over a
    season). The trend is fitted even for a model without one, lest it pass for a season."""
    steps = np.arange(window)
    columns = [np.ones(window), steps - (window - 1) / 2]
    columns += [(steps % period == phase).astype(float) - (steps % period == 0) for phase in range(1, period)]
    return np.stack(columns, axis=1)
