"""Built-in datasets: generated or shipped with scikit-learn, never downloaded.

Each source returns a `Table`; the ones the tutorials define follow their generators exactly.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from sklearn import datasets

from nnfw.data.table import Table

GATES = {
    "xor": [0, 1, 1, 0],
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
}


def truth_table(gate: Literal["xor", "and", "or"]) -> Table:
    """The 4-row truth table of a logic gate (xor, and, or) over two binary inputs."""
    X = [[0, 0], [0, 1], [1, 0], [1, 1]]
    return Table(X, GATES[gate], "binary", ("x1", "x2"), ("0", "1"))


def hours_score() -> Table:
    """Study hours -> exam score: X=[1,2,3,4], y=[50,60,70,80] (a perfect line, y = 10x + 40)."""
    return Table([1, 2, 3, 4], [50, 60, 70, 80], "regression", ("hours",))


def hours_pass() -> Table:
    """Study hours -> pass (1) or fail (0): X=[1,2,3,4], y=[0,0,1,1]."""
    return Table([1, 2, 3, 4], [0, 0, 1, 1], "binary", ("hours",), ("fail", "pass"))


def spirals(n: int = 500, noise: float = 0.1, overlapping: bool = False, seed: int = 0) -> Table:
    """Two interleaved spirals: r = theta / 4pi for theta in [0, 4pi] (+ noise), class 1 turned by pi.

    `overlapping=True` reproduces seeds/002's generator exactly: it adds the pi turn to theta
    before computing the radius, which puts both classes on the same curve r = angle / 4pi.
    Three quarters of each class then overlap the other, so ~66% accuracy is the best any model
    can reach there; that, not the network, is why the tutorial stops at 66.40%.
    """
    rng = np.random.default_rng(seed)
    half = n // 2
    theta = np.linspace(0, 4 * np.pi, half)
    theta0 = theta + rng.standard_normal(half) * noise
    theta1 = theta + np.pi + rng.standard_normal(half) * noise
    r0 = theta0 / (4 * np.pi)
    r1 = theta1 / (4 * np.pi) if overlapping else (theta1 - np.pi) / (4 * np.pi)
    X = np.concatenate([np.stack([r0 * np.cos(theta0), r0 * np.sin(theta0)], 1),
                        np.stack([r1 * np.cos(theta1), r1 * np.sin(theta1)], 1)])
    y = np.concatenate([np.zeros(half), np.ones(half)])
    return Table(X, y, "binary", ("x", "y"), ("spiral 0", "spiral 1"))


def moons(n: int = 500, noise: float = 0.2, seed: int = 0) -> Table:
    X, y = datasets.make_moons(n_samples=n, noise=noise, random_state=seed)
    return Table(X, y, "binary", ("x", "y"))


def circles(n: int = 200, noise: float = 0.1, factor: float = 0.3, seed: int = 0) -> Table:
    X, y = datasets.make_circles(n_samples=n, noise=noise, factor=factor, random_state=seed)
    return Table(X, y, "binary", ("x", "y"), ("outer", "inner"))


def blobs(n: int = 500, centers: int = 3, features: int = 2, std: float = 1.0, seed: int = 0) -> Table:
    X, y = datasets.make_blobs(n_samples=n, centers=centers, n_features=features, cluster_std=std,
                               random_state=seed)
    return Table(X, y, "binary" if centers == 2 else "multiclass")


def classification(n: int = 1000, features: int = 20, informative: int = 10, classes: int = 2,
                   seed: int = 0) -> Table:
    X, y = datasets.make_classification(n_samples=n, n_features=features, n_informative=informative,
                                        n_redundant=min(2, features - informative), n_classes=classes,
                                        random_state=seed)
    return Table(X, y, "binary" if classes == 2 else "multiclass")


def iris() -> Table:
    """Fisher's iris: 150 flowers, 4 measurements, 3 species (shipped with scikit-learn)."""
    bunch = datasets.load_iris()
    return Table(bunch.data, bunch.target, "multiclass", tuple(bunch.feature_names),
                 tuple(bunch.target_names))


def linear(n: int = 500, features: int = 3, noise: float = 0.1, seed: int = 0) -> Table:
    """y = X.w + b + noise with fixed random w and b: a regression a linear model solves exactly."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, features))
    weights, bias = rng.uniform(-3, 3, features), rng.uniform(-1, 1)
    return Table(X, X @ weights + bias + noise * rng.standard_normal(n), "regression")


def lowrank(n: int = 1000, features: int = 20, latent: int = 3, noise: float = 0.1, seed: int = 0) -> Table:
    """Rows that live near a `latent`-dimensional subspace: X = Z W + noise, Z ~ N(0, I), as seeds/004's
    autoencoder example makes them. No targets: an autoencoder squeezes them into `latent` numbers,
    and the variance of the noise is what no such squeeze can explain."""
    rng = np.random.default_rng(seed)
    mixing = rng.standard_normal((latent, features))  # drawn first: the same subspace for any n
    codes = rng.standard_normal((n, latent))
    return Table(codes @ mixing + noise * rng.standard_normal((n, features)), None, "unsupervised")


def _mixture(centres: np.ndarray, n: int, std: float, seed: int) -> Table:
    """`n` points drawn evenly from isotropic Gaussians of spread `std` at `centres`, labelled by mode."""
    rng = np.random.default_rng(seed)
    modes = rng.integers(0, len(centres), n)
    points = centres[modes] + std * rng.standard_normal((n, 2))
    return Table(points, modes, "multiclass", ("x", "y"), tuple(f"mode {i}" for i in range(len(centres))))


def ring(n: int = 10000, modes: int = 8, radius: float = 2.0, std: float = 0.02, seed: int = 0) -> Table:
    """`modes` Gaussians evenly spaced on a circle (the PacGAN / VEEGAN 2-D ring: 8, radius 2, std 0.02)."""
    angles = 2 * np.pi * np.arange(modes) / modes
    return _mixture(radius * np.stack([np.cos(angles), np.sin(angles)], 1), n, std, seed)


def grid(n: int = 10000, side: int = 5, spacing: float = 2.0, std: float = 0.05, seed: int = 0) -> Table:
    """side x side Gaussians on a square grid centred at 0 (the 25-Gaussian grid: {-4,-2,0,2,4}^2, std 0.05)."""
    axis = (np.arange(side) - (side - 1) / 2) * spacing
    return _mixture(np.stack(np.meshgrid(axis, axis), -1).reshape(-1, 2), n, std, seed)


def gaussians(n: int = 2000, offset: float = 2.0, std: float = 0.3, seed: int = 0) -> Table:
    """seeds/004's GAN target: four Gaussians of spread `std` at (+-offset, +-offset)."""
    corners = offset * np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]], dtype=float)
    return _mixture(corners, n, std, seed)


def circle(n: int = 2000, radius: float = 2.0, noise: float = 0.1, seed: int = 0) -> Table:
    """seeds/004's other GAN target: points at uniform angles, at a distance `radius` + N(0, noise) from 0."""
    rng = np.random.default_rng(seed)
    angles = rng.uniform(0, 2 * np.pi, n)
    radii = radius + noise * rng.standard_normal(n)
    return Table(radii[:, None] * np.stack([np.cos(angles), np.sin(angles)], 1), None, "unsupervised", ("x", "y"))
