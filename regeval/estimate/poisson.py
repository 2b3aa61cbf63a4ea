"""Poisson regression with several fixed-effect dimensions by Newton-Raphson on assembled normal equations.

The Hessian X'diag(mu)X of dummy columns is built from bincounts, so one
iteration costs a few passes over the rows plus a solve of the small
(levels + regressors) system; no dense design matrix is formed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from regeval.estimate.fe import encode


@dataclass(frozen=True)
class PoissonFit:
    """Coefficients of the regressors, all parameters in design order, and convergence."""

    coef: np.ndarray
    params: np.ndarray
    loglik: float
    converged: bool
    n_iter: int


class PoissonFE:
    """Poisson log-linear model: log mu = offset + sum of fixed effects + z b."""

    def __init__(self, count: np.ndarray, offset: np.ndarray, factors: list[np.ndarray]) -> None:
        """Counts, log exposure and one label array per fixed-effect dimension (first level of all but the first dropped)."""
        self.y = count
        self.offset = offset
        self.codes = [encode(f)[1] for f in factors]
        self.sizes = [int(c.max()) + 1 if c.size else 0 for c in self.codes]
        self.kept = [
            np.arange(size) if i == 0 else np.arange(1, size) for i, size in enumerate(self.sizes)
        ]
        starts = np.cumsum([0] + [k.size for k in self.kept])
        self.blocks = [slice(int(starts[i]), int(starts[i + 1])) for i in range(len(self.kept))]
        self.n_fe = int(starts[-1])

    def design(self, z: np.ndarray) -> np.ndarray:
        """The dense design matrix in parameter order (regressors last), for reference fits."""
        x = np.zeros((self.y.size, self.n_fe + z.shape[1]))
        rows = np.arange(self.y.size)
        for codes, kept, block, size in zip(
            self.codes, self.kept, self.blocks, self.sizes, strict=True
        ):
            column = np.full(size, -1)
            column[kept] = np.arange(block.start, block.stop)
            target = column[codes]
            present = target >= 0
            x[rows[present], target[present]] = 1.0
        x[:, self.n_fe :] = z
        return x

    def _eta(self, params: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Linear predictor of every row."""
        eta = self.offset + z @ params[self.n_fe :]
        for codes, kept, block, size in zip(
            self.codes, self.kept, self.blocks, self.sizes, strict=True
        ):
            full = np.zeros(size)
            full[kept] = params[block]
            eta = eta + full[codes]
        return eta

    def _gradient(self, resid: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Score X'(y - mu) in parameter order."""
        parts = [
            np.bincount(codes, resid, size)[kept]
            for codes, kept, size in zip(self.codes, self.kept, self.sizes, strict=True)
        ]
        return np.concatenate(parts + [z.T @ resid])

    def _hessian(self, mu: np.ndarray, z: np.ndarray) -> np.ndarray:
        """X' diag(mu) X assembled block by block from bincounts."""
        size = self.n_fe + z.shape[1]
        hess = np.zeros((size, size))
        dims = range(len(self.codes))
        for a in dims:
            ca, ka, ba, ga = self.codes[a], self.kept[a], self.blocks[a], self.sizes[a]
            index = np.arange(ba.start, ba.stop)
            hess[index, index] = np.bincount(ca, mu, ga)[ka]
            for b in dims:
                if b <= a:
                    continue
                cb, kb, bb, gb = self.codes[b], self.kept[b], self.blocks[b], self.sizes[b]
                cross = np.bincount(ca * gb + cb, mu, ga * gb).reshape(ga, gb)[np.ix_(ka, kb)]
                hess[ba, bb] = cross
                hess[bb, ba] = cross.T
            for j in range(z.shape[1]):
                column = np.bincount(ca, mu * z[:, j], ga)[ka]
                hess[ba, self.n_fe + j] = column
                hess[self.n_fe + j, ba] = column
        hess[self.n_fe :, self.n_fe :] = z.T @ (mu[:, None] * z)
        return hess

    def cluster_vcov(self, fit: PoissonFit, z: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """Cluster-robust covariance of the regressor coefficients (statsmodels' small-sample correction)."""
        z = z.reshape(self.y.size, -1).astype(float)
        mu = np.exp(self._eta(fit.params, z))
        resid = self.y - mu
        _, group = encode(groups)
        n_groups = int(group.max()) + 1
        scores = [
            np.bincount(group * size + codes, resid, n_groups * size).reshape(n_groups, size)[
                :, kept
            ]
            for codes, kept, size in zip(self.codes, self.kept, self.sizes, strict=True)
        ]
        scores += [
            np.bincount(group, resid * z[:, j], n_groups)[:, None] for j in range(z.shape[1])
        ]
        score = np.hstack(scores)
        hess = self._hessian(mu, z)
        k = z.shape[1]
        unit = np.zeros((hess.shape[0], k))
        unit[self.n_fe + np.arange(k), np.arange(k)] = 1.0
        bread = np.linalg.solve(hess, unit)
        half = score @ bread
        n_obs, n_params = self.y.size, hess.shape[0]
        correction = n_groups / (n_groups - 1) * (n_obs - 1) / (n_obs - n_params)
        return correction * half.T @ half

    def _start(self, k: int) -> np.ndarray:
        """Start values: each first-dimension level's log count / exposure, everything else 0."""
        params = np.zeros(self.n_fe + k)
        first, kept, block = self.codes[0], self.kept[0], self.blocks[0]
        totals = np.bincount(first, self.y, self.sizes[0])
        exposure = np.bincount(first, np.exp(self.offset), self.sizes[0])
        params[block] = np.log(np.maximum(totals, 0.5) / exposure)[kept]
        return params

    def fit(
        self,
        z: np.ndarray,
        start: np.ndarray | None = None,
        tol: float = 1e-10,
        max_iter: int = 100,
    ) -> PoissonFit:
        """Maximum-likelihood coefficients of the regressors z (n_obs x k), optionally from fixed-effect start values."""
        z = z.reshape(self.y.size, -1).astype(float)
        params = self._start(z.shape[1])
        if start is not None:
            params[: self.n_fe] = start[: self.n_fe]
        eta = self._eta(params, z)
        loglik = float(self.y @ eta - np.exp(eta).sum())
        converged = False
        iteration = 0
        for iteration in range(1, max_iter + 1):
            mu = np.exp(eta)
            grad = self._gradient(self.y - mu, z)
            hess = self._hessian(mu, z)
            try:
                step = scipy.linalg.cho_solve(scipy.linalg.cho_factor(hess), grad)
            except np.linalg.LinAlgError:
                step = np.linalg.lstsq(hess, grad, rcond=None)[0]
            length = 1.0
            while True:
                trial = params + length * step
                trial_eta = self._eta(trial, z)
                trial_loglik = float(self.y @ trial_eta - np.exp(trial_eta).sum())
                if trial_loglik >= loglik - 1e-12 * abs(loglik) or length < 1e-8:
                    break
                length /= 2
            params, eta, loglik = trial, trial_eta, trial_loglik
            if np.max(np.abs(length * step)) < tol:
                converged = True
                break
        coef = params[self.n_fe :]
        if not converged or not np.all(np.isfinite(coef)):
            coef = np.full(coef.shape, np.nan)
        return PoissonFit(
            coef=coef, params=params, loglik=loglik, converged=converged, n_iter=iteration
        )
