"""tg.compile: the replayed program computes what the eager step computes, and says what it does."""

from __future__ import annotations

import sys
import tracemalloc

import numpy as np
import pytest
from conftest import examples
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_ng as tg
from tinygrad_ng import CompileError, nn
from tinygrad_ng.data import load_planar
from tinygrad_ng.train import fit

compile_module = sys.modules["tinygrad_ng.compile"]  # tg.compile is the function


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    scale = float(np.max(np.abs(b))) or 1.0
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) / scale


def random_data(n_x: int, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(seed)
    return rng.randn(n_x, m), (rng.rand(1, m) < 0.5).astype(np.float64)


# The models of examples/ (planar_shallow, logistic_regression, two_layer_cat, deep_cat), on data
# small enough to train quickly; the planar one on the course's own data.
EXAMPLES = {
    "planar_shallow": (dict(n_units=[2, 4, 1], hidden="tanh", init="course-small"), 1.2, None),
    "logistic_regression": (dict(n_units=[30, 1], init="zeros"), 0.005, 30),
    "two_layer_cat": (dict(n_units=[30, 7, 1], hidden="relu", init="course-small"), 0.0075, 30),
    "deep_cat": (dict(n_units=[30, 20, 7, 5, 1], hidden="relu", init="course-deep"), 0.0075, 30),
}


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_the_examples_models_train_as_eager_does(example: str) -> None:
    kwargs, lr, n_x = EXAMPLES[example]
    X, Y = load_planar() if n_x is None else random_data(n_x, 60)
    eager, compiled = nn.MLP(seed=1, **kwargs), nn.MLP(seed=1, **kwargs)
    opt_e, opt_c = tg.optim.SGD(eager.parameters(), lr=lr), tg.optim.SGD(compiled.parameters(), lr=lr)
    step = tg.compile(lambda X, Y: tg.binary_cross_entropy(compiled(X), Y), optimizer=opt_c)
    for _ in range(60):
        opt_e.zero_grad()
        cost = tg.binary_cross_entropy(eager(X), Y)
        cost.backward()
        opt_e.step()
        assert step(X, Y).item() == pytest.approx(cost.item(), rel=1e-12, abs=0)
    scale = max(float(np.max(np.abs(q.grad))) for q in eager.parameters())  # sums over m cancel: see grad_err
    for (name, p), (_, q) in zip(compiled.named_parameters(), eager.named_parameters()):
        assert float(np.max(np.abs(p.grad - q.grad))) <= 1e-12 * scale, name
        assert rel_err(p.data, q.data) <= 1e-12, name
        assert p.data.dtype == q.data.dtype
    assert step.traces == 1


def test_float32_stays_float32() -> None:
    X, Y = random_data(8, 16)
    X, Y = X.astype(np.float32), Y.astype(np.float32)
    model = nn.MLP([8, 5, 1], dtype=np.float32, seed=0)
    loss = tg.compile(lambda X, Y: tg.binary_cross_entropy(model(X), Y))
    out = loss(X, Y)
    assert out.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in model.parameters())


# ----------------------------------------------------------------------------- generated programs
UNARY = ["tanh", "sigmoid", "relu", "__neg__", "abs", "exp_tanh", "leaky", "square", "scale", "div_const", "softplus"]
SHAPES = ["transpose", "reshape", "none"]
FINAL = ["mean", "sum", "bce", "bce_logits", "mse", "max", "logsumexp", "softmax_ce"]


@st.composite
def programs(draw: st.DrawFn) -> tuple[list[str], str, str, int]:
    ops = draw(st.lists(st.sampled_from(UNARY + ["add_input", "mul_param", "matmul"]), min_size=1, max_size=6))
    return ops, draw(st.sampled_from(SHAPES)), draw(st.sampled_from(FINAL)), draw(st.integers(0, 2**16))


def run_program(
    ops: list[str], shape_op: str, final: str, W: tg.Tensor, V: tg.Tensor, M: tg.Tensor, X, Y, T
) -> tg.Tensor:
    h = W @ X  # (3, m)
    for op in ops:
        if op == "exp_tanh":
            h = h.tanh().exp()
        elif op == "leaky":
            h = h.leaky_relu(0.1)
        elif op == "square":
            h = h**2
        elif op == "scale":
            h = 0.5 * h
        elif op == "div_const":
            h = h / 3.0
        elif op == "softplus":
            h = (h.exp() + 1.0).log()
        elif op == "add_input":
            h = h + X[:3]
        elif op == "mul_param":
            h = h * V  # V (3, 1) broadcast over the columns
        elif op == "matmul":
            h = M @ h  # (3, 3) @ (3, m)
        else:
            h = getattr(h, op)()
    if shape_op == "transpose":
        h = h.T.T
    elif shape_op == "reshape":
        h = h.reshape(-1).reshape(3, -1)
    if final == "mean":
        return h.mean()
    if final == "sum":
        return h.sum(axis=1).sum() * 0.25
    if final == "bce":
        return tg.binary_cross_entropy(h[:1].sigmoid(), Y)
    if final == "bce_logits":
        return tg.binary_cross_entropy_with_logits(h[:1], Y)
    if final == "mse":
        return tg.mse_loss(h[:1], Y)
    if final == "max":
        return h.max(axis=0).mean()
    if final == "logsumexp":
        return h.logsumexp(axis=0).mean()
    return tg.cross_entropy(h, T)  # T: one-hot targets (3, m)


# Half the profile's examples: every trace is a whole tg.compile (the slow part), and each program
# chains up to six of the ops, so fifty programs still reach every op, shape change and loss many times.
@examples(0.5)
@given(programs())
def test_generated_programs_replay_as_eager(program: tuple[list[str], str, str, int]) -> None:
    ops, shape_op, final, seed = program
    rng = np.random.RandomState(seed)
    W = tg.Tensor(rng.randn(3, 4) * 0.5, requires_grad=True, name="W")
    V = tg.Tensor(rng.randn(3, 1), requires_grad=True, name="V")
    M = tg.Tensor(rng.randn(3, 3) * 0.5, requires_grad=True, name="M")
    f = tg.compile(lambda X, Y, T: run_program(ops, shape_op, final, W, V, M, X, Y, T))
    for _ in range(3):  # new input values each call, the same program
        X, Y = rng.randn(4, 5), (rng.rand(1, 5) < 0.5).astype(np.float64)
        T = np.eye(3)[rng.randint(0, 3, 5)].T
        for p in (W, V, M):
            p.grad = None
        got = f(X, Y, T).item()
        grads = {p.name: None if p.grad is None else p.grad.copy() for p in (W, V, M)}
        want = run_program(ops, shape_op, final, W, V, M, tg.Tensor(X), tg.Tensor(Y), T)
        expected = tg.grad(want, [W, V, M], allow_unused=True)
        assert got == pytest.approx(want.item(), rel=1e-12, abs=1e-300)
        # relative to the largest gradient: a fused sum over samples that cancels rounds differently
        scale = max((float(np.max(np.abs(e.data))) for e in expected if e is not None), default=1.0) or 1.0
        for p, e in zip((W, V, M), expected):
            if e is None:
                assert grads[p.name] is None
            else:
                err = float(np.max(np.abs(grads[p.name] - e.data)))
                assert err <= 1e-12 * scale, (p.name, ops, shape_op, final)
    assert f.traces == 1


# ----------------------------------------------------------------------------- what the program does
def planar_step() -> tuple[tg.Compiled, nn.MLP, np.ndarray, np.ndarray]:
    X, Y = load_planar()
    model = nn.MLP([2, 4, 1], hidden="tanh", init="course-small", seed=2)
    step = tg.compile(
        lambda X, Y: tg.binary_cross_entropy(model(X), Y), optimizer=tg.optim.SGD(model.parameters(), lr=1.2)
    )
    return step, model, X, Y


def test_the_program_fuses_and_skips_what_it_can() -> None:
    step, _, X, Y = planar_step()
    step(X, Y)
    text = str(step)
    assert text.count("np.matmul(") == 5  # 2 forward; dW2, dA1, dW1 backward: no gradient for X
    assert "sigmoid + binary cross-entropy fused" in text
    assert text.count("0.0025") == 1  # the mean's 1/m, applied once (to dZ2 = A2 - Y)
    assert "np.subtract(W1, step" in text and "X.T (a view, made once)" in text


def test_a_step_allocates_almost_nothing() -> None:
    step, model, X, Y = planar_step()
    opt = tg.optim.SGD(model.parameters(), lr=1.2)
    for _ in range(2):
        step(X, Y)

    def eager() -> None:
        opt.zero_grad()
        tg.binary_cross_entropy(model(X), Y).backward()
        opt.step()

    def traced(fn) -> tuple[int, int]:
        """Bytes still held after 10 steps, and the peak during them (tracemalloc: NumPy reports its arrays)."""
        tracemalloc.start()
        try:
            for _ in range(10):
                fn()
            return tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    (held, peak), (_, eager_peak) = traced(lambda: step(X, Y)), traced(eager)
    # No array is allocated: what remains is NumPy's iterator buffer for a broadcast add (about 14 kB,
    # freed at once) and the returned loss; eager makes every intermediate array anew.
    assert held < 1024
    assert peak < 20_000 and 4 * peak < eager_peak


def test_new_shapes_and_dtypes_trace_again() -> None:
    W = tg.Tensor(np.ones((1, 3)), requires_grad=True)
    f = tg.compile(lambda X: (W @ X).tanh().sum())
    for m in (4, 5, 4):
        X = np.arange(3.0 * m).reshape(3, m) / 10
        W.grad = None
        assert f(X).item() == pytest.approx((np.tanh(W.data @ X)).sum(), rel=1e-14)
        np.testing.assert_allclose(W.grad, ((1 - np.tanh(W.data @ X) ** 2) @ X.T), rtol=1e-14)
    assert f.traces == 2 and len(f.programs) == 2
    W.grad = None
    f(np.ones((3, 4), np.float32))  # float32 X with float64 W: a third signature
    assert f.traces == 3


def test_python_branches_on_values_are_checked_every_step() -> None:
    w = tg.Tensor([1.0], requires_grad=True)

    def loss(x):
        s = (w * x).sum()
        return s * 2 if s.item() > 0 else -s  # a Python if on a tensor's value

    f = tg.compile(loss)
    assert f(np.array([3.0])).item() == 6.0 and w.grad.tolist() == [6.0]
    w.grad = None
    assert f(np.array([-3.0])).item() == 3.0 and w.grad.tolist() == [3.0]  # the other branch
    assert f.traces == 2 and "branched on changed" in f.last_reason


def test_a_captured_tensor_is_refused() -> None:
    W = tg.Tensor(np.ones((2, 2)), requires_grad=True)
    c = tg.Tensor(np.full((2, 1), 2.0))  # a constant the function was not given
    f = tg.compile(lambda X: (W @ X * c).sum())
    with pytest.raises(CompileError, match="not given"):
        f(np.ones((2, 3)))


def test_an_array_made_from_data_is_refused() -> None:
    W = tg.Tensor(np.ones((2, 2)), requires_grad=True)
    f = tg.compile(lambda X: (W @ X * (X.data > 0)).sum())  # a mask made with NumPy from the input
    with pytest.raises(CompileError, match="outside the recorded ops"):
        f(np.array([[1.0, -1.0], [2.0, 0.5]]))


def test_gradients_accumulate_as_backward_does() -> None:
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    f = tg.compile(lambda x: (w * x).sum())
    f(np.array([1.0, 1.0]))
    assert w.grad.tolist() == [1.0, 1.0]
    f(np.array([2.0, 3.0]))  # not cleared in between: added, as backward() adds
    assert w.grad.tolist() == [3.0, 4.0]
    w.grad = None
    f(np.array([2.0, 3.0]))
    assert w.grad.tolist() == [2.0, 3.0]


def test_a_saturated_sigmoid_takes_the_unfused_path() -> None:
    W = tg.Tensor([[40.0, -40.0]], requires_grad=True)  # |z| = 40: sigmoid rounds to 0 or 1
    X, Y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0.0, 1.0]])
    f = tg.compile(lambda X, Y: tg.binary_cross_entropy((W @ X).sigmoid(), Y))
    got = f(X, Y).item()
    grad = W.grad.copy()
    want = tg.binary_cross_entropy((W @ X).sigmoid(), Y)
    (expected,) = tg.grad(want, W)
    assert got == want.item()
    np.testing.assert_array_equal(grad, expected.data)  # the clipped loss's gradient, not A - Y


def test_a_parameter_given_new_values_is_read_again() -> None:
    step, model, X, Y = planar_step()
    step(X, Y)
    model.load_state_dict({k: v * 0 for k, v in model.state_dict().items()})
    assert step(X, Y).item() == pytest.approx(np.log(2), rel=1e-12)
    assert step.traces == 1


def test_print_and_draw_show_the_program() -> None:
    step, _, X, Y = planar_step()
    assert "not traced yet" in repr(step)
    step(X, Y)
    assert str(step).startswith("compiled <lambda>: ")
    drawing = tg.draw_graph(step)
    assert drawing.source.startswith("digraph") and "matmul" in drawing.source
    assert drawing.n_ops > 20


def test_cross_entropy_recomputes_its_shift_every_step() -> None:
    # log_softmax subtracts max(x), computed with NumPy: compile recognises it and recomputes it
    W = tg.Tensor(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), requires_grad=True)
    f = tg.compile(lambda X, T: tg.cross_entropy(W @ X, T))
    T = np.eye(3)[[0, 1, 2, 0]].T
    for scale in (1.0, 50.0):
        X = scale * np.arange(8.0).reshape(2, 4)
        W.grad = None
        got = f(X, T).item()
        want = tg.cross_entropy(W @ X, T)
        (expected,) = tg.grad(want, W)
        assert got == pytest.approx(want.item(), rel=1e-12)
        assert float(np.max(np.abs(W.grad - expected.data))) <= 1e-12 * float(np.max(np.abs(expected.data)))
    assert f.traces == 1 and "log_softmax's shift" in str(f)


def test_a_custom_op_is_refused_with_the_reason() -> None:
    cube = tg.custom_op("cube_c", lambda x: x**3, [lambda g, out, x: 3 * g * x**2])
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(CompileError, match="not in the op registry"):
        tg.compile(lambda x: cube(w * x).sum())(np.ones(2))


# ----------------------------------------------------------------------------- fit
@pytest.mark.parametrize("batch_size", [None, 64])
def test_fit_compiled_equals_fit_eager(batch_size: int | None) -> None:
    X, Y = load_planar()
    histories, models = [], []
    for compile in (True, False):
        model = nn.MLP([2, 4, 1], hidden="tanh", init="course-small", seed=2)
        histories.append(
            fit(model, X, Y, lr=1.2, iterations=40, record_every=1, batch_size=batch_size, compile=compile)
        )
        models.append(model)
    assert rel_err(histories[0].costs, histories[1].costs) <= 1e-12
    for p, q in zip(models[0].parameters(), models[1].parameters()):
        assert rel_err(p.data, q.data) <= 1e-12


def test_fit_falls_back_to_eager_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    X, Y = random_data(3, 10)
    cube = tg.custom_op("cube_fit", lambda x: x**3, [lambda g, out, x: 3 * g * x**2])
    model = nn.MLP([3, 1], seed=0)
    history = fit(model, X, Y, lr=0.1, iterations=3, loss=lambda A, Y: cube(A - Y).mean(), record_every=1)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("fit: training eagerly: op 'cube_fit'")
    assert history.completed == 3


@pytest.mark.parametrize("targets", ["one-hot", "probabilities"])
def test_softmax_cross_entropy_is_fused_and_trains_as_eager_does(targets: str) -> None:
    # A softmax classifier (classes x samples, as the specialization's): the compiled step's fused
    # gradient (softmax * sum(T) - T) / m agrees with backward() through log_softmax's three VJPs.
    rng = np.random.RandomState(3)
    X = rng.randn(5, 40)
    if targets == "one-hot":
        T = np.eye(4)[rng.randint(0, 4, 40)].T.copy()
    else:
        T = rng.dirichlet(np.ones(4), 40).T.copy()
    init = np.random.RandomState(2)
    shapes = [(6, 5), (6, 1), (4, 6), (4, 1)]
    values = [init.randn(*shape) * 0.5 for shape in shapes]
    eager, compiled = ([tg.Tensor(v, requires_grad=True) for v in values] for _ in range(2))

    def classifier(params: list[tg.Tensor], X: tg.Tensor) -> tg.Tensor:
        W1, b1, W2, b2 = params
        return W2 @ (W1 @ X + b1).relu() + b2

    opt_e, opt_c = tg.optim.SGD(eager, lr=0.5), tg.optim.SGD(compiled, lr=0.5)
    step = tg.compile(lambda X, T: tg.cross_entropy(classifier(compiled, X), T), optimizer=opt_c)
    for _ in range(30):
        opt_e.zero_grad()
        cost = tg.cross_entropy(classifier(eager, tg.Tensor(X)), T)
        cost.backward()
        opt_e.step()
        assert step(X, T).item() == pytest.approx(cost.item(), rel=1e-12, abs=0)
    scale = max(float(np.max(np.abs(q.grad))) for q in eager)
    for k, (p, q) in enumerate(zip(compiled, eager)):
        assert float(np.max(np.abs(p.grad - q.grad))) <= 1e-12 * scale, k
        assert rel_err(p.data, q.data) <= 1e-12, k
    program = str(step)
    assert "softmax: log_softmax + cross-entropy fused" in program and "logsumexp.vjp" not in program
    assert step.traces == 1


def test_log_softmax_read_twice_is_not_fused() -> None:
    # the logsumexp has a second consumer: its gradient is no longer only the one through log_softmax
    W = tg.Tensor(np.random.RandomState(0).randn(3, 2), requires_grad=True)

    def loss(X: tg.Tensor) -> tg.Tensor:
        Z = W @ X
        lse = Z.logsumexp(axis=0, keepdims=True)
        return ((Z - lse) * X[:1]).sum() + lse.sum()

    f = tg.compile(loss)
    X = np.random.RandomState(1).randn(2, 5)
    f(X)
    want = loss(tg.Tensor(X))
    (expected,) = tg.grad(want, W)
    assert rel_err(W.grad, expected.data) <= 1e-12
    assert "fused" not in str(f)


def test_the_loss_skips_its_clip_only_on_steps_where_it_acts_on_nothing() -> None:
    # one program, steps alternating between probabilities far from 0 and 1 and saturated ones
    W = tg.Tensor([[0.5, -0.5]], requires_grad=True)
    X, Y = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]]), np.array([[0.0, 1.0, 1.0]])
    f = tg.compile(lambda X, Y: tg.binary_cross_entropy((W @ X).sigmoid(), Y))
    for scale in (1.0, 80.0, 1.0, 80.0):
        W.data = np.array([[0.5, -0.5]]) * scale
        W.grad = None
        got = f(X, Y).item()
        want = tg.binary_cross_entropy((W @ X).sigmoid(), Y)
        (expected,) = tg.grad(want, W)
        assert got == want.item()  # the same calls on the same values: equal, not close
        assert rel_err(W.grad, expected.data) <= 1e-12
    assert f.traces == 1 and "no clip" in str(f) and "the forward's check held" in str(f)


def test_new_tensors_reports_to_every_enclosing_block() -> None:
    # How tracing tells the tensors a call made (constants) from those it found (parameters, captures).
    from tinygrad_ng.tensor import new_tensors

    before = tg.Tensor([1.0], requires_grad=True)
    with new_tensors() as outer:
        a = tg.Tensor([2.0])
        with new_tensors() as inner:
            b = a * before  # made by an op
            c = tg.Tensor.from_numpy(np.ones(2))  # made without copying
        d = b.detach()
    after = tg.Tensor([3.0])
    assert {id(b), id(c)} <= inner and id(a) not in inner and id(d) not in inner
    assert {id(a), id(b), id(c), id(d)} <= outer
    assert id(before) not in outer and id(after) not in outer
