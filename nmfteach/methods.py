"""The method registry: everything ``nmf()`` knows about a method, in one record per method.

A record holds the method's update (the textbook function a student reads, and the fast kernel
``nmf()`` runs, if there is one), its objective (loss, model X ≈ WH or X ≈ WSH, penalty), its
default stopping rule, and its options with their defaults and checks. The driver reads these
fields and never asks for a method by name, so adding a method is one record here plus its
functions in ``textbook`` (and, optionally, ``_kernels``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import _kernels, textbook
from ._sparse import SparseData
from .objectives import OBJECTIVES, penalty_weights, smoothing_matrix

__all__ = ["Method", "Option", "METHODS", "SPARSE_METHODS", "get_method"]

LEE_SMALLEST = 1e-3  # lee's fits on the lecture's data degrade once its largest entry is below ~1e-4


@dataclass(frozen=True)
class Option:
    """An option of a method: its default (a value, or a function of X when it depends on the data),
    a test of a value, and the rule said to the user when the test fails."""

    name: str
    default: object
    valid: Callable[[object], bool]
    rule: str


@dataclass(frozen=True)
class Method:
    """One NMF method: what it minimises, how it updates, when it stops, what options it takes."""

    name: str
    about: str  # one line: what the method is
    textbook: Callable  # (X, W, H, **options) -> (W, H): the formula, one run
    kernel: Callable | None  # (X, W, H, work, **options), in place on batches; None: textbook
    loss: str  # "kl" or "frobenius"
    default_stop: str
    options: tuple[Option, ...] = ()
    middle: Callable | None = None  # (K, options) -> S of the model X ≈ WSH; None: X ≈ WH
    penalty: Callable | None = None  # (shape, options) -> f(W, H) added to the loss, or None
    penalty_name: str = "penalties"
    masked: bool = False  # fits only the entries of options["mask"]
    floor_every: int = 0  # raise entries below machine eps to it every this many updates
    prepare: Callable | None = None  # (W, H) -> the start as the method wants it
    restart: Callable | None = None  # (W, H, rng) -> a fresh start if the run is stuck, else None
    gradient: Callable | None = None  # (X, W, H, options) -> (∇W, ∇H), for the "kkt" stop rule
    finish: Callable | None = None  # (options, given) -> options, for rules that tie options together
    check_data: Callable | None = None  # (X, options): raises or warns when the method suits X badly
    sparse_kernel: Callable | None = None  # like kernel, for sparse X (SparseData); None: X is made dense

    def __reduce__(self):
        """Sent to a worker process by name: the record holds functions pickle cannot copy."""
        return get_method, (self.name,)

    def fitted(self, W, H, options):
        """The model's reconstruction: WH, or WSH for a smoothed model."""
        return W @ H if self.middle is None else W @ self.middle(W.shape[-1], options) @ H

    def objective(self, X, options):
        """f(W, H) for one run: the loss of X against the model (on observed entries for masked
        methods) plus the penalty, the quantity the updates decrease."""
        loss = OBJECTIVES[self.loss]
        observed = options["mask"].astype(bool) if self.masked else None
        penalty = self.penalty(X.shape, options) if self.penalty else None
        if isinstance(X, SparseData):  # the loss from X's stored entries (see _sparse; SPARSE_METHODS are WH)
            sparse_loss = X.kl if self.loss == "kl" else X.frobenius

            def sparse_value(W, H):
                fit = sparse_loss(W, H)
                return fit if penalty is None else fit + penalty(W, H)

            return sparse_value

        if self.loss == "kl" and observed is None and np.mean(X == 0) > 0.5:  # mostly zeros: logs where X > 0
            positive = np.flatnonzero(X)
            x, total = X.ravel()[positive], float(X.sum())

            def loss(X, WH):  # D(X ‖ WH) = Σ_{X > 0} x log(x / WH) − Σ X + Σ WH, as kl_from_product
                at = WH.ravel()[positive]
                if (at <= 0).any():
                    return np.inf
                return float(x @ np.log(x / at)) - total + float(WH.sum())

        def value(W, H):
            WH = self.fitted(W, H, options)
            fit = loss(X, WH) if observed is None else loss(X[observed], WH[observed])
            return fit if penalty is None else fit + penalty(W, H)

        return value

    def objective_name(self, options) -> str:
        """The objective in words, e.g. "½‖X − WH‖² + penalties"."""
        model = "WH" if self.middle is None else "WSH"
        name = f"KL divergence D(X ‖ {model})" if self.loss == "kl" else f"½‖X − {model}‖²"
        if self.masked:
            name += " on the observed entries"
        if self.penalty and self.penalty((1, 1), options) is not None:
            name += f" + {self.penalty_name}"
        return name


# -- options ------------------------------------------------------------------------------------


def _is_real(value) -> bool:
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool)
        and bool(np.isfinite(value))
    )


def _number(name, default, low, high=np.inf, low_open=False, rule=None):
    def valid(value):
        return _is_real(value) and (low < value if low_open else low <= value) and value <= high

    return Option(name, default, valid, rule or f"a number from {low} to {high}")


PENALTY_OPTIONS = (
    _number("alpha_W", 0.0, 0, rule="a penalty strength: a number >= 0 (0: no penalty)"),
    _number("alpha_H", 0.0, 0, rule="a penalty strength: a number >= 0 (0: no penalty)"),
    _number("l1_ratio", 0.0, 0, 1, rule="a number from 0 (pure L2 penalty) to 1 (pure L1, sparsity)"),
)
RESCALE = Option(
    "rescale",
    True,
    lambda v: v is True or v is False or v == "both",
    "True (R NMF: W's columns sum to 1), False, or 'both' (H compensated, WH unchanged)",
)
MASK = Option("mask", None, lambda v: True, "a 0/1 matrix of X's shape (1: fit this entry)")
SNMF_OPTIONS = (
    Option(
        "eta",
        lambda X: float(X.max()),
        lambda v: _is_real(v) and v >= 0,
        "a number >= 0 (R NMF's default, used when eta is not given: the largest entry of X)",
    ),
    _number("beta", 0.01, 0, low_open=True, rule="a number > 0 (larger: sparser)"),
)


def _alpha_penalty(shape, options):
    """The L1/L2 penalty of ``penalty_weights``, or None when every alpha is 0."""
    weights = penalty_weights(shape, *(options.get(o.name, o.default) for o in PENALTY_OPTIONS))
    return weights.value if any(weights) else None


def _lee_scale(X, options):
    """R's eps = 1e-9 floors lee's updates; against data far below 1 it distorts them."""
    if X.max() < LEE_SMALLEST:
        warnings.warn(
            f"lee's guard eps = 1e-9 (R NMF's) is not small against these data (largest entry {X.max():.2g}): "
            f"below about {LEE_SMALLEST:g} it distorts the updates and the fit. Multiply X by a constant first "
            f"(NMF is scale-equivariant: W scales with X, H does not change), or use 'hals' or 'anls'.",
            UserWarning,
            stacklevel=4,
        )


def _lee_finish(options, given):
    """R NMF's rescaling of W would undo a penalty on W: with a penalty, lee does not rescale."""
    if _alpha_penalty((1, 1), options) is not None:
        if given.get("rescale", False):
            raise ValueError(
                "rescale (W's columns to sum 1) would undo the penalty on W; with alpha_W or "
                "alpha_H, leave rescale out (nmf() then uses rescale=False)."
            )
        options["rescale"] = False
    return options


# -- snmf/r and snmf/l: start, restart, penalty and gradient -------------------------------------


def _unit_columns(A):
    return A / np.sqrt((A * A).sum(axis=0))


def _snmf_r_penalty(shape, options):
    eta, beta = options["eta"], options["beta"]
    return lambda W, H: 0.5 * eta**2 * float(np.vdot(W, W)) + 0.5 * beta * float(np.sum(H.sum(axis=0) ** 2))


def _snmf_l_penalty(shape, options):
    eta, beta = options["eta"], options["beta"]
    return lambda W, H: 0.5 * eta**2 * float(np.vdot(H, H)) + 0.5 * beta * float(np.sum(W.sum(axis=1) ** 2))


def _snmf_r_gradient(X, W, H, options):
    eta2, beta = options["eta"] ** 2, options["beta"]
    grad_H = W.T @ W @ H - W.T @ X + beta * H.sum(axis=0)
    grad_W = W @ (H @ H.T) - X @ H.T + eta2 * W
    return grad_W, grad_H


def _snmf_l_gradient(X, W, H, options):
    eta2, beta = options["eta"] ** 2, options["beta"]
    grad_W = W @ (H @ H.T) - X @ H.T + beta * W.sum(axis=1, keepdims=True)
    grad_H = W.T @ W @ H - W.T @ X + eta2 * H
    return grad_W, grad_H


def _snmf_r_restart(W, H, rng):
    """R: a metagene that no sample uses (a zero row of H) restarts the run from a random W."""
    if (H.sum(axis=1) > 0).all():
        return None
    return _unit_columns(rng.uniform(size=W.shape)), H


def _snmf_l_restart(W, H, rng):
    if (W.sum(axis=0) > 0).all():
        return None
    return W, _unit_columns(rng.uniform(size=H.shape).T).T


# -- the registry -------------------------------------------------------------------------------

# One record per method. (A table: kept as written, not re-wrapped by the formatter.)
# fmt: off
METHODS = {m.name: m for m in [
    Method("brunet", "KL multiplicative updates, exactly as R NMF 0.25",
           textbook.brunet, _kernels.brunet, loss="kl", default_stop="connectivity", floor_every=10,
           sparse_kernel=_kernels.brunet_sparse),
    Method("lee", "Frobenius multiplicative updates, exactly as R NMF 0.25 (eps = 1e-9, W's columns rescaled)",
           textbook.lee, _kernels.lee, loss="frobenius", default_stop="connectivity",
           options=(RESCALE, *PENALTY_OPTIONS), penalty=_alpha_penalty, finish=_lee_finish, check_data=_lee_scale,
           sparse_kernel=_kernels.lee),
    Method("hals", "coordinate descent, one metagene at a time",
           textbook.hals, _kernels.hals, loss="frobenius", default_stop="objective",
           options=PENALTY_OPTIONS, penalty=_alpha_penalty, sparse_kernel=_kernels.hals),
    Method("anls", "alternating exact non-negative least squares (block principal pivoting)",
           textbook.anls, None, loss="frobenius", default_stop="objective",
           options=PENALTY_OPTIONS, penalty=_alpha_penalty),
    Method("pgd", "projected gradient with step 1/L",
           textbook.pgd, _kernels.pgd, loss="frobenius", default_stop="objective",
           options=PENALTY_OPTIONS, penalty=_alpha_penalty, sparse_kernel=_kernels.pgd),
    Method("nsNMF", "nonsmooth NMF, X ≈ WSH, exactly as R NMF 0.25",
           textbook.nsnmf, _kernels.nsnmf, loss="kl", default_stop="connectivity",
           options=(_number("theta", 0.5, 0, 1, rule="a number from 0 (plain NMF) to 1"),
                    Option("rescale", True, lambda v: v is True or v is False, "True or False")),
           middle=lambda K, options: smoothing_matrix(K, options["theta"])),
    Method("masked_kl", "KL multiplicative updates on the observed entries only",
           textbook.masked_kl, _kernels.masked_kl, loss="kl", default_stop="objective",
           options=(MASK,), masked=True, floor_every=10),
    Method("masked_frobenius", "Frobenius multiplicative updates on the observed entries only",
           textbook.masked_frobenius, _kernels.masked_frobenius, loss="frobenius", default_stop="objective",
           options=(MASK,), masked=True),
    Method("snmf/r", "sparse coefficients: alternating NNLS with a squared L1 penalty on H's columns, as R NMF",
           textbook.snmf_r, None, loss="frobenius", default_stop="kkt", options=SNMF_OPTIONS,
           penalty=_snmf_r_penalty, penalty_name="½η²‖W‖² + ½βΣⱼ(Σₖ Hₖⱼ)²",
           prepare=lambda W, H: (_unit_columns(W), H), restart=_snmf_r_restart, gradient=_snmf_r_gradient),
    Method("snmf/l", "sparse metagenes: alternating NNLS with a squared L1 penalty on W's rows, as R NMF",
           textbook.snmf_l, None, loss="frobenius", default_stop="kkt", options=SNMF_OPTIONS,
           penalty=_snmf_l_penalty, penalty_name="½η²‖H‖² + ½βΣ_g(Σₖ W_gk)²",
           prepare=lambda W, H: (W, _unit_columns(H.T).T), restart=_snmf_l_restart, gradient=_snmf_l_gradient),
]}
# fmt: on


# methods whose updates work on scipy.sparse X without making it dense (their sparse kernels use X
# only through X ⊘ WH at its stored entries, or through WᵀX and XHᵀ); the others convert X to an array
SPARSE_METHODS = tuple(name for name, method in METHODS.items() if method.sparse_kernel)


def get_method(name) -> Method:
    """The record of method ``name``, or an error listing the methods."""
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; choose one of: {', '.join(map(repr, METHODS))}.")
    return METHODS[name]


def resolve_options(method: Method, options: dict, X) -> dict:
    """The method's options, checked, with defaults filled in (a new dict); X for data-dependent
    defaults. Raises with the allowed names for an unknown option, the rule for a bad value."""
    names = [o.name for o in method.options]
    unknown = sorted(set(options) - set(names))
    if unknown:
        penalties = [o.name for o in PENALTY_OPTIONS]
        takers = [m.name for m in METHODS.values() if set(penalties) <= {o.name for o in m.options}]
        if not set(unknown) & set(penalties):
            hint = " (Check the spelling of nmf()'s arguments.)"
        elif "theta" in names:
            hint = f" {method.name} makes its factors sparse through theta instead."
        else:
            instead = (
                "use method='nsNMF' (sparse factors with a KL objective)"
                if method.loss == "kl"
                else "or use 'snmf/r' / 'snmf/l' (sparse H / W)"
            )
            hint = f" Penalties (alpha_W, alpha_H, l1_ratio) are for {', '.join(map(repr, takers))}; {instead}."
        raise TypeError(
            f"method {method.name!r} has no option {', '.join(map(repr, unknown))}; its options are: "
            f"{', '.join(map(repr, names)) or 'none'}.{hint}"
        )
    resolved = {}
    for option in method.options:
        if option.name in options:
            value = options[option.name]
            if not option.valid(value):
                raise ValueError(f"{option.name} must be {option.rule}; got {value!r}.")
            resolved[option.name] = value
        elif option.default is not None:
            resolved[option.name] = option.default(X) if callable(option.default) else option.default
    return method.finish(resolved, options) if method.finish else resolved
