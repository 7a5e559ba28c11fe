"""Recurrent layers in the course's layout: RNN, LSTM and GRU cells, and the same over sequences.

A step takes ``x⟨t⟩ (n_x, m)`` (examples are columns) and the previous state ``(n_a, m)``; a
sequence is ``x (n_x, m, T_x)`` with time last, as in course 5, or ``(m, T_x, n_x)`` with
``batch_first=True``. Parameters carry the course's names (``Wax, Waa, ba`` for the RNN;
``Wf, bf, Wi, bi, Wo, bo, Wc, bc`` over ``concat = [a_prev; x⟨t⟩]`` for the LSTM), so a
learner's ``parameters`` dict maps onto them one to one. Each time step is recorded in its own
name scope (``t0``, ``t1``...), so a drawing of the unrolled graph groups the steps.

>>> import numpy as np
>>> from tinygrad_ng import nn
>>> lstm = nn.LSTM(3, 5, seed=1)
>>> a, (a_last, c_last) = lstm(np.zeros((3, 10, 7)))    # x (n_x, m, T_x)
>>> a.shape, a_last.shape, c_last.shape
((5, 10, 7), (5, 10), (5, 10))
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from ._random import Seed, generator
from .errors import ArgumentError, ShapeError
from .functional import concatenate, stack
from .module import Module, init_weight
from .tensor import ArrayLike, Tensor, constant, name_scope

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU"]

State = Tensor | tuple[Tensor, Tensor]


def _as_input(x: ArrayLike) -> Tensor:
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    return constant(arr if arr.dtype.kind == "f" else arr.astype(np.float64))


def _check_state(state: Tensor, n_a: int, m: int, what: str, name: str) -> None:
    if state.shape != (n_a, m):
        raise ShapeError(f"{name}: {what} must be (n_a, m) = ({n_a}, {m}), got shape {state.shape}")


class _Cell(Module):
    """Shared by the cells: argument checks, parameters drawn in the course's order, name scope."""

    _gates: tuple[str, ...]  # one weight (n_a, n_a + n_x) and bias (n_a, 1) per gate, in drawing order
    _name: str

    def __init__(self, n_x: int, n_a: int, *, init: str = "xavier", seed: Seed = None, dtype: Any = None) -> None:
        for value, what in ((n_x, "n_x"), (n_a, "n_a")):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ArgumentError(f"{self._name}: {what} must be an int >= 1, got {value!r}")
        self.n_x, self.n_a = int(n_x), int(n_a)
        rng, dt = generator(seed), np.dtype(dtype or np.float64)
        for g in self._gates:
            setattr(self, f"W{g}", Tensor(init_weight(n_a, n_a + n_x, init, rng, dt), requires_grad=True))
            setattr(self, f"b{g}", Tensor(np.zeros((n_a, 1), dt), requires_grad=True))

    def __call__(self, x: ArrayLike, state: Any = None) -> Any:  # type: ignore[override]
        """One step from ``x⟨t⟩ (n_x, m)`` and the previous state (zeros when None)."""
        xt = _as_input(x)
        if xt.ndim != 2 or xt.shape[0] != self.n_x:
            raise ShapeError(f"{self._name}: x⟨t⟩ must be (n_x, m) with n_x = {self.n_x}, got shape {xt.shape}")
        with name_scope(self._scope) if self._scope else contextlib.nullcontext():
            return self.step(xt, self._initial(state, xt))

    def _zeros(self, like: Tensor) -> Tensor:
        return constant(np.zeros((self.n_a, like.shape[1]), like.dtype))

    def _initial(self, state: Any, x: Tensor) -> Any:
        a = self._zeros(x) if state is None else _as_input(state)
        _check_state(a, self.n_a, x.shape[1], "the hidden state a_prev", self._name)
        return a

    def step(self, x: Tensor, state: Any) -> Any:
        """The cell's computation for one time step (call the cell instead)."""
        raise NotImplementedError

    def forward(self, x: Tensor) -> Any:
        """One step from zeros: ``cell(x)``."""
        return self(x)

    def _gate(self, g: str, concat: Tensor) -> Tensor:
        return getattr(self, f"W{g}") @ concat + getattr(self, f"b{g}")

    def extra_repr(self) -> str:
        """The arguments shown inside the repr."""
        return f"n_x={self.n_x}, n_a={self.n_a}"


class RNNCell(_Cell):
    """The course's RNN cell: ``a⟨t⟩ = tanh(Waa a⟨t−1⟩ + Wax x⟨t⟩ + ba)``.

    ``Wax (n_a, n_x)``, ``Waa (n_a, n_a)`` (drawn in that order by ``init``), ``ba (n_a, 1)`` zero.
    Returns ``a⟨t⟩ (n_a, m)``; the output layer ``ŷ = softmax(Wya a + by)`` is a separate
    :class:`tinygrad_ng.nn.Linear`.

    Args:
        n_x: the input size.
        n_a: the hidden size.
        init: the weight initialiser (see :func:`tinygrad_ng.nn.init_weight`).
        seed: None (NumPy's global generator), an int, or a generator.
        dtype: the parameters' dtype.

    >>> cell = RNNCell(3, 5, init="course-small", seed=1)
    >>> cell(np.ones((3, 10)), np.zeros((5, 10))).shape
    (5, 10)
    """

    _gates = ()
    _name = "RNNCell"

    def __init__(self, n_x: int, n_a: int, *, init: str = "xavier", seed: Seed = None, dtype: Any = None) -> None:
        super().__init__(n_x, n_a, init=init, seed=seed, dtype=dtype)
        rng, dt = generator(seed), np.dtype(dtype or np.float64)
        self.Wax = Tensor(init_weight(self.n_a, self.n_x, init, rng, dt), requires_grad=True)
        self.Waa = Tensor(init_weight(self.n_a, self.n_a, init, rng, dt), requires_grad=True)
        self.ba = Tensor(np.zeros((self.n_a, 1), dt), requires_grad=True)

    def step(self, x: Tensor, state: Tensor) -> Tensor:
        """``tanh(Waa a_prev + Wax x + ba)``."""
        return (self.Waa @ state + self.Wax @ x + self.ba).tanh()


class LSTMCell(_Cell):
    """The course's LSTM cell over ``concat = [a_prev; x⟨t⟩]`` (``a_prev`` on top).

    ``Γf = σ(Wf concat + bf)``, ``Γi = σ(Wi concat + bi)``, ``Γo = σ(Wo concat + bo)``,
    ``c̃ = tanh(Wc concat + bc)``, ``c = Γf ⊙ c_prev + Γi ⊙ c̃``, ``a = Γo ⊙ tanh(c)``. The weights
    ``(n_a, n_a + n_x)`` are drawn in the course's order ``Wf, Wi, Wo, Wc``; the biases are zero.
    The state is the pair ``(a, c)``; returns ``(a⟨t⟩, c⟨t⟩)``.

    Args:
        n_x: the input size.
        n_a: the hidden size.
        init: the weight initialiser (see :func:`tinygrad_ng.nn.init_weight`).
        seed: None (NumPy's global generator), an int, or a generator.
        dtype: the parameters' dtype.

    >>> cell = LSTMCell(3, 5, seed=1)
    >>> a, c = cell(np.ones((3, 10)))                     # state (0, 0)
    >>> a.shape, c.shape, cell.Wf.shape
    ((5, 10), (5, 10), (5, 8))
    """

    _gates = ("f", "i", "o", "c")
    _name = "LSTMCell"

    def _initial(self, state: Any, x: Tensor) -> Any:
        if state is None:
            return self._zeros(x), self._zeros(x)
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            raise ShapeError(f"{self._name}: the state must be a pair (a_prev, c_prev), got {type(state).__name__}")
        a, c = _as_input(state[0]), _as_input(state[1])
        _check_state(a, self.n_a, x.shape[1], "the hidden state a_prev", self._name)
        _check_state(c, self.n_a, x.shape[1], "the cell state c_prev", self._name)
        return a, c

    def step(self, x: Tensor, state: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
        """One LSTM step from ``(a_prev, c_prev)``."""
        a_prev, c_prev = state
        concat = concatenate([a_prev, x], axis=0)
        ft = self._gate("f", concat).sigmoid()
        it = self._gate("i", concat).sigmoid()
        cct = self._gate("c", concat).tanh()
        c_next = ft * c_prev + it * cct
        ot = self._gate("o", concat).sigmoid()
        return ot * c_next.tanh(), c_next


class GRUCell(_Cell):
    """The lecture's gated recurrent unit: ``c = Γu ⊙ c̃ + (1 − Γu) ⊙ c_prev``, ``a = c``.

    ``Γu = σ(Wu [c_prev; x] + bu)``, ``Γr = σ(Wr [c_prev; x] + br)``,
    ``c̃ = tanh(Wc [Γr ⊙ c_prev; x] + bc)``. Weights ``(n_a, n_a + n_x)`` drawn in the order
    ``Wu, Wr, Wc``; biases zero. Returns ``a⟨t⟩ (n_a, m)``.

    Args:
        n_x: the input size.
        n_a: the hidden size.
        init: the weight initialiser (see :func:`tinygrad_ng.nn.init_weight`).
        seed: None (NumPy's global generator), an int, or a generator.
        dtype: the parameters' dtype.

    >>> GRUCell(3, 4, seed=0)(np.ones((3, 2))).shape
    (4, 2)
    """

    _gates = ("u", "r", "c")
    _name = "GRUCell"

    def step(self, x: Tensor, state: Tensor) -> Tensor:
        """One GRU step from ``c_prev``."""
        concat = concatenate([state, x], axis=0)
        gu = self._gate("u", concat).sigmoid()
        gr = self._gate("r", concat).sigmoid()
        cct = self._gate("c", concatenate([gr * state, x], axis=0)).tanh()
        return gu * cct + (1 - gu) * state


class _Sequence(Module):
    """Runs a cell over every time step of a sequence."""

    _cell_type: type[_Cell]

    def __init__(
        self,
        n_x: int,
        n_a: int,
        batch_first: bool = False,
        *,
        init: str = "xavier",
        seed: Seed = None,
        dtype: Any = None,
    ) -> None:
        self.cell = self._cell_type(n_x, n_a, init=init, seed=seed, dtype=dtype)
        self.batch_first = bool(batch_first)

    def __call__(self, x: ArrayLike, state: Any = None) -> Any:  # type: ignore[override]
        """Run over ``x (n_x, m, T_x)`` (or ``(m, T_x, n_x)`` with ``batch_first``) from ``state``."""
        name = type(self).__name__
        xs = _as_input(x)
        n_x = self.cell.n_x
        layout = "(m, T_x, n_x)" if self.batch_first else "(n_x, m, T_x)"
        feat = 2 if self.batch_first else 0
        if xs.ndim != 3 or xs.shape[feat] != n_x:
            raise ShapeError(f"{name}: x must be {layout} with n_x = {n_x}, got shape {xs.shape}")
        steps = xs.shape[1] if self.batch_first else xs.shape[2]
        if steps == 0:
            raise ShapeError(f"{name}: the sequence has length 0 (x shape {xs.shape}, layout {layout})")
        with name_scope(self._scope) if self._scope else contextlib.nullcontext():
            m = xs.shape[0] if self.batch_first else xs.shape[1]
            state = self.cell._initial(state, _as_input(np.zeros((n_x, m), xs.dtype)))
            outs = []
            for t in range(steps):
                with name_scope(f"t{t}"):
                    xt = xs[:, t, :].T if self.batch_first else xs[:, :, t]
                    state = self.cell.step(xt, state)
                    outs.append(state[0] if isinstance(state, tuple) else state)
            a = stack([o.T for o in outs], axis=1) if self.batch_first else stack(outs, axis=2)
        return a, state

    def forward(self, x: Tensor) -> Any:
        """Run over ``x`` from a zero state."""
        return self(x)

    def extra_repr(self) -> str:
        """The arguments shown inside the repr."""
        return f"n_x={self.cell.n_x}, n_a={self.cell.n_a}" + (", batch_first=True" if self.batch_first else "")


class RNN(_Sequence):
    """The RNN over a sequence: returns ``(a, a_last)`` with ``a (n_a, m, T_x)`` every hidden state.

    With ``batch_first=True``, ``x`` is ``(m, T_x, n_x)`` and ``a`` is ``(m, T_x, n_a)``. The
    initial state ``a0 (n_a, m)`` defaults to zeros. The parameters are ``cell.Wax, cell.Waa,
    cell.ba``.

    Args:
        n_x: the input size.
        n_a: the hidden size.
        batch_first: the input and output layout.
        init: the weight initialiser.
        seed: None (NumPy's global generator), an int, or a generator.
        dtype: the parameters' dtype.

    >>> a, a_last = RNN(3, 5, seed=1)(np.ones((3, 10, 4)))
    >>> a.shape, a_last.shape
    ((5, 10, 4), (5, 10))
    """

    _cell_type = RNNCell


class LSTM(_Sequence):
    """The LSTM over a sequence: returns ``(a, (a_last, c_last))``; ``c⟨0⟩ = 0`` unless a state is given.

    Args:
        n_x: the input size.
        n_a: the hidden size.
        batch_first: the input and output layout.
        init: the weight initialiser.
        seed: None (NumPy's global generator), an int, or a generator.
        dtype: the parameters' dtype.

    >>> a, (a_last, c_last) = LSTM(3, 5, batch_first=True, seed=0)(np.ones((10, 7, 3)))
    >>> a.shape
    (10, 7, 5)
    """

    _cell_type = LSTMCell


class GRU(_Sequence):
    """The GRU over a sequence: returns ``(a, a_last)``.

    Args:
        n_x: the input size.
        n_a: the hidden size.
        batch_first: the input and output layout.
        init: the weight initialiser.
        seed: None (NumPy's global generator), an int, or a generator.
        dtype: the parameters' dtype.

    >>> GRU(3, 4, seed=0)(np.ones((3, 2, 5)))[0].shape
    (4, 2, 5)
    """

    _cell_type = GRUCell
