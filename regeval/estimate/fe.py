"""Weighted least squares with unit and period fixed effects, factored once per sample.

The fixed-effect block of the normal equations is assembled with bincounts and
factored once; a regressor that is non-zero only on one unit's rows (treated x
post, treated x period, ...) then costs a few small matrix products, which
makes the placebo loops (every control as the treated unit, every placebo
start, every left-out county) cheap.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from regeval.estimate.sample import Panel

IDENTIFIED = 1e-9


def encode(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct labels and the integer code of every row."""
    levels, codes = np.unique(labels, return_inverse=True)
    return levels, codes.astype(np.int64)


class TwoWayFE:
    """The weighted two-way fixed-effects normal equations of one panel."""

    def __init__(self, panel: Panel) -> None:
        """Assemble and factor the fixed-effect block (first period left out)."""
        self.units, self.unit_code = encode(panel.unit)
        self.periods, self.period_code = encode(panel.period)
        self.y = panel.rate
        self.w = panel.weight / panel.weight.mean()
        n_unit, n_period = self.units.size, self.periods.size
        self._n_unit = n_unit
        size = n_unit + n_period - 1
        gram = np.zeros((size, size))
        unit_index = np.arange(n_unit)
        period_index = n_unit + np.arange(n_period - 1)
        gram[unit_index, unit_index] = np.bincount(self.unit_code, self.w, n_unit)
        gram[period_index, period_index] = np.bincount(self.period_code, self.w, n_period)[1:]
        pairs = self.unit_code * n_period + self.period_code
        cross = np.bincount(pairs, self.w, n_unit * n_period).reshape(n_unit, n_period)[:, 1:]
        gram[:n_unit, n_unit:] = cross
        gram[n_unit:, :n_unit] = cross.T
        try:
            factor = scipy.linalg.cho_factor(gram)
            self._solve = lambda rhs: scipy.linalg.cho_solve(factor, rhs)
        except np.linalg.LinAlgError:
            inverse = np.linalg.pinv(gram)
            self._solve = lambda rhs: inverse @ rhs
        wy = self.w * self.y
        fe_y = np.concatenate(
            [
                np.bincount(self.unit_code, wy, n_unit),
                np.bincount(self.period_code, wy, n_period)[1:],
            ]
        )
        self._fe_y = self._solve(fe_y)
        order = np.argsort(self.unit_code, kind="stable")
        bounds = np.searchsorted(self.unit_code[order], np.arange(n_unit + 1))
        self._rows = [order[bounds[i] : bounds[i + 1]] for i in range(n_unit)]
        self._code = {label: i for i, label in enumerate(self.units.tolist())}

    def residuals(self, values: np.ndarray | None = None) -> np.ndarray:
        """Residuals of a column (the outcome when None) after the unit and period effects alone."""
        if values is None:
            fe = self._fe_y
            values = self.y
        else:
            wv = self.w * values
            fe = self._solve(
                np.concatenate(
                    [
                        np.bincount(self.unit_code, wv, self._n_unit),
                        np.bincount(self.period_code, wv, self.periods.size)[1:],
                    ]
                )
            )
        period_effect = np.concatenate([[0.0], fe[self._n_unit :]])
        return values - fe[self.unit_code] - period_effect[self.period_code]

    def unit_coefficients(self, flags: np.ndarray) -> np.ndarray:
        """The coefficient of one regressor put on each unit's rows in turn (units in sorted order).

        Equal to `coefficients(unit, flags on that unit's rows)` for every unit, in
        one solve: each unit's regressor projects on the fixed effects through its
        unit column and its period columns only.
        """
        n_unit, n_period = self._n_unit, self.periods.size
        wz = self.w * flags
        fe_z = np.zeros((n_unit + n_period - 1, n_unit))
        fe_z[np.arange(n_unit), np.arange(n_unit)] = np.bincount(self.unit_code, wz, n_unit)
        pairs = self.unit_code * n_period + self.period_code
        cross = np.bincount(pairs, wz, n_unit * n_period).reshape(n_unit, n_period)
        fe_z[n_unit:, :] = cross[:, 1:].T
        solved = self._solve(fe_z)
        zz = np.bincount(self.unit_code, wz * flags, n_unit)
        rhs = np.bincount(self.unit_code, wz * self.y, n_unit) - fe_z.T @ self._fe_y
        resid = zz - np.einsum("ij,ij->j", fe_z, solved)
        ok = (zz > 0) & (resid > IDENTIFIED * np.where(zz > 0, zz, 1.0))
        out = np.full(n_unit, np.nan)
        out[ok] = rhs[ok] / resid[ok]
        return out

    def rows(self, unit: str) -> np.ndarray:
        """Row indices of a unit (empty when absent)."""
        code = self._code.get(unit)
        return self._rows[code] if code is not None else np.zeros(0, dtype=np.int64)

    def coefficients(self, unit: str, regressors: np.ndarray, joint: bool = True) -> np.ndarray:
        """Coefficients of regressors living on one unit's rows (n_obs x k, zero elsewhere).

        joint=True fits all k columns in one regression (columns that are zero on the
        unit's rows are left out); joint=False fits each column in its own regression.
        Coefficients that are not identified are NaN.
        """
        regressors = regressors.reshape(regressors.shape[0], -1)
        k = regressors.shape[1]
        rows = self.rows(unit)
        if rows.size == 0:
            return np.full(k, np.nan)
        z = regressors[rows]
        w = self.w[rows]
        wz = w[:, None] * z
        fe_z = np.zeros((self._n_unit + self.periods.size - 1, k))
        fe_z[self._code[unit]] = wz.sum(axis=0)
        periods = self.period_code[rows]
        later = periods > 0
        np.add.at(fe_z, self._n_unit + periods[later] - 1, wz[later])
        solved = self._solve(fe_z)
        zz_diag = np.einsum("ij,ij->j", z, wz)
        rhs = wz.T @ self.y[rows] - fe_z.T @ self._fe_y
        if not joint:
            resid_diag = zz_diag - np.einsum("ij,ij->j", fe_z, solved)
            ok = (zz_diag > 0) & (resid_diag > IDENTIFIED * np.where(zz_diag > 0, zz_diag, 1.0))
            out = np.full(k, np.nan)
            out[ok] = rhs[ok] / resid_diag[ok]
            return out
        out = np.full(k, np.nan)
        active = zz_diag > 0
        if not active.any():
            return out
        z, wz, fe_z, solved = z[:, active], wz[:, active], fe_z[:, active], solved[:, active]
        resid = z.T @ wz - fe_z.T @ solved
        scale = 1.0 / np.sqrt(zz_diag[active])
        normalised = resid * np.outer(scale, scale)
        normalised = (normalised + normalised.T) / 2
        if np.linalg.eigvalsh(normalised)[0] <= IDENTIFIED:
            return out
        out[active] = scale * np.linalg.solve(normalised, scale * rhs[active])
        return out


def unit_effects(
    panel: Panel, units: list[str], period_flags: np.ndarray, joint: bool = True
) -> np.ndarray:
    """Coefficients (len(units) x k) with each unit in turn as the treated one, same sample."""
    model = TwoWayFE(panel)
    flags = period_flags.reshape(period_flags.shape[0], -1).astype(float)
    return np.array([model.coefficients(u, flags, joint=joint) for u in units]).reshape(
        len(units), flags.shape[1]
    )
