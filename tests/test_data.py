"""tinygrad_ng.data: the planar data as the course generates it, the cat files, mini-batches."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import CAT_DIR, HAVE_CAT_DATA, IN_CI, needs_cat_data
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_ng import data
from tinygrad_ng.data import DatasetNotFoundError, catvnoncat_dir, load_catvnoncat, load_planar, minibatches
from tinygrad_ng.errors import ArgumentError, ShapeError


def _course_planar() -> tuple[np.ndarray, np.ndarray]:
    """The course's load_planar_dataset, as its notebook writes it (global seed, uint8 labels)."""
    np.random.seed(1)
    m, N, a = 400, 200, 4
    X, Y = np.zeros((m, 2)), np.zeros((m, 1), dtype="uint8")
    for j in range(2):
        ix = range(N * j, N * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + np.random.randn(N) * 0.2
        r = a * np.sin(4 * t) + np.random.randn(N) * 0.2
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return X.T, Y.T


def test_planar_data_equals_the_course_generator_bit_for_bit() -> None:
    X, Y = load_planar()
    want_X, want_Y = _course_planar()
    assert X.shape == (2, 400) and Y.shape == (1, 400) and X.dtype == np.float64
    assert np.array_equal(X, want_X) and np.array_equal(Y, want_Y)
    assert Y.sum() == 200 and set(np.unique(Y)) == {0.0, 1.0}


def test_planar_leaves_numpys_global_generator_alone() -> None:
    np.random.seed(5)
    expected = np.random.rand()
    np.random.seed(5)
    load_planar()
    assert np.random.rand() == expected


def test_planar_rejects_an_odd_count() -> None:
    with pytest.raises(ArgumentError, match="even"):
        load_planar(m=7)


@needs_cat_data
def test_cat_data_in_the_course_layout() -> None:
    d = load_catvnoncat(CAT_DIR)
    assert d.train_x.shape == (12288, 209) and d.test_x.shape == (12288, 50)
    assert d.train_y.shape == (1, 209) and d.test_y.shape == (1, 50)
    assert d.train_y.sum() == 72 and d.test_y.sum() == 33
    # SOURCE.md's sanity values after flattening, and the course's / 255.
    assert np.array_equal(d.train_x[:5, 0] * 255, [17, 31, 56, 22, 33])
    assert np.array_equal(np.round(d.test_x[:10, 1] * 255), [115, 110, 111, 137, 129, 129, 155, 146, 145, 159])
    assert 0 <= d.train_x.min() and d.train_x.max() <= 1
    assert list(d.classes) == [b"non-cat", b"cat"]
    raw = load_catvnoncat(CAT_DIR, flatten=False)
    assert raw.train_x.shape == (209, 64, 64, 3) and raw.train_x.dtype == np.uint8


@needs_cat_data
def test_cat_data_with_another_checksum_warns(tmp_path: Path) -> None:
    for name in ("train_catvnoncat.h5", "test_catvnoncat.h5"):
        shutil.copy(CAT_DIR / name, tmp_path / name)
    with open(tmp_path / "test_catvnoncat.h5", "ab") as f:
        f.write(b"\0")  # HDF5 ignores trailing bytes; the checksum does not
    with pytest.warns(UserWarning, match=r"test_catvnoncat\.h5 has sha256"):
        d = load_catvnoncat(tmp_path)
    assert d.test_x.shape == (12288, 50)


def test_missing_cat_files_name_what_is_expected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "train_catvnoncat.h5").write_bytes(b"")
    with pytest.raises(DatasetNotFoundError, match=r"lacks test_catvnoncat\.h5.*course's week 2 and week 4"):
        load_catvnoncat(tmp_path)
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        load_catvnoncat(tmp_path / "nowhere")
    monkeypatch.delenv("TINYGRAD_NG_CATVNONCAT", raising=False)
    monkeypatch.setattr(data, "_REPOSITORY_CATVNONCAT", tmp_path / "no-data")
    with pytest.raises(DatasetNotFoundError, match="TINYGRAD_NG_CATVNONCAT is not set and there is no"):
        load_catvnoncat()


def test_cat_data_folder_is_the_argument_then_the_variable_then_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    beside = tmp_path / "shared" / "data" / "catvnoncat"
    monkeypatch.setattr(data, "_REPOSITORY_CATVNONCAT", beside)
    monkeypatch.delenv("TINYGRAD_NG_CATVNONCAT", raising=False)
    assert catvnoncat_dir() is None  # the folder beside the repository does not exist yet
    beside.mkdir(parents=True)
    assert catvnoncat_dir() == beside
    monkeypatch.setenv("TINYGRAD_NG_CATVNONCAT", str(tmp_path / "from-env"))
    assert catvnoncat_dir() == tmp_path / "from-env"  # the variable wins, even over an existing folder
    assert catvnoncat_dir(tmp_path / "given") == tmp_path / "given"  # and the argument over both
    assert catvnoncat_dir(str(tmp_path)) == tmp_path


@given(m=st.integers(1, 50), batch=st.integers(1, 20), seed=st.integers(0, 100))
def test_minibatches_cover_every_column_once_in_the_course_order(m: int, batch: int, seed: int) -> None:
    X = np.arange(3 * m, dtype=float).reshape(3, m)
    Y = np.arange(m, dtype=float).reshape(1, m)
    batches = list(minibatches(X, Y, batch, seed=seed))
    assert [xb.shape[1] for xb, _ in batches] == [min(batch, m - s) for s in range(0, m, batch)]
    order = np.concatenate([yb.ravel() for _, yb in batches]).astype(int)
    assert np.array_equal(order, np.random.RandomState(seed).permutation(m))  # the course's permutation
    for xb, yb in batches:
        assert np.array_equal(xb, X[:, yb.ravel().astype(int)])  # columns stay paired with their labels


def test_minibatches_without_shuffle_keep_order_and_check_shapes() -> None:
    X, Y = np.ones((2, 5)), np.arange(5.0).reshape(1, 5)
    assert [yb.tolist() for _, yb in minibatches(X, Y, 2, shuffle=False)] == [[[0, 1]], [[2, 3]], [[4]]]
    with pytest.raises(ShapeError, match="same number of columns"):
        list(minibatches(X, np.ones((1, 4))))


@pytest.mark.skipif(not IN_CI, reason="only CI promises the cat data")
def test_ci_has_the_cat_data() -> None:
    """CI runs the data tests instead of skipping them, so the data must be there (../shared beside the clone)."""
    assert HAVE_CAT_DATA, f"CI needs train_catvnoncat.h5 and test_catvnoncat.h5; looked in {CAT_DIR}"
