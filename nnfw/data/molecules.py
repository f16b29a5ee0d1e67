"""Generated molecules: descriptors as features, several properties of each molecule as targets.

The tutorials' drug-discovery example (seeds/004) scores eight molecules on drug-likeness,
bioavailability, toxicity (unsafe above 0.5) and synthesizability, all in [0, 1], by hand.
This source generates molecules whose descriptors follow the usual ranges and correlations of
drug-like compounds (weight grows with heavy atoms, polar surface with donors and acceptors)
and computes the properties from them by the rules chemists use, plus noise:

- drug_likeness: a QED-like geometric mean of desirabilities of weight, logP, donors, acceptors,
  polar surface, rotatable bonds and aromatic rings (Bickerton et al. 2012, in spirit);
- bioavailability: oral bioavailability falling off past Lipinski's and Veber's limits and away
  from a logD (lipophilicity at pH 7.4, after ionization) of 2;
- toxic: toxicity > 0.5, toxicity rising for lipophilic bases (hERG blockers) and for structural
  alerts in molecules lipophilic enough to enter cells;
- synthesizability: easy for mid-sized molecules, harder with stereocentres, most in aliphatic rings;
- solubility: low / medium / high, from the general solubility equation's log S (Jain and Yalkowsky
  2001), its melting point higher for stacking aromatic rings with hydrogen-bond donors, raised
  by ionization at pH 7.4 (Henderson-Hasselbalch).

Ionization makes the properties depend on pKa and acid or base together, which no linear model
of the descriptors captures: the network's margin over the per-target baselines is that.

The regression properties lie in [0, 1]; toxic is binary and solubility has three classes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nnfw.data.table import Table
from nnfw.data.targets import read_targets


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _desirability(x: np.ndarray, best: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((x - best) / width) ** 2)


def descriptors(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """`n` molecules' descriptors, drawn with the correlations drug-like compounds show."""
    heavy = np.clip(rng.normal(26, 8, n), 6, 60).round()
    aromatic = np.clip(rng.poisson(0.04 * heavy), 0, 6)
    rings = aromatic + rng.poisson(0.7, n)
    hbd = rng.poisson(0.06 * heavy)
    hba = rng.poisson(0.16 * heavy)
    weight = 13.2 * heavy + 1.5 * hba + rng.normal(0, 15, n)
    logp = 0.12 * heavy + 0.5 * aromatic - 0.45 * hbd - 0.2 * hba + rng.normal(0, 1.0, n)
    tpsa = np.clip(20.2 * hbd + 9.5 * hba + rng.normal(0, 8, n), 0, None)
    rotatable = rng.poisson(np.clip(0.25 * heavy - 1.2 * rings, 0.2, None))
    stereo = rng.poisson(0.05 * heavy)
    sp3 = np.clip(1 - 6 * aromatic / heavy + rng.normal(0, 0.1, n), 0, 1)
    alerts = rng.poisson(0.35, n)
    pka = rng.normal(7.5, 2.0, n)  # of the most ionizable group,
    basic = rng.integers(0, 2, n)  # a base (an amine) or an acid
    return pd.DataFrame({"mol_weight": weight, "logp": logp, "hbd": hbd, "hba": hba, "tpsa": tpsa,
                         "rotatable_bonds": rotatable, "heavy_atoms": heavy, "aromatic_rings": aromatic,
                         "rings": rings, "stereocenters": stereo, "fraction_sp3": sp3, "alerts": alerts,
                         "pka": pka, "basic": basic})


def properties(d: pd.DataFrame, noise: float, rng: np.random.Generator) -> pd.DataFrame:
    """The properties of molecules with descriptors `d`, each with noise of spread `noise`."""
    n = len(d)

    def wiggle() -> np.ndarray:  # a fresh draw of noise for each property
        return rng.normal(0, noise, n)

    # log10 of the share of molecules ionized at pH 7.4 (Henderson-Hasselbalch): ions dissolve, fats do not
    ionized = np.where(d.basic == 1, np.log10(1 + 10 ** (d.pka - 7.4)), np.log10(1 + 10 ** (7.4 - d.pka)))
    logd = d.logp - ionized
    desirabilities = [_desirability(d.mol_weight, 300, 120), _desirability(d.logp, 2.5, 1.8),
                      _desirability(d.hbd, 1, 2), _desirability(d.hba, 4, 3.5), _desirability(d.tpsa, 70, 45),
                      _desirability(d.rotatable_bonds, 4, 4), _desirability(d.aromatic_rings, 2, 1.5)]
    drug_likeness = np.exp(np.mean(np.log(desirabilities), axis=0))
    excess = (np.maximum(d.mol_weight - 500, 0) / 100 + np.maximum(d.logp - 5, 0) + np.maximum(d.hbd - 5, 0)
              + np.maximum(d.hba - 10, 0) / 2 + np.maximum(d.tpsa - 140, 0) / 20 + np.maximum(d.rotatable_bonds - 10, 0) / 2)
    bioavailability = _sigmoid(3.0 - 2.0 * excess - 0.5 * np.abs(logd - 2) - 0.015 * np.maximum(d.tpsa - 90, 0))
    # hERG blockers are lipophilic bases; structural alerts harm once the molecule enters cells
    toxicity = _sigmoid(-1.0 + 1.5 * d.basic * _sigmoid(3 * (d.pka - 8)) * np.maximum(d.logp - 1.5, 0)
                        + 1.5 * d.alerts * _sigmoid(3 * (logd - 1)) + 2 * wiggle())
    aliphatic = np.maximum(d.rings - d.aromatic_rings, 0)
    synthesizability = _sigmoid(2.5 - 0.006 * (d.heavy_atoms - 18) ** 2 - 0.4 * d.stereocenters
                                - 0.5 * d.stereocenters * aliphatic + 0.8 * d.fraction_sp3 * (d.aromatic_rings > 0))
    # the general solubility equation, its melting point higher for stacking aromatic rings with donors
    melting = np.clip(50 + 45 * d.aromatic_rings * (1 + 0.6 * d.hbd) - 25 * np.sqrt(d.rotatable_bonds) + 10 * d.hbd,
                      30, 350)
    log_s = 0.5 - 0.01 * (melting - 25) - d.logp + ionized + 10 * wiggle()

    def unit(values: np.ndarray) -> np.ndarray:  # with noise, kept in [0, 1]
        return np.clip(values + wiggle(), 0, 1)

    return pd.DataFrame({
        "drug_likeness": unit(drug_likeness), "bioavailability": unit(bioavailability),
        "toxic": np.where(toxicity > 0.5, "toxic", "safe"), "synthesizability": unit(synthesizability),
        "solubility": np.asarray(["low", "medium", "high"])[np.digitize(log_s, [-3.5, -1.5])],
    })


def molecules(n: int = 2000, noise: float = 0.03, seed: int = 0) -> Table:
    """`n` generated molecules: 14 descriptors, and drug_likeness, bioavailability, synthesizability
    (values in [0, 1]), toxic (binary) and solubility (low / medium / high) as targets."""
    rng = np.random.default_rng(seed)
    features = descriptors(n, rng)
    targets = properties(features, noise, rng)
    return read_targets(targets, list(targets.columns), None, "the generated molecules").table(
        features.to_numpy(dtype=np.float32), list(features.columns))
