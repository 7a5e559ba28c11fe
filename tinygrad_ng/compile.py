"""Compile a loss or a whole training step: trace it once, then replay it as a flat list of NumPy calls.

:func:`compile` wraps a function ``fn(*inputs) -> loss``. The first call runs ``fn`` eagerly on
the inputs and reads the recorded graph through the public pieces of a tensor (``op``,
``parents``, ``attrs``, ``is_leaf``) and the op :data:`~tinygrad_ng.ops.REGISTRY`; it then writes
the forward pass, the backward pass (each registered VJP, in the order ``backward()`` runs them)
and, with ``optimizer=``, the update, as a list of NumPy calls that write into buffers allocated
once. Later calls run that list on the new inputs' arrays: no Tensor and no graph node is made,
and a step allocates almost nothing.

What the program leaves out or merges, each exact where it applies:

- gradients nothing needs (the input ``X``'s, the targets') and values nothing reads;
- ``mean``'s ``1/m`` and every scalar factor on the way down from the loss (``0.5 * ...``,
  ``-...``) are multiplied together and applied once, to the first array they reach;
- ``binary_cross_entropy(sigmoid(Z), Y)`` back-propagates as the course's ``dZ = A - Y`` (times
  ``1/m``) while no probability is within ``2 eps`` of 0 or 1; a step where one is (the clipped
  loss is flat there) takes the unfused calls instead, so the result stays that of ``backward()``;
- ``log_softmax`` (so ``cross_entropy``) back-propagates as ``g - softmax(x) * sum(g)``, which after
  the cross-entropy's mean is ``(softmax(Z) * sum(T) - T) / m``, ``(softmax(Z) - T) / m`` for one-hot
  targets: the operations ``backward()`` runs, in its order, without the intermediate nodes;
- reshapes, transposes and broadcasts are views made once, not calls made every step.

When the replay would not be the function any more:

- an input of another shape or dtype traces again (one program per signature);
- a value the function read with ``.item()``, ``bool()``, ``float()`` or ``int()`` (a Python
  ``if`` on a tensor) is checked every step; if it differs, the step is traced again, before
  anything is updated;
- a tensor the function reads that it was not given (a captured constant) is refused with
  :class:`~tinygrad_ng.errors.CompileError`; so is an array made during the call outside the
  recorded ops (from ``.data`` or NumPy) that does not equal one of the inputs.

Not detectable, as for ``torch.compile`` and tinygrad's JIT: Python branching on ``.data`` or
``.numpy()`` values, on globals, on the step count or on random numbers drawn in Python; the
argument checks that ran once at tracing (``binary_cross_entropy``'s [0, 1] check of its
inputs); and arrays a recorded op keeps as attributes (``getitem``'s index arrays) are constants.
Custom ops (:func:`~tinygrad_ng.custom_op`) are not in the registry and are refused.

>>> import numpy as np
>>> import tinygrad_ng as tg
>>> from tinygrad_ng import nn
>>> model = nn.MLP([2, 4, 1], hidden="tanh", init="course-small", seed=2)
>>> opt = tg.optim.SGD(model.parameters(), lr=1.2)
>>> step = tg.compile(lambda X, Y: tg.binary_cross_entropy(model(X), Y), optimizer=opt)
>>> X, Y = tg.data.load_planar()
>>> costs = [step(X, Y).item() for _ in range(3)]
>>> [round(c, 6) for c in costs]
[0.693048, 0.692981, 0.692886]
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import _xp
from ._mode import enable_grad
from ._mode import mode as _mode
from .autograd import grad
from .errors import CompileError, ShapeError
from .graph import topological_order
from .ops import REGISTRY, Op, settings
from .optim import SGD, Optimizer
from .tensor import Tensor, constant, new_tensors

__all__ = ["compile", "Compiled"]


# --------------------------------------------------------------------------- the program's values
class _Buf:
    """A value of the program: an input, a parameter, a constant, a buffer written by a call, or a view."""

    __slots__ = ("name", "shape", "dtype", "kind", "index", "value", "base", "view", "pool_key")

    def __init__(self, name: str, shape: tuple[int, ...], dtype: np.dtype, kind: str) -> None:
        self.name, self.shape, self.dtype, self.kind = name, tuple(shape), np.dtype(dtype), kind
        self.index = -1  # inputs and parameters: their position
        self.value: Any = None  # constants
        self.base: _Buf | None = None  # views: the value viewed, and how
        self.view: Callable[[np.ndarray], np.ndarray] | None = None
        self.pool_key: tuple[Any, ...] | None = None  # gradients and update scratch: one array for all signatures

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize

    def __repr__(self) -> str:
        return self.name


class _Ones:
    """A gradient that is one number everywhere (from the loss down to the first real VJP): its value, in its dtype."""

    __slots__ = ("value", "shape")

    def __init__(self, value: np.ndarray, shape: tuple[int, ...]) -> None:
        self.value, self.shape = value, tuple(shape)


class _Instr:
    """One call ``fn(*args)``; ``out`` is the buffer it writes (None for checks and updates)."""

    __slots__ = ("fn", "args", "out", "_text")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], out: _Buf | None, text: str | None) -> None:
        self.fn, self.args, self.out, self._text = fn, args, out, text

    @property
    def text(self) -> str:
        """The call as Python, with the values' current names."""
        if self._text is not None:
            return self._text
        if self.fn == np.add.reduce:
            x, axis, _, out, keepdims = self.args
            return f"np.add.reduce({x.name}, axis={axis}, keepdims={keepdims}, out={out.name})"
        args = self.args[:-1] if self.args and self.args[-1] is self.out else self.args
        shown = ", ".join(_arg_text(a) for a in args)
        return f"{_fn_name(self.fn)}({shown}" + (f", out={self.out.name})" if self.out is not None else ")")

    def reads(self) -> list[_Buf]:
        return [a for a in self.args if isinstance(a, _Buf) and a is not self.out]


class _ViewInstr(_Instr):
    """A view of a value (reshape, transpose, broadcast), made once when the program is bound."""


class _Branch(_Instr):
    """``fast`` when ``check(*arrays of reads)`` holds, else ``slow``: a guarded fusion."""

    __slots__ = ("check", "check_args", "fast", "slow", "label")

    def __init__(
        self,
        check: Callable[..., bool],
        check_args: tuple[Any, ...],
        fast: list[_Instr],
        slow: list[_Instr],
        out: _Buf | None,
        text: str,
        label: str = "fused A - Y",
    ) -> None:
        super().__init__(check, check_args, out, text)
        self.check, self.check_args, self.fast, self.slow, self.label = check, check_args, fast, slow, label

    def reads(self) -> list[_Buf]:
        out = [a for a in self.check_args if isinstance(a, _Buf)]
        for i in self.fast + self.slow:
            out += i.reads()
        return out


_CHECK_GRADIENTS_UP_TO = 1 << 16  # parameters (elements) up to which a new program's gradients are checked


class _Retrace(Exception):
    """A value the function branched on differs from the traced one."""


def _fn_name(fn: Any) -> str:
    if fn is _maximum or fn is _minimum:
        return f"np.{fn.__name__[1:]}"
    if isinstance(fn, np.ufunc):
        return f"np.{fn.__name__}"
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, np.ufunc):
        return f"np.{owner.__name__}.{fn.__name__}"
    return getattr(fn, "__name__", repr(fn))


def _arg_text(a: Any) -> str:
    if isinstance(a, _Buf):
        return a.name
    if isinstance(a, np.generic) or (isinstance(a, np.ndarray) and a.ndim == 0):
        return repr(a.item())
    if isinstance(a, Op):
        return a.name
    return repr(a)


# --------------------------------------------------------------------------- helpers the calls use
def _into(fn: Callable[..., Any], kwargs: dict[str, Any], out: np.ndarray, *arrays: Any) -> None:
    """Run an op's own forward or VJP (exactly as eager does) and copy its result into ``out``."""
    np.copyto(out, fn(*arrays, **kwargs), casting="unsafe")


def _copy(out: np.ndarray, src: np.ndarray) -> None:
    np.copyto(out, src, casting="unsafe")


def _maximum(x: Any, y: Any, out: np.ndarray) -> None:
    np.maximum(x, y, out=out)  # (maximum and minimum take their out= by keyword only)


def _minimum(x: Any, y: Any, out: np.ndarray) -> None:
    np.minimum(x, y, out=out)


def _check_value(arr: np.ndarray, expected: Any) -> None:
    value = bool(arr) if isinstance(expected, bool) else arr.item()
    if value != expected and not (value != value and expected != expected):  # NaN equals NaN here
        raise _Retrace(f"a value the function branched on changed ({expected!r} -> {value!r})")


def _not_saturated(a: np.ndarray, low: float, high: float) -> bool:
    """Whether every probability lies in [low, high] (NaN fails, as it must)."""
    return bool(np.minimum.reduce(a, None) >= low) and bool(np.maximum.reduce(a, None) <= high)


class _Guard:
    """The answer of a check made in the forward pass, for a branch of the backward pass to reuse."""

    __slots__ = ("ok",)

    def __init__(self) -> None:
        self.ok = False


def _check_into(guard: _Guard, a: np.ndarray, low: float, high: float) -> bool:
    guard.ok = _not_saturated(a, low, high)
    return guard.ok


def _checked(guard: _Guard) -> bool:
    return guard.ok


def _branch(check: Callable[..., bool], check_args: tuple[Any, ...], fast: list, slow: list) -> None:
    for fn, args in fast if check(*check_args) else slow:
        fn(*args)


# --------------------------------------------------------------------------- the builder
class _Builder:
    """Collects the program's values and calls while the traced graph is lowered."""

    def __init__(self) -> None:
        self.instrs: list[_Instr] = []
        self.count = 0
        self.guards: dict[int, _Guard] = {}  # id(node) -> its forward's check (binary_cross_entropy's)

    def buf(self, shape: tuple[int, ...], dtype: Any, prefix: str = "t") -> _Buf:
        self.count += 1
        return _Buf(f"{prefix}{self.count}", shape, dtype, "buf")

    def const(self, value: Any) -> _Buf:
        arr = np.asarray(value)
        b = _Buf(f"c{self.count + 1}", arr.shape, arr.dtype, "const")
        self.count += 1
        b.value = arr
        return b

    def emit(self, fn: Callable[..., Any], *args: Any, out: _Buf | None = None, text: str | None = None) -> _Buf | None:
        self.instrs.append(_Instr(fn, args, out, text))  # no text: written from the names when shown
        return out

    def ufunc(
        self, fn: Callable[..., Any], *args: Any, shape: tuple[int, ...], dtype: Any, out: _Buf | None = None
    ) -> _Buf:
        out = out if out is not None else self.buf(shape, dtype)
        self.emit(fn, *args, out, out=out)
        return out

    def reduce(self, x: _Buf, axis: Any, keepdims: bool, shape: tuple[int, ...]) -> _Buf:
        out = self.buf(shape, x.dtype)
        self.instrs.append(_Instr(np.add.reduce, (x, axis, None, out, keepdims), out, None))
        return out

    def view(self, base: _Buf, fn: Callable[[np.ndarray], np.ndarray], shape: tuple[int, ...], text: str) -> _Buf:
        self.count += 1
        v = _Buf(f"v{self.count}", shape, base.dtype, "view")
        v.base, v.view = base, fn
        self.instrs.append(_ViewInstr(fn, (base,), v, f"{v.name} = {text} (a view, made once)"))
        return v

    def generic(
        self, fn: Callable[..., Any], kwargs: dict[str, Any], shape: tuple[int, ...], dtype: Any, *args: Any, label: str
    ) -> _Buf:
        out = self.buf(shape, dtype)
        shown = ", ".join(_arg_text(a) for a in args)
        self.instrs.append(_Instr(_into, (fn, kwargs, out, *args), out, f"{out.name}[...] = {label}({shown})"))
        return out


def _shape_of(t: Tensor) -> tuple[int, ...]:
    return tuple(t.shape)


def _sum_to_axes(shape: tuple[int, ...], target: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
    lead = len(shape) - len(target)
    if lead < 0:
        raise ShapeError(f"compile: gradient of shape {shape} cannot be summed to shape {target}")
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(target) if n == 1 and shape[i + lead] != 1)
    return axes, lead


# --------------------------------------------------------------------------- lowering the forward pass
_UNARY = {"neg": np.negative, "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.absolute, "tanh": np.tanh}
_BINARY = {"add": np.add, "mul": np.multiply, "div": np.true_divide}


def _forward(b: _Builder, op: Op, node: Tensor, ins: list[_Buf], attrs: dict[str, Any]) -> _Buf:
    """The calls computing ``node`` from its inputs' values, exactly as ``op.forward`` does."""
    name, shape, dtype = op.name, _shape_of(node), node.dtype
    if name in _BINARY:
        return b.ufunc(_BINARY[name], *ins, shape=shape, dtype=dtype)
    if name in _UNARY:
        return b.ufunc(_UNARY[name], *ins, shape=shape, dtype=dtype)
    if name == "relu":
        return b.ufunc(_maximum, ins[0], 0, shape=shape, dtype=dtype)
    if name == "sigmoid":  # 1 / (1 + e^-z), as ops._sigmoid_np
        out = b.ufunc(np.negative, ins[0], shape=shape, dtype=dtype)
        b.ufunc(np.exp, out, shape=shape, dtype=dtype, out=out)
        b.ufunc(np.add, 1, out, shape=shape, dtype=dtype, out=out)
        return b.ufunc(np.true_divide, 1, out, shape=shape, dtype=dtype, out=out)
    if name == "matmul" and len(ins[0].shape) == 2 and len(ins[1].shape) == 2:
        return b.ufunc(np.matmul, *ins, shape=shape, dtype=dtype)
    if name in ("sum", "mean"):
        return _reduction(b, name, ins[0], attrs["axis"], attrs["keepdims"], shape, dtype)
    if name == "reshape":
        return b.view(ins[0], lambda a, s=shape: a.reshape(s), shape, f"{ins[0].name}.reshape({shape})")
    if name == "transpose":
        axes = attrs["axes"]
        return b.view(ins[0], lambda a, ax=axes: a.transpose(ax), shape, f"{ins[0].name}.transpose({axes})")
    if name == "broadcast_to":
        return b.view(
            ins[0], lambda a, s=shape: np.broadcast_to(a, s), shape, f"np.broadcast_to({ins[0].name}, {shape})"
        )
    if name == "binary_cross_entropy" and ins[0].shape == ins[1].shape:  # as functional._bce_forward, into buffers
        a, y = ins
        eps = attrs["eps"]
        reduced, shape = shape, a.shape  # the loss per element first, then its mean or sum
        log_a, out = b.buf(shape, dtype), b.buf(shape, dtype)
        # The clip to [eps, 1 - eps] changes nothing while every a lies in [2 eps, 1 - 2 eps]: the
        # check (also the fused backward's, which reuses its answer) replaces the clip's two calls.
        fast = _Builder()
        fast.count = b.count
        fast.ufunc(np.log, a, shape=shape, dtype=dtype, out=log_a)
        fast.ufunc(np.subtract, 1, a, shape=shape, dtype=dtype, out=out)
        slow = _Builder()
        slow.count = fast.count
        clipped = slow.ufunc(_maximum, a, eps, shape=shape, dtype=dtype)
        slow.ufunc(_minimum, clipped, 1 - eps, shape=shape, dtype=dtype, out=clipped)
        slow.ufunc(np.log, clipped, shape=shape, dtype=dtype, out=log_a)
        slow.ufunc(np.subtract, 1, clipped, shape=shape, dtype=dtype, out=out)
        b.count = slow.count
        guard = b.guards[id(node)] = _Guard()
        low = 2 * eps
        text = (
            f"if {low:.3g} <= {a.name} <= 1 - {low:.3g} everywhere: no clip   (the clip to [eps, 1 - eps] acts on none)"
        )
        b.instrs.append(_Branch(_check_into, (guard, a, low, 1 - low), fast.instrs, slow.instrs, None, text, "clip?"))
        b.ufunc(np.multiply, y, log_a, shape=shape, dtype=dtype, out=log_a)
        one_minus_y = b.ufunc(np.subtract, 1, y, shape=shape, dtype=dtype)
        b.ufunc(np.log, out, shape=shape, dtype=dtype, out=out)
        b.ufunc(np.multiply, one_minus_y, out, shape=shape, dtype=dtype, out=out)
        b.ufunc(np.add, log_a, out, shape=shape, dtype=dtype, out=out)
        b.ufunc(np.negative, out, shape=shape, dtype=dtype, out=out)
        reduction = attrs.get("reduction", "none")
        if reduction == "none":
            return out
        return _reduction(b, reduction, out, None, False, reduced, dtype)  # the cost's, inside the node
    return b.generic(op.forward, attrs, shape, dtype, *ins, label=f"{name}.forward")


def _reduction(
    b: _Builder, name: str, x: _Buf, axis: tuple[int, ...] | None, keepdims: bool, shape: tuple[int, ...], dtype: Any
) -> _Buf:
    """``sum`` or ``mean`` of ``x`` over ``axis`` as program calls: the reduction, then ``/ n`` for a mean."""
    out = b.reduce(x, axis, keepdims, shape)
    if name == "mean":
        n = math.prod(x.shape) if axis is None else math.prod(x.shape[a] for a in axis)
        b.ufunc(np.true_divide, out, n, shape=shape, dtype=dtype, out=out)
    return out


# --------------------------------------------------------------------------- lowering the backward pass
def _materialize(b: _Builder, g: Any) -> _Buf:
    """A gradient as a value of the program (a constant array for a one-number gradient)."""
    if isinstance(g, _Ones):
        return b.const(np.full(g.shape, g.value, dtype=g.value.dtype))
    return g


def _scalar_or_buf(b: _Builder, g: Any) -> Any:
    """For elementwise VJPs whose result has the output's shape: the one number itself, or the array."""
    return g.value if isinstance(g, _Ones) else g


def _const_scalar(t: _Buf) -> np.ndarray | None:
    """The value of a one-element constant (a Python number in the user's code), else None."""
    if t.kind == "const" and t.value.size == 1:
        return t.value
    return None


def _vjp(
    b: _Builder,
    op: Op,
    i: int,
    g: Any,
    node: Tensor,
    out: _Buf,
    ins: list[_Buf],
    attrs: dict[str, Any],
    parents: Sequence[Tensor],
) -> Any:
    """The gradient for input ``i`` of ``node`` as program calls; the eager VJP's values, in its shape."""
    name, shape, dtype = op.name, _shape_of(node), node.dtype
    x = ins[i]
    if name == "add" or name == "broadcast_to":
        return g
    if name == "neg":
        return _Ones(-g.value, g.shape) if isinstance(g, _Ones) else b.ufunc(np.negative, g, shape=shape, dtype=dtype)
    if name == "mul":
        other = ins[1 - i]
        c = _const_scalar(other)
        if isinstance(g, _Ones) and c is not None and x.shape == shape:
            return _Ones((g.value * c).reshape(()).astype(g.value.dtype), g.shape)
        if not isinstance(g, _Ones) or other.shape == shape:
            return b.ufunc(np.multiply, _scalar_or_buf(b, g), other, shape=shape, dtype=dtype)
    if name == "div" and i == 0:
        c = _const_scalar(ins[1])
        if isinstance(g, _Ones) and c is not None and x.shape == shape:
            return _Ones((g.value / c).reshape(()).astype(g.value.dtype), g.shape)
        if not isinstance(g, _Ones) or ins[1].shape == shape:
            return b.ufunc(np.true_divide, _scalar_or_buf(b, g), ins[1], shape=shape, dtype=dtype)
    if name == "exp":
        return b.ufunc(np.multiply, _scalar_or_buf(b, g), out, shape=shape, dtype=dtype)
    if name == "log":
        return b.ufunc(np.true_divide, _scalar_or_buf(b, g), x, shape=shape, dtype=dtype)
    if name == "tanh":  # g * (1 - out * out)
        t = b.ufunc(np.multiply, out, out, shape=shape, dtype=dtype)
        b.ufunc(np.subtract, 1, t, shape=shape, dtype=dtype, out=t)
        return b.ufunc(np.multiply, _scalar_or_buf(b, g), t, shape=shape, dtype=dtype, out=t)
    if name == "sigmoid":  # g * out * (1 - out)
        r = b.ufunc(np.multiply, _scalar_or_buf(b, g), out, shape=shape, dtype=dtype)
        t = b.ufunc(np.subtract, 1, out, shape=shape, dtype=dtype)
        return b.ufunc(np.multiply, r, t, shape=shape, dtype=dtype, out=r)
    if name == "relu":  # g where x > 0, else 0 (equal values for a finite g); relu(x) > 0 exactly where x > 0
        mask = b.ufunc(np.greater, out, 0, shape=shape, dtype=np.bool_)
        return b.ufunc(np.multiply, _scalar_or_buf(b, g), mask, shape=shape, dtype=dtype)
    if name == "matmul" and len(ins[0].shape) == 2 and len(ins[1].shape) == 2:
        g = _materialize(b, g)
        if i == 0:  # dX = G Yᵀ
            yT = b.view(ins[1], lambda a: a.T, ins[1].shape[::-1], f"{ins[1].name}.T")
            return b.ufunc(np.matmul, g, yT, shape=x.shape, dtype=dtype)
        xT = b.view(ins[0], lambda a: a.T, ins[0].shape[::-1], f"{ins[0].name}.T")  # dY = Xᵀ G
        return b.ufunc(np.matmul, xT, g, shape=x.shape, dtype=dtype)
    if name in ("sum", "mean"):
        axis, keepdims = attrs["axis"], attrs["keepdims"]
        n = math.prod(x.shape) if axis is None else math.prod(x.shape[a] for a in axis)
        if isinstance(g, _Ones):
            return _Ones((g.value / n).astype(g.value.dtype) if name == "mean" else g.value, x.shape)
        kshape = (1,) * len(x.shape) if axis is None else tuple(1 if k in axis else s for k, s in enumerate(x.shape))
        if not keepdims and axis is not None:
            g = b.view(g, lambda a, s=kshape: a.reshape(s), kshape, f"{g.name}.reshape({kshape})")
        if name == "mean":
            g = b.ufunc(np.true_divide, g, n, shape=g.shape, dtype=dtype)
        return b.view(g, lambda a, s=x.shape: np.broadcast_to(a, s), x.shape, f"np.broadcast_to({g.name}, {x.shape})")
    if name == "reshape" and not isinstance(g, _Ones):
        return b.view(g, lambda a, s=x.shape: a.reshape(s), x.shape, f"{g.name}.reshape({x.shape})")
    if name == "transpose" and not isinstance(g, _Ones):
        inv = tuple(int(k) for k in np.argsort(attrs["axes"]))
        return b.view(g, lambda a, ax=inv: a.transpose(ax), x.shape, f"{g.name}.transpose({inv})")
    return _generic_vjp(b, op, i, _materialize(b, g), node, out, ins, attrs, parents)


def _generic_vjp(
    b: _Builder,
    op: Op,
    i: int,
    g: _Buf,
    node: Tensor,
    out: _Buf,
    ins: list[_Buf],
    attrs: dict[str, Any],
    parents: Sequence[Tensor],
) -> Any:
    """The op's own VJP, called on arrays every step; its result's shape is found by calling it once now."""
    probe_g = np.ones(g.shape, g.dtype)
    with np.errstate(all="ignore"):
        r = op.vjp(i, probe_g, node._data, [p._data for p in parents], attrs)
    if r is None:
        return None
    r = np.asarray(r)
    vjp = (lambda gg, oo, *xs, _op=op, _i=i, **kw: _op.vjp(_i, gg, oo, xs, kw)) if op.variadic else op.vjps[i]
    return b.generic(vjp, attrs, r.shape, r.dtype, g, out, *ins, label=f"{op.name}.vjp[{i}]")


def _fit_to(b: _Builder, g: Any, p: Tensor) -> Any:
    """Sum a broadcast-shaped gradient down to ``p``'s shape and cast it to ``p``'s dtype, as the engine does."""
    target = _shape_of(p)
    if isinstance(g, _Ones):
        if g.shape == target:
            return g
        g = _materialize(b, g)
    if g.shape != target:
        axes, lead = _sum_to_axes(g.shape, target)
        if axes:
            kshape = tuple(1 if k in axes else s for k, s in enumerate(g.shape))
            g = b.reduce(g, axes, True, kshape)
        if lead:
            g = b.view(g, lambda a, s=target: a.reshape(s), target, f"{g.name}.reshape({target})")
    if g.dtype != p.dtype:
        out = b.buf(target, p.dtype)
        b.emit(_copy, out, g, out=out, text=f"{out.name}[...] = {g.name}.astype({p.dtype})")
        g = out
    return g


def _accumulate(b: _Builder, old: Any, new: Any) -> Any:
    if old is None:
        return new
    if isinstance(old, _Ones) and isinstance(new, _Ones) and old.shape == new.shape:
        return _Ones((old.value + new.value).astype(old.value.dtype), old.shape)
    old, new = _materialize(b, old), _materialize(b, new)
    return b.ufunc(np.add, old, new, shape=old.shape, dtype=old.dtype)


# --------------------------------------------------------------------------- tracing
def _order(roots: Sequence[Tensor]) -> list[Tensor]:
    """The recorded tensors below ``roots``, parents first, in the order ``backward()`` visits them reversed."""
    return topological_order([r for r in roots if not r.is_leaf], lambda t: [p for p in t.parents if not p.is_leaf])


class _Program:
    """One traced signature: the calls, the values they read and write, and where the results are."""

    def __init__(self) -> None:
        self.instrs: list[_Instr] = []
        self.inputs: list[_Buf] = []
        self.params: list[Tensor] = []
        self.param_bufs: list[_Buf] = []
        self.loss: _Buf | None = None
        self.grads: list[_Buf] = []
        self.update: list[_Instr] = []
        self.errstate = False
        self.arrays: dict[int, np.ndarray] = {}  # buffers, allocated once
        self.shared: dict[int, _Buf] = {}  # a buffer -> the earlier one whose array it reuses
        self.pool: dict[tuple[Any, ...], np.ndarray] = {}  # the arrays all programs of a Compiled share
        self.bound: list[tuple[Callable[..., Any], tuple[Any, ...]]] | None = None
        self.bound_update: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        self.grad_arrays: list[np.ndarray] = []
        self.bound_inputs: list[np.ndarray] = []
        self.bound_params: list[np.ndarray] = []
        self.values: dict[int, Any] = {}

    # ----------------------------------------------------------------- binding
    def _value(self, v: Any) -> Any:
        if not isinstance(v, _Buf):
            return v
        return self.values[id(v)]

    def bind(self, inputs: Sequence[np.ndarray]) -> None:
        values: dict[int, Any] = {}
        self.values = values
        for buf, arr in zip(self.inputs, inputs):
            values[id(buf)] = arr
        for buf, p in zip(self.param_bufs, self.params):
            if p._data.shape != buf.shape or p._data.dtype != buf.dtype:
                raise _Retrace(
                    f"parameter {buf.name} is now {p._data.shape} {p._data.dtype}, was {buf.shape} {buf.dtype}"
                )
            if not p._data.flags.writeable:  # updated in place: it needs values of its own
                p.data = p._data.copy()
            values[id(buf)] = p._data
        self.bound = self._bind_list(self.instrs)
        self.bound_update = self._bind_list(self.update)
        self.grad_arrays = [values[id(g)] for g in self.grads]
        self.bound_inputs = list(inputs)
        self.bound_params = [p._data for p in self.params]

    def _bind_list(self, instrs: list[_Instr]) -> list[tuple[Callable[..., Any], tuple[Any, ...]]]:
        values = self.values
        bound: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        for ins in instrs:
            for a in ins.args:
                if isinstance(a, _Buf) and id(a) not in values:
                    if a.kind == "const":
                        values[id(a)] = a.value
                    elif a.kind == "buf":
                        values[id(a)] = self._alloc(a)
            if isinstance(ins, _ViewInstr):
                base = values[id(ins.args[0])]
                v = ins.fn(base)
                if v.size and not np.shares_memory(v, base):  # a reshape that had to copy: redo it every step
                    arr = self._alloc(ins.out)  # type: ignore[arg-type]
                    bound.append((_view_into, (ins.fn, base, arr)))
                    v = arr
                values[id(ins.out)] = v
                continue
            if ins.out is not None and id(ins.out) not in values:
                values[id(ins.out)] = self._alloc(ins.out)
            if isinstance(ins, _Branch):
                fast, slow = self._bind_list(ins.fast), self._bind_list(ins.slow)
                bound.append((_branch, (ins.check, tuple(self._value(a) for a in ins.check_args), fast, slow)))
                continue
            bound.append((ins.fn, tuple(self._value(a) for a in ins.args)))
        return bound

    def _alloc(self, buf: _Buf) -> np.ndarray:
        buf = self.shared.get(id(buf), buf)
        arr = self.arrays.get(id(buf))
        if arr is None:
            if buf.pool_key is not None:  # shared with the other signatures' programs (one runs at a time)
                arr = self.pool.get(buf.pool_key)
                if arr is None:
                    arr = self.pool[buf.pool_key] = np.empty(buf.shape, buf.dtype)
            else:
                arr = np.empty(buf.shape, buf.dtype)
            self.arrays[id(buf)] = arr
        return arr

    # ----------------------------------------------------------------- running
    def run(self, inputs: Sequence[np.ndarray]) -> None:
        """The forward and backward calls (not the update) on these inputs' arrays."""
        if self.bound is None or any(a is not b for a, b in zip(inputs, self.bound_inputs)):
            self.bind(inputs)
        else:
            for p, a in zip(self.params, self.bound_params):
                if p._data is not a:  # a parameter was given new values (an eager step, load_state_dict)
                    self.bind(inputs)
                    break
        if self.errstate:  # the sigmoid's e^-z may overflow to inf, giving the correct limit 0
            with np.errstate(over="ignore"):
                for fn, args in self.bound:  # type: ignore[union-attr]
                    fn(*args)
        else:
            for fn, args in self.bound:  # type: ignore[union-attr]
                fn(*args)

    def result(self, buf: _Buf) -> np.ndarray:
        return self.values[id(buf)]

    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.arrays.values())


def _view_into(fn: Callable[[np.ndarray], np.ndarray], base: np.ndarray, out: np.ndarray) -> None:
    np.copyto(out, fn(base))


def _optimizer_update(opt: Optimizer, g: np.ndarray, state: dict[str, np.ndarray], W: np.ndarray) -> None:
    np.subtract(W, opt.update(g, state), W)


# --------------------------------------------------------------------------- the compiled function
class Compiled:
    """A function traced once per input signature and replayed as NumPy calls; made by :func:`compile`.

    Call it as the function itself. It returns the loss as a constant tensor, leaves each
    parameter's gradient in ``.grad`` (the same array every step, refilled) and, with an optimizer,
    updates the parameters in place. ``print(compiled)`` lists the NumPy calls of the program last
    run; :meth:`draw` (or ``tg.draw_graph(compiled)``) draws it.

    Attributes:
        traces: how many times the function was traced (one per input signature, plus retraces).
        last_reason: why the last retrace happened, or None.

    >>> import tinygrad_ng as tg
    >>> w = tg.Tensor([1.0, -2.0], requires_grad=True, name="w")
    >>> f = tg.compile(lambda x: (w * x).sum() * 0.5)
    >>> f(np.array([3.0, 4.0])).item(), w.grad
    (-2.5, array([1.5, 2. ]))
    >>> f.traces
    1
    """

    def __init__(self, fn: Callable[..., Any], optimizer: Optimizer | None = None) -> None:
        self.fn = fn
        self.optimizer = optimizer
        self.programs: dict[tuple[Any, ...], _Program] = {}
        self._pool: dict[tuple[Any, ...], np.ndarray] = {}
        self.traces = 0
        self.last_reason: str | None = None
        self._last: _Program | None = None
        try:
            self._arg_names = list(inspect.signature(fn).parameters)
        except (TypeError, ValueError):
            self._arg_names = []
        self.__doc__ = getattr(fn, "__doc__", None) or Compiled.__doc__

    # ----------------------------------------------------------------- calling
    def __call__(self, *args: Any) -> Tensor:
        arrays = [a if type(a) is np.ndarray else _input_array(a, i) for i, a in enumerate(args)]
        prog = self._last
        if (
            prog is None
            or len(arrays) != len(prog.bound_inputs)
            or any(a is not b for a, b in zip(arrays, prog.bound_inputs))
        ):
            key = tuple((a.shape, a.dtype.str) for a in arrays)
            prog = self.programs.get(key)
            if prog is None:
                self.last_reason = "first call" if not self.programs else f"new input signature {key}"
                return self._finish(self._trace(arrays, key))
        if self.optimizer is None:
            self._keep_gradients(prog)
        try:
            prog.run(arrays)
        except _Retrace as e:
            self.last_reason = str(e)
            prog = self._trace(arrays, tuple((a.shape, a.dtype.str) for a in arrays))
        return self._finish(prog)

    def _keep_gradients(self, prog: _Program) -> None:
        """A gradient handed out last call and not cleared is the caller's now: give it its own array."""
        for p, g in zip(prog.params, prog.grads):
            arr = prog.values.get(id(g))
            if arr is not None and p.grad is arr:
                p.grad = arr.copy()

    def _finish(self, prog: _Program) -> Tensor:
        loss = constant(prog.result(prog.loss).copy()) if prog.loss is not None else None  # type: ignore[arg-type]
        opt = self.optimizer
        if opt is None:
            for p, arr in zip(prog.params, prog.grad_arrays):
                p.grad = arr if p.grad is None else p.grad + arr  # accumulated, as backward() does
            return loss  # type: ignore[return-value]
        if len(opt.params) != len(prog.params):
            opt.zero_grad()  # the optimizer's parameters this loss does not use get no gradient
        for p, arr in zip(prog.params, prog.grad_arrays):
            p.grad = arr
        opt.t += 1
        for fn, args in prog.bound_update:
            fn(*args)
        for p in prog.params:
            p._version += 1  # the values changed in place: a graph that saved them must not run backward
        return loss  # type: ignore[return-value]

    # ----------------------------------------------------------------- tracing
    def _trace(self, arrays: list[np.ndarray], key: tuple[Any, ...]) -> _Program:
        self.traces += 1
        inputs = []
        for a in arrays:
            t = constant(a)
            t.requires_grad = a.dtype.kind == "f"  # so every op on the inputs is recorded
            inputs.append(t)
        reads: list[tuple[Tensor, Any]] = []
        saved = _mode.reads
        _mode.reads = reads
        try:
            with enable_grad(), new_tensors() as made:  # a leaf not made in the call existed before it
                out = self.fn(*inputs)
        finally:
            _mode.reads = saved
        if not isinstance(out, Tensor):
            raise CompileError(f"compile: the function must return a Tensor (a loss), got {type(out).__name__}")
        prog = _lower(out, inputs, made, reads, self.optimizer, self._arg_names)
        prog.pool = self._pool
        del reads
        # The eager results to check the program against (the gradients only for small models: the
        # check holds both sets at once); the inputs need no gradient for it.
        for t in inputs:
            t.requires_grad = False
        eager_loss = out._data.copy()
        small = sum(p.size for p in prog.params) <= _CHECK_GRADIENTS_UP_TO
        eager_grads = (
            [None if e is None else e._data for e in grad(out, prog.params, allow_unused=True)]
            if prog.params and small
            else []
        )
        del out, inputs  # the eager graph goes before the program's buffers come
        prog.bind(arrays)
        self._check_against_eager(prog, eager_loss, eager_grads, arrays)
        self.programs[key] = prog
        self._last = prog
        return prog

    def _check_against_eager(
        self, prog: _Program, loss: np.ndarray, grads: list[np.ndarray | None], arrays: list[np.ndarray]
    ) -> None:
        """Run the new program once and compare it with the eager pass it was traced from.

        The fusions round differently (sums that cancel show it most), so this catches a wrong
        program, not rounding: within 1e-6 (1e-3 in float32) of the largest gradient or the loss.
        """
        prog.run(arrays)
        tol = 1e-6 if loss.dtype != np.float32 else 1e-3
        if prog.loss is not None and not np.allclose(prog.result(prog.loss), loss, rtol=tol, equal_nan=True):
            raise CompileError("compile: the replayed loss differs from the eager one (please report this)")
        scale = max((float(np.max(np.abs(e))) for e in grads if e is not None and e.size), default=0.0)
        for pb, g, e in zip(prog.param_bufs, prog.grads, grads):
            if e is not None and not np.allclose(prog.result(g), e, rtol=tol, atol=tol * scale, equal_nan=True):
                raise CompileError(
                    f"compile: the replayed gradient of {pb.name} differs from eager (please report this)"
                )

    # ----------------------------------------------------------------- showing
    @property
    def program(self) -> _Program | None:
        """The program last run (None before the first call)."""
        return self._last

    def __repr__(self) -> str:
        prog = self._last
        name = getattr(self.fn, "__name__", "fn")
        if prog is None:
            return f"<compiled {name}: not traced yet (the first call traces it)>"
        calls = [i for i in prog.instrs + prog.update if not isinstance(i, _ViewInstr)]
        views = len(prog.instrs) - len([i for i in prog.instrs if not isinstance(i, _ViewInstr)])
        lines = [
            f"compiled {name}: {len(calls)} NumPy calls a step, {views} views made once, "
            f"{len(prog.arrays)} buffers ({prog.nbytes() / 1e6:.2f} MB); traced {self.traces}x"
        ]
        lines.append("  inputs: " + ", ".join(f"{b.name} {b.shape} {b.dtype}" for b in prog.inputs))
        if prog.params:
            lines.append("  parameters: " + ", ".join(f"{b.name} {b.shape}" for b in prog.param_bufs))
        for ins in prog.instrs + prog.update:
            lines.append("  " + ins.text)
            if isinstance(ins, _Branch):
                lines += ["      fast: " + i.text for i in ins.fast] + ["      else: " + i.text for i in ins.slow]
        outs = ([f"loss = {prog.loss.name}"] if prog.loss is not None else []) + [
            f"{b.name}.grad = {g.name}" for b, g in zip(prog.param_bufs, prog.grads)
        ]
        lines.append("  results: " + ", ".join(outs))
        return "\n".join(lines)

    def draw(self) -> Any:
        """Draw the program last run (as ``tg.draw_graph(compiled)``); see :meth:`draw_program`.

        >>> import tinygrad_ng as tg
        >>> w = tg.Tensor([1.0, 2.0], requires_grad=True, name="w")
        >>> f = tg.compile(lambda x: (w * x).sum())
        >>> f.draw()
        Traceback (most recent call last):
        tinygrad_ng.errors.CompileError: compile: nothing to draw before the first call (it traces the function)
        """
        return self.draw_program()

    def draw_program(self) -> Any:
        """Draw the program last run: its values (boxes) and NumPy calls (ellipses), as a GraphDrawing.

        >>> import tinygrad_ng as tg
        >>> w = tg.Tensor([[1.0, 2.0]], requires_grad=True, name="w")
        >>> f = tg.compile(lambda x: (w @ x).tanh().sum())
        >>> _ = f(np.ones((2, 3)))
        >>> f.draw_program()
        <GraphDrawing: 8 tensors, 8 ops>
        """
        from .viz import GraphDrawing

        prog = self._last
        if prog is None:
            raise CompileError("compile: nothing to draw before the first call (it traces the function)")
        lines = ["digraph program {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
        ids: dict[int, str] = {}
        n_ops = 0

        def value(b: _Buf) -> str:
            if id(b) not in ids:
                ids[id(b)] = f"b{len(ids)}"
                colour = {"input": "#d9f0d3", "param": "#fde0c5", "const": "#eeeeee"}.get(b.kind, "#ffffff")
                label = f"{b.name}\\n{b.shape} {b.dtype}"
                lines.append(f'  {ids[id(b)]} [shape=box, style=filled, fillcolor="{colour}", label="{label}"];')
            return ids[id(b)]

        for ins in prog.instrs + prog.update:
            n_ops += 1
            op_id = f"o{n_ops}"
            label = (
                _fn_name(ins.fn)
                if not isinstance(ins, (_ViewInstr, _Branch))
                else ("view" if isinstance(ins, _ViewInstr) else ins.label)  # type: ignore[union-attr]
            )
            if ins.fn is _into:
                label = ins.text.split("= ", 1)[1].split("(")[0]
            lines.append(f'  {op_id} [shape=ellipse, label="{label}"];')
            for a in ins.reads():
                lines.append(f"  {value(a)} -> {op_id};")
            if ins.out is not None:
                lines.append(f"  {op_id} -> {value(ins.out)};")
        lines.append("}")
        return GraphDrawing("\n".join(lines), len(ids), n_ops, 0)


def _numpy_only(arr: Any, what: str) -> None:
    """Compiled programs write into NumPy buffers: another library's array is a CompileError."""
    if type(arr) is not np.ndarray and not isinstance(arr, np.ndarray):
        raise CompileError(
            f"compile: {what} is a {_xp.library(arr)}; compiled programs run "
            "on NumPy arrays only (their buffers are NumPy's); call the function eagerly, or move it with .to('numpy')"
        )


def _input_array(a: Any, i: int) -> np.ndarray:
    if isinstance(a, Tensor):
        _numpy_only(a._data, f"argument {i}")
        return a._data
    if _xp.is_array(a):
        _numpy_only(a, f"argument {i}")
    if isinstance(a, np.ndarray) and a.dtype.kind in "biuf":
        return a
    arr = np.asarray(a)
    if arr.dtype.kind in "iu" and not isinstance(a, np.ndarray):
        arr = arr.astype(np.float64)
    if arr.dtype.kind not in "biuf":
        raise CompileError(f"compile: argument {i} is {type(a).__name__}; pass arrays or tensors")
    return arr if arr.dtype.kind != "f" or isinstance(a, np.ndarray) else arr.astype(np.float64)


# --------------------------------------------------------------------------- lowering a traced call
def _lower(
    loss: Tensor,
    inputs: list[Tensor],
    made: set[int],
    reads: list[tuple[Tensor, Any]],
    optimizer: Optimizer | None,
    arg_names: list[str],
) -> _Program:
    b = _Builder()
    prog = _Program()
    values: dict[int, _Buf] = {}
    for i, t in enumerate(inputs):
        name = arg_names[i] if i < len(arg_names) else f"x{i}"
        buf = _Buf(name, t.shape, t.dtype, "input")
        buf.index = i
        values[id(t)] = buf
        prog.inputs.append(buf)
    guard_roots = [t for t, _ in reads if not t.is_leaf]
    order = _order([loss, *guard_roots])
    params: list[Tensor] = []

    def leaf(t: Tensor, user: Tensor) -> _Buf:
        if id(t) in values:
            return values[id(t)]
        if id(t) not in made:  # existed before the call: a parameter, or captured
            if not t.requires_grad:
                raise CompileError(
                    f"compile: op {user.op!r} reads a tensor {t.name or ''}{t.shape} {t.dtype} that the function was "
                    "not given (captured from outside); pass it as an argument, or make it a parameter "
                    "(requires_grad=True)"
                )
            _numpy_only(t._data, f"parameter {t.name or ''}{t.shape}")
            buf = _Buf(t.name or f"p{len(params)}", t.shape, t.dtype, "param")
            buf.index = len(params)
            params.append(t)
            prog.param_bufs.append(buf)
        elif t._data.size <= 1:
            buf = b.const(t._data.copy())
        else:
            buf = _derived_input(b, t, inputs, values, user)
        values[id(t)] = buf
        return buf

    # forward
    for node in order:
        op = REGISTRY.get(node.op)  # type: ignore[arg-type]
        if op is None:
            raise CompileError(f"compile: op {node.op!r} is not in the op registry (custom ops run eagerly only)")
        attrs = settings(node.attrs)  # the program runs on other values: no facts about the traced ones
        for v in attrs.values():
            if isinstance(v, np.ndarray) and v.size > 1 and node.op == "where":
                raise CompileError(f"compile: where's condition {v.shape} is an array made outside the recorded ops")
        ins = [values[id(p)] if not p.is_leaf else leaf(p, node) for p in node.parents]
        values[id(node)] = _forward(b, op, node, ins, attrs)
        if node.op == "sigmoid":
            prog.errstate = True
    forward_end = len(b.instrs)

    # the values Python branched on: checked every step, before anything is updated
    for t, expected in reads:
        if t.is_leaf and id(t) not in values:
            if t.size <= 1 and id(t) in made:
                continue  # a constant made in the call: nothing to check
            raise CompileError(
                f"compile: the function read the value of a tensor {t.shape} that is not computed from its inputs "
                "by recorded ops (made under no_grad, or captured); compile cannot check it"
            )
        buf = values[id(t)]
        b.emit(_check_value, buf, expected, text=f"check {buf.name} == {expected!r} (else trace again)")

    # backward: the same walk as backward(), only where a parameter is below
    needs: set[int] = {id(p) for p in params}
    for node in order:
        if any(id(p) in needs for p in node.parents):
            needs.add(id(node))
    grads: dict[int, Any] = {}
    leaf_grads: dict[int, Any] = {}
    consumers: dict[int, int] = {}
    for node in order:
        for p in node.parents:
            consumers[id(p)] = consumers.get(id(p), 0) + 1
    if params and loss.size != 1:
        raise CompileError(
            f"compile: the function must return a one-element loss to differentiate, got shape {loss.shape}"
        )
    if params:
        grads[id(loss)] = _Ones(np.ones((), loss.dtype), loss.shape)
    fused: set[int] = set()
    for node in reversed(order):
        g = grads.pop(id(node), None)
        if g is None or id(node) not in needs:
            continue
        op = REGISTRY[node.op]  # type: ignore[index]
        parents = node.parents
        ins = [values[id(p)] for p in parents]
        out = values[id(node)]
        attrs = settings(node.attrs)  # the program runs on other values: no facts about the traced ones
        if id(node) in fused:
            continue
        if node.op == "binary_cross_entropy" and attrs.get("reduction", "none") != "none":
            # the cost's mean (or sum) inside the node: spread g over the elements as that
            # reduction's own VJP does, then go on as for the per-element loss
            red = REGISTRY[attrs.pop("reduction")]
            g = _vjp(b, red, 0, g, node, out, ins[:1], {"axis": None, "keepdims": False}, parents[:1])
        parts = _log_softmax_parts(node, consumers)
        if parts is not None and id(parts[0]) in needs:  # dx = g - softmax(x) sum(g), in five calls
            x, lse = parts
            fused.update((id(parents[1]), id(lse)))
            gx = _fused_log_softmax(b, g, node, values[id(x)], values[id(lse)], lse.attrs["axis"])
            _deliver(b, x, _fit_to(b, gx, x), grads, leaf_grads, params)
            continue
        pair = _bce_after_sigmoid(node, parents, consumers, needs)
        if pair is not None:  # dZ = (A - Y) g, guarded; the sigmoid's own VJP is folded in
            sig = parents[0]
            z = sig.parents[0]
            gz = _fused_bce_sigmoid(b, op, node, sig, g, ins, out, values, attrs)
            fused.add(id(sig))
            _deliver(b, z, _fit_to(b, gz, z), grads, leaf_grads, params)
            if id(parents[1]) in needs:
                gy = _vjp(b, op, 1, g, node, out, ins, attrs, parents)
                if gy is not None:
                    _deliver(b, parents[1], _fit_to(b, gy, parents[1]), grads, leaf_grads, params)
            continue
        for i, p in enumerate(parents):
            if id(p) not in needs:
                continue
            gp = _vjp(b, op, i, g, node, out, ins, attrs, parents)
            if gp is None:
                continue
            _deliver(b, p, _fit_to(b, gp, p), grads, leaf_grads, params)

    # results: the loss, and one buffer of its own per parameter gradient
    prog.loss = values[id(loss)] if loss.size >= 1 else None
    for p in params:
        g = leaf_grads.get(id(p))
        g = _materialize(b, g) if g is not None else b.const(np.zeros(p.shape, p.dtype))
        if g.kind != "buf" or any(i.out is g and isinstance(i, _ViewInstr) for i in b.instrs):
            own = b.buf(g.shape, g.dtype, prefix="d")
            b.emit(_copy, own, g, out=own, text=f"{own.name}[...] = {g.name}")
            g = own
        g.pool_key = ("grad", id(p), g.shape, g.dtype.str)
        prog.grads.append(g)
    prog.params = params
    prog.instrs = _drop_dead(b.instrs, [prog.loss, *prog.grads] if prog.loss is not None else prog.grads, forward_end)
    _name_grads(prog)
    if optimizer is not None:
        prog.update = _lower_update(b, optimizer, params, prog.param_bufs, prog.grads)
    prog.shared = _share_buffers(prog.instrs + prog.update, [prog.loss, *prog.grads] if prog.loss else prog.grads)
    return prog


def _root(buf: _Buf) -> _Buf:
    while buf.kind == "view":
        buf = buf.base  # type: ignore[assignment]
    return buf


def _share_buffers(instrs: list[_Instr], results: list[_Buf]) -> dict[int, _Buf]:
    """Give a buffer the array of one of the same shape and dtype that nothing reads any more.

    Each value lives from the call that first writes it to the last call that reads it (or a view
    of it); a value that starts after another one's last read can take its array. The results
    (loss, gradients) and the values inside a guarded fusion keep arrays of their own.
    """
    pinned = {id(_root(r)) for r in results}
    for ins in instrs:
        if isinstance(ins, _Branch):
            pinned.update(id(_root(i.out)) for i in ins.fast + ins.slow if i.out is not None)
            if ins.out is not None:
                pinned.add(id(_root(ins.out)))
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    bufs: dict[int, _Buf] = {}
    for k, ins in enumerate(instrs):
        touched = ins.reads() + ([ins.out] if ins.out is not None else [])
        for b in map(_root, touched):
            if b.kind == "buf" and id(b) not in pinned:
                first.setdefault(id(b), k)
                last[id(b)] = k
                bufs[id(b)] = b
    starts: dict[int, list[_Buf]] = {}
    ends: dict[int, list[_Buf]] = {}
    for key, b in bufs.items():
        starts.setdefault(first[key], []).append(b)
        ends.setdefault(last[key], []).append(b)
    free: dict[tuple[Any, ...], list[_Buf]] = {}
    shared: dict[int, _Buf] = {}
    for k, ins in enumerate(instrs):
        ending = ends.get(k, [])
        for b in starts.get(k, ()):
            key = (b.shape, b.dtype.str)
            # an elementwise call may write over an input it reads for the last time (z = t + b, in t)
            inplace = [a for a in ending if (a.shape, a.dtype.str) == key and a is not b] if _elementwise(ins) else []
            if inplace:
                a = inplace[0]
                ending.remove(a)
                shared[id(b)] = shared.get(id(a), a)
                continue
            pool = free.get(key)
            if pool:
                shared[id(b)] = pool.pop()
        for b in ending:
            free.setdefault((b.shape, b.dtype.str), []).append(shared.get(id(b), b))
    return shared


def _elementwise(ins: _Instr) -> bool:
    """Whether a call reads each input element only to write the same output element (a plain ufunc)."""
    fn = ins.fn
    return (isinstance(fn, np.ufunc) and fn is not np.matmul) or fn is _maximum or fn is _minimum


def _derived_input(b: _Builder, t: Tensor, inputs: list[Tensor], values: dict[int, _Buf], user: Tensor) -> _Buf:
    """A tensor made during the call outside the recorded ops: a copy or cast of an input, or log_softmax's shift."""
    arr = t._data
    shift = _softmax_shift(b, t, values, user)
    if shift is not None:
        return shift
    for inp in inputs:
        src = inp._data
        if src.shape == arr.shape and np.array_equal(src, arr, equal_nan=True):
            base = values[id(inp)]
            if arr.dtype == src.dtype and np.shares_memory(arr, src):
                return base
            out = b.buf(arr.shape, arr.dtype)
            b.emit(_copy, out, base, out=out, text=f"{out.name}[...] = {base.name}.astype({arr.dtype})")
            return out
    raise CompileError(
        f"compile: op {user.op!r} reads an array {arr.shape} {arr.dtype} made during the call outside the recorded "
        "ops (from .data, NumPy or Python): compile cannot tell whether it depends on the inputs; compute it "
        "with tensor ops or pass it as an argument"
    )


def _negated_shift(x: np.ndarray, axis: int, out: np.ndarray) -> None:
    """``-max(x)`` along ``axis`` (0 where the maximum is not finite), as functional._shifted computes it."""
    np.maximum.reduce(x, axis, None, out, True)
    np.copyto(out, 0, where=~np.isfinite(out))
    np.negative(out, out)


def _softmax_shift(b: _Builder, t: Tensor, values: dict[int, _Buf], user: Tensor) -> _Buf | None:
    """``x - max(x)``'s constant, recognised by its value, recomputed from ``x`` every step."""
    if user.op != "add" or t.dtype.kind != "f":
        return None
    others = [p for p in user.parents if p is not t]
    if len(others) != 1 or id(others[0]) not in values:
        return None
    xa, arr = others[0]._data, t._data
    for axis in range(xa.ndim):
        m = np.max(xa, axis=axis, keepdims=True)
        if m.shape == arr.shape and np.array_equal(-np.where(np.isfinite(m), m, 0).astype(xa.dtype), arr):
            x = values[id(others[0])]
            out = b.buf(arr.shape, arr.dtype)
            text = f"{out.name} = -max({x.name}, axis={axis}), 0 where not finite   (log_softmax's shift)"
            b.emit(_negated_shift, x, axis, out, out=out, text=text)
            return out
    return None


def _deliver(
    b: _Builder, p: Tensor, g: Any, grads: dict[int, Any], leaf_grads: dict[int, Any], params: list[Tensor]
) -> None:
    if p.is_leaf:
        if any(p is q for q in params):
            leaf_grads[id(p)] = _accumulate(b, leaf_grads.get(id(p)), g)
        return
    grads[id(p)] = _accumulate(b, grads.get(id(p)), g)


def _bce_after_sigmoid(
    node: Tensor, parents: Sequence[Tensor], consumers: dict[int, int], needs: set[int]
) -> Tensor | None:
    """The sigmoid feeding this binary cross-entropy, when nothing else reads it."""
    if node.op != "binary_cross_entropy" or parents[0].is_leaf or parents[0].op != "sigmoid":
        return None
    sig = parents[0]
    if consumers.get(id(sig), 0) != 1 or parents[1] is sig:
        return None
    return sig


def _log_softmax_parts(node: Tensor, consumers: dict[int, int]) -> tuple[Tensor, Tensor] | None:
    """``(x, logsumexp node)`` when ``node`` is log_softmax's ``x + -logsumexp(x, keepdims=True)``.

    Only when the logsumexp and its negation have no other consumer, so the gradient reaching
    them is the one that comes through ``node``.
    """
    if node.op != "add":
        return None
    x, neg = node.parents
    if neg.is_leaf or neg.op != "neg" or consumers.get(id(neg), 0) != 1:
        return None
    lse = neg.parents[0]
    if lse.is_leaf or lse.op != "logsumexp" or consumers.get(id(lse), 0) != 1 or lse.parents[0] is not x:
        return None
    if not lse.attrs["keepdims"] or x.shape != node.shape:
        return None
    return x, lse


def _fused_log_softmax(b: _Builder, g: Any, node: Tensor, x: _Buf, lse: _Buf, axis: tuple[int, ...] | None) -> _Buf:
    """log_softmax's gradient ``g - softmax(x) * sum(g)``; after cross-entropy ``(softmax * sum(T) - T) / m``.

    The same calls as backward's VJPs of the add, the negation and the logsumexp (``exp(x - L)``
    is the softmax), in the same order, so the same values; without the intermediate buffers and
    the generic calls.
    """
    shape, dtype = _shape_of(node), node.dtype
    g = _materialize(b, g)
    kshape = (1,) * len(shape) if axis is None else tuple(1 if k in axis else n for k, n in enumerate(shape))
    total = b.reduce(g, axis, True, kshape)
    sm = b.ufunc(np.subtract, x, lse, shape=shape, dtype=dtype)
    b.emit(
        np.exp, sm, sm, out=sm, text=f"np.exp({sm.name}, out={sm.name})   (softmax: log_softmax + cross-entropy fused)"
    )
    b.ufunc(np.multiply, sm, total, shape=shape, dtype=dtype, out=sm)
    return b.ufunc(np.subtract, g, sm, shape=shape, dtype=dtype, out=sm)


def _fused_bce_sigmoid(
    b: _Builder,
    op: Op,
    node: Tensor,
    sig: Tensor,
    g: Any,
    ins: list[_Buf],
    out: _Buf,
    values: dict[int, _Buf],
    attrs: dict[str, Any],
) -> _Buf:
    a, y = ins
    shape, dtype = a.shape, a.dtype
    eps = attrs["eps"]
    dz = b.buf(shape, dtype)
    # fast: the course's dZ = A - Y, times the upstream gradient (1/m after a mean)
    fast = _Builder()
    fast.count = b.count
    fast.ufunc(np.subtract, a, y, shape=shape, dtype=dtype, out=dz)
    gv = _scalar_or_buf(fast, g)
    if not (isinstance(g, _Ones) and float(g.value) == 1.0):
        fast.ufunc(np.multiply, dz, gv, shape=shape, dtype=dtype, out=dz)
    # slow (a probability within 2 eps of 0 or 1): the two VJPs, exactly as backward() runs them
    slow = _Builder()
    slow.count = fast.count
    gz = g if not isinstance(g, _Ones) else slow.const(np.full(g.shape, g.value, dtype=g.value.dtype))
    da = _generic_vjp(slow, op, 0, gz, node, out, ins, attrs, node.parents)
    da = _fit_to(slow, da, sig)
    r = slow.ufunc(np.multiply, da, a, shape=shape, dtype=dtype)
    t = slow.ufunc(np.subtract, 1, a, shape=shape, dtype=dtype)
    slow.ufunc(np.multiply, r, t, shape=shape, dtype=dtype, out=dz)
    low, high = 2 * eps, 1 - 2 * eps  # within these, a (1 - a) >= eps: the clip does not act
    guard = b.guards.get(id(node))
    check, args = (_checked, (guard,)) if guard is not None else (_not_saturated, (a, low, high))
    cond = "the forward's check held" if guard is not None else f"{low:.3g} <= {a.name} <= 1 - {low:.3g} everywhere"
    text = f"if {cond}: {dz.name} = ({a.name} - {y.name}) * g   (sigmoid + binary cross-entropy fused)"
    b.instrs.append(_Branch(check, args, fast.instrs, slow.instrs, dz, text))
    b.count = slow.count
    return dz


def _drop_dead(instrs: list[_Instr], results: list[_Buf], forward_end: int) -> list[_Instr]:
    """The calls the results (and the branch checks) need, in order; dead values and calls dropped."""
    live: set[int] = {id(r) for r in results}
    kept: list[_Instr] = []
    for ins in reversed(instrs):
        needed = ins.out is None or id(ins.out) in live
        if not needed:
            continue
        kept.append(ins)
        for a in ins.reads():
            live.add(id(a))
        if isinstance(ins, _ViewInstr):
            live.add(id(ins.args[0]))
    kept.reverse()
    return kept


def _name_grads(prog: _Program) -> None:
    for pbuf, g in zip(prog.param_bufs, prog.grads):
        if g.kind == "buf":
            g.name = f"d{pbuf.name}"


def _lower_update(
    b: _Builder, opt: Optimizer, params: list[Tensor], pbufs: list[_Buf], grads: list[_Buf]
) -> list[_Instr]:
    """The optimizer's step on every parameter, in place: SGD as two calls, others through their ``update``."""
    out: list[_Instr] = []
    index = {id(p): k for k, p in enumerate(opt.params)}
    plain_sgd = type(opt) is SGD and opt.momentum == 0
    scratch: dict[tuple[Any, ...], _Buf] = {}
    for p, pb, g in zip(params, pbufs, grads):
        if id(p) not in index:
            continue  # not the optimizer's: its gradient is left in .grad only
        if plain_sgd:  # the eager step's lr * dW, then W - lr * dW, into W
            key = (pb.shape, pb.dtype.str)
            tmp = scratch.get(key)
            if tmp is None:
                tmp = scratch[key] = b.buf(pb.shape, pb.dtype, prefix="step")
                tmp.pool_key = ("step", *key)
            out.append(
                _Instr(np.multiply, (opt.lr, g, tmp), None, f"np.multiply({opt.lr!r}, {g.name}, out={tmp.name})")
            )
            out.append(_Instr(np.subtract, (pb, tmp, pb), None, f"np.subtract({pb.name}, {tmp.name}, out={pb.name})"))
        else:
            state = opt.state[index[id(p)]]
            out.append(
                _Instr(
                    _optimizer_update, (opt, g, state, pb), None, f"{pb.name} -= {type(opt).__name__}.update({g.name})"
                )
            )
    return out


# --------------------------------------------------------------------------- the public function
def compile(fn: Callable[..., Any] | None = None, *, optimizer: Optimizer | None = None) -> Any:
    """Trace ``fn`` once per input signature and replay it as NumPy calls; see :mod:`tinygrad_ng.compile`.

    ``fn(*inputs)`` returns a one-element loss computed from its inputs (arrays or tensors) and
    from parameters it reads (tensors that require grad, e.g. a model's). Each call of the result
    returns the loss as a constant tensor and leaves the gradients in the parameters' ``.grad``
    (as ``loss.backward()`` would); with ``optimizer`` it is a whole training step: the gradients
    are cleared first and the optimizer's update is applied in place afterwards.

    Args:
        fn: the loss function or step; ``tg.compile(optimizer=opt)`` returns a decorator.
        optimizer: apply this optimizer's step after the backward pass (SGD is lowered to two
            NumPy calls per parameter; other optimizers call their ``update``).

    Returns:
        A :class:`Compiled` callable; ``print()`` it to see the NumPy calls of a step.

    Raises:
        CompileError: at the first call, when ``fn`` cannot be replayed faithfully (the message
            says why); run it eagerly then.

    >>> import tinygrad_ng as tg
    >>> W = tg.Tensor([[0.5, -0.5]], requires_grad=True, name="W")
    >>> @tg.compile(optimizer=tg.optim.SGD([W], lr=0.1))
    ... def step(X, Y):
    ...     return tg.binary_cross_entropy((W @ X).sigmoid(), Y)
    >>> X, Y = np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([[1.0, 0.0]])
    >>> round(step(X, Y).item(), 6), W.grad.round(4)
    (0.724077, array([[0.4337, 0.3112]]))
    """
    if fn is None:
        return lambda f: Compiled(f, optimizer)
    if not callable(fn):
        raise CompileError(f"compile: needs a function, got {type(fn).__name__}")
    return Compiled(fn, optimizer)
