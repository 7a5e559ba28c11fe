"""Course 5 week 1: RNN and LSTM cells, their sequences and the character-level language model.

The forward and hand-derived backward passes of *Building a Recurrent Neural Network Step by
Step* and the training step of *Dinosaur Island*, in plain NumPy and in the course's layout: time
last, ``x (n_x, m, T_x)``, one step ``x[:, :, t]`` of shape ``(n_x, m)``; ``concat = [a_prev; x_t]``
with ``a_prev`` on top. Backward passes take the upstream gradient of the hidden states and sum
over examples and time steps (no ``1/m``). ``lstm_cell_backward`` uses the 2021+ factoring, and
``lstm_backward`` carries both ``da_prev`` and ``dc_prev`` to the earlier step (full BPTT).

>>> np.random.seed(1)
>>> xt, a_prev = np.random.randn(3, 10), np.random.randn(5, 10)
>>> p = {"Waa": np.random.randn(5, 5), "Wax": np.random.randn(5, 3), "Wya": np.random.randn(2, 5),
...      "ba": np.random.randn(5, 1), "by": np.random.randn(2, 1)}
>>> a_next, yt_pred, cache = rnn_cell_forward(xt, a_prev, p)
>>> a_next.shape, yt_pred.shape
((5, 10), (2, 10))
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

__all__ = [
    "softmax",
    "rnn_cell_forward",
    "rnn_forward",
    "rnn_cell_backward",
    "rnn_backward",
    "lstm_cell_forward",
    "lstm_forward",
    "lstm_cell_backward",
    "lstm_backward",
    "clip",
    "sample",
    "rnn_step_forward",
    "rnn_step_backward",
    "optimize",
    "initialize_parameters",
]

Params = dict[str, np.ndarray]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over axis 0 (one distribution per column), shifted by the array's global maximum.

    >>> softmax(np.array([[0.0], [0.0]]))
    array([[0.5],
           [0.5]])
    """
    e_x = np.exp(x - np.max(x))
    return e_x / e_x.sum(axis=0)


# --------------------------------------------------------------------------- basic RNN
def rnn_cell_forward(xt: np.ndarray, a_prev: np.ndarray, parameters: Params) -> tuple[np.ndarray, np.ndarray, tuple]:
    """One RNN step: ``a⟨t⟩ = tanh(Waa a⟨t−1⟩ + Wax x⟨t⟩ + ba)``, ``ŷ⟨t⟩ = softmax(Wya a⟨t⟩ + by)``.

    Returns ``(a_next, yt_pred, cache)`` with ``cache = (a_next, a_prev, xt, parameters)``.

    >>> p = {"Waa": np.zeros((1, 1)), "Wax": np.ones((1, 1)), "Wya": np.ones((2, 1)),
    ...      "ba": np.zeros((1, 1)), "by": np.zeros((2, 1))}
    >>> a, y, _ = rnn_cell_forward(np.zeros((1, 1)), np.zeros((1, 1)), p)
    >>> a, y
    (array([[0.]]), array([[0.5],
           [0.5]]))
    """
    Wax, Waa, Wya, ba, by = (parameters[k] for k in ("Wax", "Waa", "Wya", "ba", "by"))
    a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)
    yt_pred = softmax(np.dot(Wya, a_next) + by)
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)


def rnn_forward(x: np.ndarray, a0: np.ndarray, parameters: Params) -> tuple[np.ndarray, np.ndarray, tuple]:
    """The RNN over a sequence ``x (n_x, m, T_x)`` from ``a0 (n_a, m)``.

    Returns ``a (n_a, m, T_x)``, ``y_pred (n_y, m, T_x)`` and ``caches = (list of cell caches, x)``.

    >>> p = {"Waa": np.eye(2), "Wax": np.ones((2, 1)), "Wya": np.ones((1, 2)),
    ...      "ba": np.zeros((2, 1)), "by": np.zeros((1, 1))}
    >>> a, y, caches = rnn_forward(np.zeros((1, 3, 4)), np.zeros((2, 3)), p)
    >>> a.shape, y.shape, len(caches[0])
    ((2, 3, 4), (1, 3, 4), 4)
    """
    caches = []
    _n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    a_next = a0
    for t in range(T_x):
        xt = x[:, :, t]
        a_next, yt_pred, cache = rnn_cell_forward(xt, a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)
    return a, y_pred, (caches, x)


def rnn_cell_backward(da_next: np.ndarray, cache: tuple) -> dict[str, np.ndarray]:
    """One RNN step backward for the upstream ``da_next``: ``dxt, da_prev, dWax, dWaa, dba``.

    ``dtanh = (1 − a_next²) ⊙ da_next``; ``dxt = Waxᵀ dtanh``, ``dWax = dtanh xtᵀ``,
    ``da_prev = Waaᵀ dtanh``, ``dWaa = dtanh a_prevᵀ``, ``dba = Σ_columns dtanh``.

    >>> p = {"Waa": np.ones((1, 1)), "Wax": np.ones((1, 1)), "ba": np.zeros((1, 1))}
    >>> g = rnn_cell_backward(np.ones((1, 1)), (np.zeros((1, 1)), np.ones((1, 1)), np.ones((1, 1)), p))
    >>> g["dWaa"], g["dba"]
    (array([[1.]]), array([[1.]]))
    """
    (a_next, a_prev, xt, parameters) = cache
    Wax, Waa = parameters["Wax"], parameters["Waa"]
    dtanh = (1 - a_next**2) * da_next
    dxt = np.dot(Wax.T, dtanh)
    dWax = np.dot(dtanh, xt.T)
    da_prev = np.dot(Waa.T, dtanh)
    dWaa = np.dot(dtanh, a_prev.T)
    dba = np.sum(dtanh, axis=1, keepdims=True)
    return {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}


def rnn_backward(da: np.ndarray, caches: tuple) -> dict[str, np.ndarray]:
    """Backpropagation through time for the upstream gradients ``da (n_a, m, T_x)`` of every state.

    Runs ``t = T_x − 1 … 0`` with ``da[:, :, t] + da_prevt`` (the carry starts at 0), stores
    ``dx[:, :, t]`` and sums ``dWax, dWaa, dba`` over time; ``da0`` is the last ``da_prev``.

    >>> p = {"Waa": np.eye(2), "Wax": np.ones((2, 1)), "Wya": np.ones((1, 2)),
    ...      "ba": np.zeros((2, 1)), "by": np.zeros((1, 1))}
    >>> _, _, caches = rnn_forward(np.ones((1, 3, 4)), np.zeros((2, 3)), p)
    >>> g = rnn_backward(np.ones((2, 3, 4)), caches)
    >>> g["dx"].shape, g["da0"].shape, g["dWaa"].shape
    ((1, 3, 4), (2, 3), (2, 2))
    """
    (caches_list, _x) = caches
    (_a1, _a0, x1, _parameters) = caches_list[0]
    n_a, m, T_x = da.shape
    n_x, m = x1.shape
    dx = np.zeros((n_x, m, T_x))
    dWax = np.zeros((n_a, n_x))
    dWaa = np.zeros((n_a, n_a))
    dba = np.zeros((n_a, 1))
    da_prevt = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        gradients = rnn_cell_backward(da[:, :, t] + da_prevt, caches_list[t])
        dxt, da_prevt = gradients["dxt"], gradients["da_prev"]
        dx[:, :, t] = dxt
        dWax += gradients["dWax"]
        dWaa += gradients["dWaa"]
        dba += gradients["dba"]
    return {"dx": dx, "da0": da_prevt, "dWax": dWax, "dWaa": dWaa, "dba": dba}


# --------------------------------------------------------------------------- LSTM
def lstm_cell_forward(
    xt: np.ndarray, a_prev: np.ndarray, c_prev: np.ndarray, parameters: Params
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple]:
    """One LSTM step over ``concat = [a_prev; xt]``.

    ``Γf = σ(Wf concat + bf)``, ``Γi = σ(Wi concat + bi)``, ``c̃ = tanh(Wc concat + bc)``,
    ``c = Γf ⊙ c_prev + Γi ⊙ c̃``, ``Γo = σ(Wo concat + bo)``, ``a = Γo ⊙ tanh(c)``,
    ``ŷ = softmax(Wy a + by)``. Returns ``(a_next, c_next, yt_pred, cache)`` where the cache is
    ``(a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)``.

    >>> p = {k: np.zeros((1, 2)) for k in ("Wf", "Wi", "Wc", "Wo")}
    >>> p.update({k: np.zeros((1, 1)) for k in ("bf", "bi", "bc", "bo", "by")}, Wy=np.zeros((1, 1)))
    >>> a, c, y, cache = lstm_cell_forward(np.ones((1, 1)), np.zeros((1, 1)), np.ones((1, 1)), p)
    >>> c, len(cache)  # c = σ(0)·1 + σ(0)·tanh(0)
    (array([[0.5]]), 10)
    """
    Wf, bf, Wi, bi = parameters["Wf"], parameters["bf"], parameters["Wi"], parameters["bi"]
    Wc, bc, Wo, bo = parameters["Wc"], parameters["bc"], parameters["Wo"], parameters["bo"]
    Wy, by = parameters["Wy"], parameters["by"]
    n_x, m = xt.shape
    _n_y, n_a = Wy.shape
    concat = np.zeros((n_a + n_x, m))
    concat[:n_a, :] = a_prev
    concat[n_a:, :] = xt
    ft = _sigmoid(np.dot(Wf, concat) + bf)
    it = _sigmoid(np.dot(Wi, concat) + bi)
    cct = np.tanh(np.dot(Wc, concat) + bc)
    c_next = ft * c_prev + it * cct
    ot = _sigmoid(np.dot(Wo, concat) + bo)
    a_next = ot * np.tanh(c_next)
    yt_pred = softmax(np.dot(Wy, a_next) + by)
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache


def lstm_forward(x: np.ndarray, a0: np.ndarray, parameters: Params) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple]:
    """The LSTM over ``x (n_x, m, T_x)`` from ``a0`` and ``c⟨0⟩ = 0``: returns ``a, y, c, (caches, x)``.

    >>> p = {k: np.zeros((2, 3)) for k in ("Wf", "Wi", "Wc", "Wo")}
    >>> p.update({k: np.zeros((2, 1)) for k in ("bf", "bi", "bc", "bo")}, Wy=np.zeros((1, 2)), by=np.zeros((1, 1)))
    >>> a, y, c, caches = lstm_forward(np.ones((1, 4, 5)), np.zeros((2, 4)), p)
    >>> a.shape, y.shape, c.shape, len(caches[0])
    ((2, 4, 5), (1, 4, 5), (2, 4, 5), 5)
    """
    caches = []
    Wy = parameters["Wy"]
    _n_x, m, T_x = x.shape
    n_y, n_a = Wy.shape
    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    y = np.zeros((n_y, m, T_x))
    a_next = a0
    c_next = np.zeros((n_a, m))
    for t in range(T_x):
        xt = x[:, :, t]
        a_next, c_next, yt, cache = lstm_cell_forward(xt, a_next, c_next, parameters)
        a[:, :, t] = a_next
        c[:, :, t] = c_next
        y[:, :, t] = yt
        caches.append(cache)
    return a, y, c, (caches, x)


def lstm_cell_backward(da_next: np.ndarray, dc_next: np.ndarray, cache: tuple) -> dict[str, np.ndarray]:
    """One LSTM step backward, as the 2021+ notebook factors it (``T = tanh(c_next)``).

    ``dΓo = da_next ⊙ T ⊙ Γo(1 − Γo)``,
    ``dc̃ = (dc_next ⊙ Γi + Γo(1 − T²) ⊙ Γi ⊙ da_next) ⊙ (1 − c̃²)``,
    ``dΓi = (dc_next ⊙ c̃ + Γo(1 − T²) ⊙ c̃ ⊙ da_next) ⊙ Γi(1 − Γi)``,
    ``dΓf = (dc_next ⊙ c_prev + Γo(1 − T²) ⊙ c_prev ⊙ da_next) ⊙ Γf(1 − Γf)``;
    ``dW_g = dΓ_g concatᵀ``, ``db_g = Σ_columns dΓ_g``; ``da_prev`` and ``dxt`` from the top and
    bottom column blocks of the four weights; ``dc_prev = dc_next ⊙ Γf + Γo(1 − T²) ⊙ Γf ⊙ da_next``.

    >>> p = {k: np.zeros((1, 2)) for k in ("Wf", "Wi", "Wc", "Wo")}
    >>> p.update({k: np.zeros((1, 1)) for k in ("bf", "bi", "bc", "bo", "by")}, Wy=np.zeros((1, 1)))
    >>> *_, cache = lstm_cell_forward(np.ones((1, 1)), np.zeros((1, 1)), np.ones((1, 1)), p)
    >>> g = lstm_cell_backward(np.zeros((1, 1)), np.ones((1, 1)), cache)
    >>> g["dc_prev"]  # dc_next ⊙ Γf
    array([[0.5]])
    """
    (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters) = cache
    n_a = a_next.shape[0]
    T = np.tanh(c_next)
    dot = da_next * T * ot * (1 - ot)
    dcct = (dc_next * it + ot * (1 - T**2) * it * da_next) * (1 - cct**2)
    dit = (dc_next * cct + ot * (1 - T**2) * cct * da_next) * it * (1 - it)
    dft = (dc_next * c_prev + ot * (1 - T**2) * c_prev * da_next) * ft * (1 - ft)
    concat = np.concatenate((a_prev, xt), axis=0)
    dWf = np.dot(dft, concat.T)
    dWi = np.dot(dit, concat.T)
    dWc = np.dot(dcct, concat.T)
    dWo = np.dot(dot, concat.T)
    dbf = np.sum(dft, axis=1, keepdims=True)
    dbi = np.sum(dit, axis=1, keepdims=True)
    dbc = np.sum(dcct, axis=1, keepdims=True)
    dbo = np.sum(dot, axis=1, keepdims=True)
    Wf, Wi, Wc, Wo = parameters["Wf"], parameters["Wi"], parameters["Wc"], parameters["Wo"]
    da_prev = (
        np.dot(Wf[:, :n_a].T, dft)
        + np.dot(Wi[:, :n_a].T, dit)
        + np.dot(Wc[:, :n_a].T, dcct)
        + np.dot(Wo[:, :n_a].T, dot)
    )
    dc_prev = dc_next * ft + ot * (1 - T**2) * ft * da_next
    dxt = (
        np.dot(Wf[:, n_a:].T, dft)
        + np.dot(Wi[:, n_a:].T, dit)
        + np.dot(Wc[:, n_a:].T, dcct)
        + np.dot(Wo[:, n_a:].T, dot)
    )
    return {
        "dxt": dxt, "da_prev": da_prev, "dc_prev": dc_prev,
        "dWf": dWf, "dbf": dbf, "dWi": dWi, "dbi": dbi,
        "dWc": dWc, "dbc": dbc, "dWo": dWo, "dbo": dbo,
    }  # fmt: skip


def lstm_backward(da: np.ndarray, caches: tuple) -> dict[str, np.ndarray]:
    """Backpropagation through time for the LSTM, carrying ``da_prev`` and ``dc_prev`` (from 0).

    ``T`` is taken from ``da.shape`` (the course's test passes fewer steps than ``x`` has), and the
    step ``t`` gets ``da[:, :, t] + da_prevt``. Returns ``dx, da0`` and the eight weight and bias
    gradients summed over time.

    >>> p = {k: np.full((2, 3), 0.1) for k in ("Wf", "Wi", "Wc", "Wo")}
    >>> p.update({k: np.zeros((2, 1)) for k in ("bf", "bi", "bc", "bo")}, Wy=np.zeros((1, 2)), by=np.zeros((1, 1)))
    >>> *_, caches = lstm_forward(np.ones((1, 4, 5)), np.zeros((2, 4)), p)
    >>> g = lstm_backward(np.ones((2, 4, 3)), caches)
    >>> g["dx"].shape, g["da0"].shape, g["dWf"].shape
    ((1, 4, 3), (2, 4), (2, 3))
    """
    (caches_list, _x) = caches
    (_a1, _c1, _a0, _c0, _f1, _i1, _cc1, _o1, x1, _parameters) = caches_list[0]
    n_a, m, T_x = da.shape
    n_x, m = x1.shape
    dx = np.zeros((n_x, m, T_x))
    da_prevt = np.zeros((n_a, m))
    dc_prevt = np.zeros((n_a, m))
    grads = {k: np.zeros((n_a, n_a + n_x)) for k in ("dWf", "dWi", "dWc", "dWo")}
    grads.update({k: np.zeros((n_a, 1)) for k in ("dbf", "dbi", "dbc", "dbo")})
    for t in reversed(range(T_x)):
        step = lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt, caches_list[t])
        da_prevt, dc_prevt = step["da_prev"], step["dc_prev"]
        dx[:, :, t] = step["dxt"]
        for k in grads:
            grads[k] += step[k]
    return {"dx": dx, "da0": da_prevt, **grads}


# --------------------------------------------------------------------------- the language model
def initialize_parameters(n_a: int, n_x: int, n_y: int) -> Params:
    """The language model's parameters: ``np.random.seed(1)``, then ``Wax, Waa, Wya = randn · 0.01``.

    The biases ``b (n_a, 1)`` and ``by (n_y, 1)`` are zero. Reseeds NumPy's global generator.

    >>> p = initialize_parameters(50, 27, 27)
    >>> p["Wax"].shape, p["Waa"].shape, p["Wya"].shape, float(p["b"].sum())
    ((50, 27), (50, 50), (27, 50), 0.0)
    """
    np.random.seed(1)
    Wax = np.random.randn(n_a, n_x) * 0.01
    Waa = np.random.randn(n_a, n_a) * 0.01
    Wya = np.random.randn(n_y, n_a) * 0.01
    return {"Wax": Wax, "Waa": Waa, "Wya": Wya, "b": np.zeros((n_a, 1)), "by": np.zeros((n_y, 1))}


def clip(gradients: dict[str, np.ndarray], maxValue: float) -> dict[str, np.ndarray]:
    """Clip every entry of ``dWaa, dWax, dWya, db, dby`` to ``[−maxValue, maxValue]`` (elementwise).

    The caller's arrays are left unchanged (a deep copy is clipped in place), as in 2021+.

    >>> clip({"dWaa": np.array([[-9.0, 2.0]]), "dWax": np.zeros(1), "dWya": np.zeros(1),
    ...       "db": np.zeros(1), "dby": np.zeros(1)}, 5)["dWaa"]
    array([[-5.,  2.]])
    """
    gradients = copy.deepcopy(gradients)
    for gradient in (gradients[k] for k in ("dWaa", "dWax", "dWya", "db", "dby")):
        np.clip(gradient, -maxValue, maxValue, out=gradient)
    return gradients


def sample(parameters: Params, char_to_ix: dict[str, int], seed: int) -> list[int]:
    """Sample a name character by character, as the course does: ``np.random.seed(counter + seed)``.

    Character ``k`` is drawn with ``np.random.choice`` right after ``np.random.seed(seed + 2k)``;
    sampling stops at ``'\\n'`` or after 50 characters (then ``'\\n'`` is appended). Reseeds NumPy's
    global generator.

    >>> p = {"Wax": np.zeros((2, 3)), "Waa": np.zeros((2, 2)), "Wya": np.zeros((3, 2)),
    ...      "b": np.zeros((2, 1)), "by": np.array([[5.0], [0.0], [0.0]])}
    >>> sample(p, {"\\n": 0, "a": 1, "b": 2}, 0)[-1]
    0
    """
    Waa, Wax, Wya, by, b = parameters["Waa"], parameters["Wax"], parameters["Wya"], parameters["by"], parameters["b"]
    vocab_size = by.shape[0]
    n_a = Waa.shape[1]
    x = np.zeros((vocab_size, 1))
    a_prev = np.zeros((n_a, 1))
    indices: list[int] = []
    idx = -1
    counter = 0
    newline_character = char_to_ix["\n"]
    while idx != newline_character and counter != 50:
        a = np.tanh(np.dot(Wax, x) + np.dot(Waa, a_prev) + b)
        z = np.dot(Wya, a) + by
        y = softmax(z)
        np.random.seed(counter + seed)
        idx = int(np.random.choice(list(range(vocab_size)), p=y.ravel()))
        indices.append(idx)
        x = np.zeros((vocab_size, 1))
        x[idx] = 1
        a_prev = a
        seed += 1
        counter += 1
    if counter == 50:
        indices.append(char_to_ix["\n"])
    return indices


def rnn_step_forward(parameters: Params, a_prev: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One step of the language model: ``a = tanh(Wax x + Waa a_prev + b)``, ``ŷ = softmax(Wya a + by)``.

    >>> p = initialize_parameters(2, 3, 3)
    >>> a, y = rnn_step_forward(p, np.zeros((2, 1)), np.zeros((3, 1)))
    >>> y.ravel()
    array([0.33333333, 0.33333333, 0.33333333])
    """
    Waa, Wax, Wya, by, b = parameters["Waa"], parameters["Wax"], parameters["Wya"], parameters["by"], parameters["b"]
    a_next = np.tanh(np.dot(Wax, x) + np.dot(Waa, a_prev) + b)
    p_t = softmax(np.dot(Wya, a_next) + by)
    return a_next, p_t


def rnn_step_backward(
    dy: np.ndarray,
    gradients: dict[str, np.ndarray],
    parameters: Params,
    x: np.ndarray,
    a: np.ndarray,
    a_prev: np.ndarray,
) -> dict[str, np.ndarray]:
    """One step backward of the language model, accumulating into ``gradients`` (in place).

    ``dWya += dy aᵀ``, ``dby += dy``, ``da = Wyaᵀ dy + da_next``, ``draw = (1 − a²) ⊙ da``,
    ``db += draw``, ``dWax += draw xᵀ``, ``dWaa += draw a_prevᵀ``, ``da_next = Waaᵀ draw``.

    >>> p = initialize_parameters(2, 3, 3)
    >>> g = {k: np.zeros_like(p[k[1:]]) for k in ("dWax", "dWaa", "dWya", "db", "dby")} | {"da_next": np.zeros((2, 1))}
    >>> g = rnn_step_backward(np.ones((3, 1)), g, p, np.zeros((3, 1)), np.zeros((2, 1)), np.zeros((2, 1)))
    >>> g["dby"].ravel()
    array([1., 1., 1.])
    """
    gradients["dWya"] += np.dot(dy, a.T)
    gradients["dby"] += dy
    da = np.dot(parameters["Wya"].T, dy) + gradients["da_next"]
    daraw = (1 - a * a) * da
    gradients["db"] += daraw
    gradients["dWax"] += np.dot(daraw, x.T)
    gradients["dWaa"] += np.dot(daraw, a_prev.T)
    gradients["da_next"] = np.dot(parameters["Waa"].T, daraw)
    return gradients


def _rnn_forward_lm(X: list[Any], Y: list[int], a0: np.ndarray, parameters: Params, vocab_size: int = 27) -> tuple:
    x, a, y_hat = {}, {}, {}
    a[-1] = np.copy(a0)
    loss = 0.0
    for t in range(len(X)):
        x[t] = np.zeros((vocab_size, 1))
        if X[t] is not None:
            x[t][X[t]] = 1
        a[t], y_hat[t] = rnn_step_forward(parameters, a[t - 1], x[t])
        loss -= np.log(y_hat[t][Y[t], 0])
    return loss, (y_hat, a, x)


def _rnn_backward_lm(
    X: list[Any], Y: list[int], parameters: Params, cache: tuple
) -> tuple[dict[str, np.ndarray], dict]:
    (y_hat, a, x) = cache
    gradients = {
        "dWax": np.zeros_like(parameters["Wax"]), "dWaa": np.zeros_like(parameters["Waa"]),
        "dWya": np.zeros_like(parameters["Wya"]), "db": np.zeros_like(parameters["b"]),
        "dby": np.zeros_like(parameters["by"]), "da_next": np.zeros_like(a[0]),
    }  # fmt: skip
    for t in reversed(range(len(X))):
        dy = np.copy(y_hat[t])
        dy[Y[t]] -= 1
        gradients = rnn_step_backward(dy, gradients, parameters, x[t], a[t], a[t - 1])
    return gradients, a


def optimize(
    X: list[Any], Y: list[int], a_prev: np.ndarray, parameters: Params, learning_rate: float = 0.01
) -> tuple[float, dict[str, np.ndarray], np.ndarray]:
    """One training step of the language model on one name: forward, backward, clip at 5, update.

    ``X`` holds character indices (``None`` is the zero vector), ``Y`` the targets; the loss is the
    sum over time steps of ``−log ŷ⟨t⟩[Y[t]]``. The parameters are updated in place,
    ``P += −lr · dP``. Returns ``(loss, clipped gradients, last hidden state)``.

    >>> p = initialize_parameters(4, 27, 27)
    >>> loss, g, a_last = optimize([None, 1, 2], [1, 2, 0], np.zeros((4, 1)), p)
    >>> round(float(loss), 2), round(3 * float(np.log(27)), 2), a_last.shape  # small weights: about 3 ln 27
    (9.89, 9.89, (4, 1))
    """
    loss, cache = _rnn_forward_lm(X, Y, a_prev, parameters)
    gradients, a = _rnn_backward_lm(X, Y, parameters, cache)
    gradients = clip(gradients, 5)
    for k in ("Wax", "Waa", "Wya", "b", "by"):
        parameters[k] += -learning_rate * gradients["d" + k]
    return float(loss), gradients, a[len(X) - 1]
