"""The course's data sets, in its layout (samples are columns), and a seeded mini-batch iterator.

>>> from tinygrad_ng.data import load_planar
>>> X, Y = load_planar()
>>> X.shape, Y.shape, int(Y.sum())
((2, 400), (1, 400), 200)
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ._random import Seed, generator
from .errors import ArgumentError, ShapeError, TinygradError

__all__ = [
    "load_planar",
    "load_catvnoncat",
    "catvnoncat_dir",
    "CatData",
    "DatasetNotFoundError",
    "minibatches",
    "course_data_dir",
    "load_regularization",
    "load_dinos",
    "make_moons",
    "make_circles",
    "DATA_ENV",
    "CATVNONCAT_ENV",
    "CATVNONCAT_SHA256",
]

CATVNONCAT_ENV = "TINYGRAD_NG_CATVNONCAT"
"""The environment variable naming the cat data's folder."""

# In a source checkout (the package next to pyproject.toml), the course's data is looked for in
# ``../shared/data/catvnoncat`` relative to the repository root.
_REPOSITORY = Path(__file__).resolve().parent.parent
_REPOSITORY_CATVNONCAT = _REPOSITORY.parent / "shared" / "data" / "catvnoncat"

DATA_ENV = "TINYGRAD_NG_DATA"
"""The environment variable naming the folder that holds the course's data sets (one sub-folder each)."""

# Known checksums of the course's files (the copies in the course's week 2 and week 4 folders are identical).
CATVNONCAT_SHA256 = {
    "train_catvnoncat.h5": "fbe56ab67c3ae28d564e3a644189117976d6b31af0a3ce9bb17dbf22908af242",
    "test_catvnoncat.h5": "6a9d39ce52fa85953c5834695b8534a30ed8cfd54971fb2f080b5a24d002b951",
}


class DatasetNotFoundError(TinygradError, FileNotFoundError):
    """A data set's files are not where they were looked for."""


def load_planar(seed: int = 1, m: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """The course's planar "flower" data set: ``X (2, m)`` float64 and ``Y (1, m)`` float64 of 0/1.

    Generated exactly as the course does, with ``RandomState(seed)`` in place of
    ``np.random.seed(seed)`` (the same numbers, without touching NumPy's global state): for class
    j in (0, 1), ``t = linspace(3.12 j, 3.12 (j + 1), N) + 0.2 randn(N)`` (theta noise first), then
    ``r = 4 sin(4 t) + 0.2 randn(N)``; each point is ``(r sin t, r cos t)``.

    >>> X, Y = load_planar()
    >>> X[:, :2].round(4)
    array([[ 1.2044,  0.1587],
           [ 3.5761, -1.4822]])
    """
    if m < 2 or m % 2:
        raise ArgumentError(f"load_planar: m must be an even number >= 2 (two equal classes), got {m}")
    rng = np.random.RandomState(seed)
    N = m // 2
    a = 4  # the maximum ray of the flower
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1))
    for j in range(2):
        ix = slice(N * j, N * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rng.randn(N) * 0.2  # theta
        r = a * np.sin(4 * t) + rng.randn(N) * 0.2  # radius
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return X.T.copy(), Y.T.copy()


class CatData(NamedTuple):
    """The cat / non-cat images: ``train_x (12288, 209)``, ``train_y (1, 209)``, ``test_x (12288, 50)``,
    ``test_y (1, 50)``, and ``classes`` (``[b'non-cat', b'cat']``).

    What :func:`load_catvnoncat` returns; a named tuple, so it also unpacks in this order:

    >>> CatData._fields
    ('train_x', 'train_y', 'test_x', 'test_y', 'classes')
    >>> data = load_catvnoncat()  # doctest: +SKIP
    >>> data.train_x.shape, data.train_y.shape, data.test_x.shape, data.test_y.shape  # doctest: +SKIP
    ((12288, 209), (1, 209), (12288, 50), (1, 50))
    >>> train_x, train_y, test_x, test_y, classes = data  # doctest: +SKIP
    >>> classes.tolist(), int(train_y.sum())  # doctest: +SKIP
    ([b'non-cat', b'cat'], 72)
    """

    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    classes: np.ndarray


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def catvnoncat_dir(path: str | os.PathLike[str] | None = None) -> Path | None:
    """The folder the cat data is read from: the first of these that applies, or None.

    1. ``path``, when given (whether or not it exists, so a wrong path is reported, not replaced);
    2. the folder named by the environment variable ``TINYGRAD_NG_CATVNONCAT``, when it is set;
    3. ``../shared/data/catvnoncat`` relative to the repository root, when tinygrad_ng runs from
       a source checkout and that folder exists.

    :func:`load_catvnoncat`, the ``tinygrad-ng`` command, the examples, the scripts and the
    benchmark all find the data through this function.

    >>> catvnoncat_dir("datasets") == Path("datasets")  # an explicit folder comes first
    True
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {CATVNONCAT_ENV: "course/datasets"}):
    ...     catvnoncat_dir() == Path("course/datasets")
    True
    """
    if path is not None:
        return Path(path)
    if os.environ.get(CATVNONCAT_ENV):
        return Path(os.environ[CATVNONCAT_ENV])
    if (_REPOSITORY / "pyproject.toml").is_file() and _REPOSITORY_CATVNONCAT.is_dir():
        return _REPOSITORY_CATVNONCAT
    return None


def _find_catvnoncat(path: str | os.PathLike[str] | None) -> Path:
    folder = catvnoncat_dir(path)
    expected = " and ".join(CATVNONCAT_SHA256)
    origin = "the files of the course's week 2 and week 4 assignments (their datasets/ folder)"
    if folder is None:
        raise DatasetNotFoundError(
            f"load_catvnoncat: no data directory given, {CATVNONCAT_ENV} is not set and there is no "
            f"../shared/data/catvnoncat next to the repository; point {CATVNONCAT_ENV} (or pass the path) at "
            f"the directory holding {expected}, {origin}"
        )
    if not folder.is_dir():
        raise DatasetNotFoundError(f"load_catvnoncat: {folder} is not a directory; expected one holding {expected}")
    missing = [name for name in CATVNONCAT_SHA256 if not (folder / name).is_file()]
    if missing:
        raise DatasetNotFoundError(
            f"load_catvnoncat: {folder} lacks {' and '.join(missing)}; expected {expected}, {origin}"
        )
    return folder


def load_catvnoncat(path: str | os.PathLike[str] | None = None, *, flatten: bool = True, check: bool = True) -> CatData:
    """Read the course's ``train_catvnoncat.h5`` and ``test_catvnoncat.h5`` from directory ``path``.

    With ``flatten=True`` (the default) the images come in the course's layout: each flattened to
    a column (reshape ``(m, -1)`` then transpose) and divided by 255, so ``train_x`` is
    ``(12288, 209)`` float64 in [0, 1]; with ``flatten=False`` they are the raw ``(m, 64, 64, 3)``
    uint8 arrays. Labels are ``(1, m)`` float64 of 0/1. ``path=None`` looks where
    :func:`catvnoncat_dir` says: ``$TINYGRAD_NG_CATVNONCAT``, then ``../shared/data/catvnoncat``
    next to a source checkout. Needs h5py (``pip install h5py``, or ``pip install -e ".[train]"`` in the checkout).

    A file whose sha256 differs from the course's published files triggers a warning (it may be a
    different version of the data), unless ``check=False``.

    Raises:
        DatasetNotFoundError: the directory or one of the two files is missing.

    >>> data = load_catvnoncat("../shared/data/catvnoncat")  # doctest: +SKIP
    >>> data.train_x.shape, data.test_y.shape  # doctest: +SKIP
    ((12288, 209), (1, 50))
    """
    folder = _find_catvnoncat(path)
    try:
        import h5py
    except ImportError:
        raise ImportError(
            "load_catvnoncat needs h5py: pip install h5py (in the tinygrad_ng checkout: pip install -e '.[train]')"
        ) from None
    if check:
        for name, digest in CATVNONCAT_SHA256.items():
            actual = _sha256(folder / name)
            if actual != digest:
                warnings.warn(
                    f"load_catvnoncat: {folder / name} has sha256 {actual}, not the course file's {digest}; "
                    "results may differ from the published ones",
                    UserWarning,
                    stacklevel=2,
                )
    arrays: dict[str, Any] = {}
    for split in ("train", "test"):
        with h5py.File(folder / f"{split}_catvnoncat.h5", "r") as f:
            arrays[f"{split}_x"] = np.array(f[f"{split}_set_x"][:])
            arrays[f"{split}_y"] = np.array(f[f"{split}_set_y"][:]).reshape(1, -1).astype(np.float64)
            if split == "train":
                arrays["classes"] = np.array(f["list_classes"][:])
    if flatten:
        for split in ("train", "test"):
            x = arrays[f"{split}_x"]
            arrays[f"{split}_x"] = x.reshape(x.shape[0], -1).T / 255.0
    return CatData(**arrays)


def minibatches(
    X: np.ndarray,
    Y: np.ndarray,
    batch_size: int = 64,
    *,
    shuffle: bool = True,
    seed: Seed = 0,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X_batch (n_x, b), Y_batch (n_y, b))`` column batches covering the m samples once.

    With ``shuffle`` the columns are permuted first, as the course's ``random_mini_batches`` does
    (``RandomState(seed).permutation(m)``, the same as ``np.random.seed(seed)``); the last batch
    holds the remaining ``m % batch_size`` columns. Use a different seed per epoch (the course
    adds 1 each epoch), or pass one ``RandomState``/``Generator`` to draw from in sequence.

    >>> X, Y = np.arange(10.0).reshape(2, 5), np.arange(5.0).reshape(1, 5)
    >>> [xb.shape for xb, yb in minibatches(X, Y, batch_size=2)]
    [(2, 2), (2, 2), (2, 1)]
    """
    X, Y = np.asarray(X), np.asarray(Y)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise ShapeError(
            f"minibatches: X {X.shape} and Y {Y.shape} must be 2-D with the same number of columns (samples)"
        )
    if batch_size < 1:
        raise ArgumentError(f"minibatches: batch_size must be >= 1, got {batch_size}")
    m = X.shape[1]
    if shuffle:
        rng = generator(seed, "minibatches")
        order = rng.permutation(m)
        X, Y = X[:, order], Y[:, order]
    for start in range(0, m, batch_size):
        yield X[:, start : start + batch_size], Y[:, start : start + batch_size]


# --------------------------------------------------------------------------- the later courses' data
def course_data_dir(name: str, path: str | os.PathLike[str] | None = None) -> Path | None:
    """The folder of the course data set ``name`` (``"dinos"``, ``"regularization"``...), or None.

    The first that applies: ``path`` when given; ``$TINYGRAD_NG_DATA/name`` when that variable is
    set; ``../shared/data/name`` beside a source checkout, when it exists. (The cat data keeps its
    own variable, see :func:`catvnoncat_dir`.)

    >>> course_data_dir("dinos", "my/dinos") == Path("my/dinos")
    True
    """
    if path is not None:
        return Path(path)
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]) / name
    folder = _REPOSITORY.parent / "shared" / "data" / name
    if (_REPOSITORY / "pyproject.toml").is_file() and folder.is_dir():
        return folder
    return None


def _course_file(name: str, filename: str, path: str | os.PathLike[str] | None, caller: str) -> Path:
    folder = course_data_dir(name, path)
    if folder is None or not (folder / filename).is_file():
        where = "no folder was found" if folder is None else f"{folder} has no {filename}"
        raise DatasetNotFoundError(
            f"{caller}: {where}; pass the folder holding {filename}, or set {DATA_ENV} to a folder with a "
            f"{name}/ sub-folder (../shared/data beside the repository is used when present)"
        )
    return folder / filename


def load_regularization(
    path: str | os.PathLike[str] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The Regularization assignment's data: ``train_X (2, 211), train_Y (1, 211), test_X (2, 200), test_Y (1, 200)``.

    Read from ``data.mat`` (MATLAB v5) with SciPy, an optional dependency; the uint8 labels are
    cast to float64 so ``1 - Y`` cannot wrap around. ``path`` is the folder holding ``data.mat``
    (see :func:`course_data_dir`).

    >>> train_X, train_Y, test_X, test_Y = load_regularization()  # doctest: +SKIP
    >>> train_X.shape, test_Y.shape  # doctest: +SKIP
    ((2, 211), (1, 200))
    """
    file = _course_file("regularization", "data.mat", path, "load_regularization")
    try:
        from scipy.io import loadmat
    except ImportError:
        raise ImportError("load_regularization needs SciPy to read data.mat: pip install scipy") from None
    data = loadmat(file)
    return (
        data["X"].T.astype(np.float64),
        data["y"].T.astype(np.float64),
        data["Xval"].T.astype(np.float64),
        data["yval"].T.astype(np.float64),
    )


def load_dinos(path: str | os.PathLike[str] | None = None) -> str:
    """The character-level model's text: ``dinos.txt`` lower-cased, one name per line (1 536 names).

    ``path`` is the folder holding ``dinos.txt`` (see :func:`course_data_dir`).

    >>> text = load_dinos()  # doctest: +SKIP
    >>> len(text.split("\\n")), sorted(set(text))[:2]  # doctest: +SKIP
    (1536, ['\\n', 'a'])
    """
    return _course_file("dinos", "dinos.txt", path, "load_dinos").read_text(encoding="ascii").lower()


def _two_classes(points: np.ndarray, n_out: int, n_in: int, noise: float, rng: Any) -> tuple[np.ndarray, np.ndarray]:
    labels = np.hstack([np.zeros(n_out, np.intp), np.ones(n_in, np.intp)])
    order = np.arange(n_out + n_in)
    rng.shuffle(order)
    points, labels = points[order], labels[order]
    points = points + rng.normal(scale=noise, size=points.shape)
    return points.T, labels.reshape(1, -1).astype(np.float64)


def make_moons(n: int = 300, noise: float = 0.2, rng: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, drawn as scikit-learn's ``make_moons`` draws them: ``X (2, n)``, ``Y (1, n)``.

    The course's Optimization data is ``np.random.seed(3)`` then ``make_moons(300, noise=0.2)``.
    ``rng`` is a ``RandomState`` (or None for NumPy's global generator, as the course).

    >>> X, Y = make_moons(rng=np.random.RandomState(3))
    >>> X.shape, Y.shape, int(Y.sum())
    ((2, 300), (1, 300), 150)
    """
    rng = np.random if rng is None else rng
    n_out = n // 2
    n_in = n - n_out
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    outer = np.vstack([np.cos(t_out), np.sin(t_out)]).T
    inner = np.vstack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5]).T
    return _two_classes(np.vstack([outer, inner]), n_out, n_in, noise, rng)


def make_circles(
    n: int = 300, noise: float = 0.05, factor: float = 0.8, rng: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles, drawn as scikit-learn's ``make_circles`` draws them: ``X (2, n)``, ``Y (1, n)``.

    The course's Initialization data: ``np.random.seed(1)`` then 300 points (train), and
    ``np.random.seed(2)`` then 100 points (test), with ``noise=0.05``.

    >>> X, Y = make_circles(100, rng=np.random.RandomState(2))
    >>> X.shape, int(Y.sum())
    ((2, 100), 50)
    """
    rng = np.random if rng is None else rng
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    outer = np.vstack([np.cos(t_out), np.sin(t_out)]).T
    inner = np.vstack([np.cos(t_in) * factor, np.sin(t_in) * factor]).T
    return _two_classes(np.vstack([outer, inner]), n_out, n_in, noise, rng)
