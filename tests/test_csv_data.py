"""CSV datasets: round trips, one clear message per bad input, atomic writes."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.core import csv_data
from playground.core.csv_data import (
    CSVDataError,
    load_csv,
    load_csv_pair,
    parse_csv,
    write_csv,
)
from playground.core.datasets import DATASETS, Dataset, make_dataset


def write(path, text: str | bytes):
    """Write text (UTF-8) or raw bytes to path and return it."""
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


# --------------------------------------------------------------------------- good files

@pytest.mark.parametrize("name", list(DATASETS))
def test_round_trip_through_write_and_load(tmp_path, name):
    data = make_dataset(name, samples=60)
    path = tmp_path / f"{name}.csv"
    write_csv(path, data)
    back = load_csv(path, task="regression" if data.task == "regression" else None)
    assert back.task == data.task
    assert back.name == name
    assert back.feature_names == data.feature_names
    assert np.array_equal(back.X, data.X)            # repr round-trips floats exactly
    assert np.array_equal(back.Y, data.Y)


def test_awkward_feature_names_survive_a_round_trip(tmp_path):
    names = ("size, sq ft", 'say "hi"', "a;b\tc")
    data = Dataset(np.arange(6.0).reshape(3, 2), np.array([[0.0, 1.0]]), "binary", "odd",
                   names)
    write_csv(tmp_path / "odd.csv", data)
    back = load_csv(tmp_path / "odd.csv")
    assert back.feature_names == names and np.array_equal(back.X, data.X)


def test_written_file_has_header_then_features_then_label(tmp_path):
    data = make_dataset("gaussians", samples=6, noise=0.0)
    path = tmp_path / "g.csv"
    write_csv(path, data)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "x1,x2,label"
    assert len(lines) == 7
    first = lines[1].split(",")
    assert [float(v) for v in first[:2]] == data.X[:, 0].tolist()
    assert first[2] == str(data.labels[0])
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_regression_file_writes_the_value_column(tmp_path):
    data = make_dataset("housing", samples=5)
    path = tmp_path / "h.csv"
    write_csv(path, data)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "size (1000 sq ft),y"
    assert float(lines[1].split(",")[1]) == data.Y[0, 0]


def test_header_is_detected_and_names_the_features():
    data = parse_csv("size, rooms ,label\n1.5,3,0\n2.5,4,1\n")
    assert data.feature_names == ("size", "rooms")
    assert data.X.tolist() == [[1.5, 2.5], [3.0, 4.0]]
    assert data.Y.tolist() == [[0.0, 1.0]]


def test_no_header_means_no_feature_names():
    data = parse_csv("1,2,0\n3,4,1\n")
    assert data.feature_names == () and data.X.shape == (2, 2) and data.task == "binary"


def test_labels_choose_the_task():
    assert parse_csv("1,0\n2,1\n").task == "binary"
    multi = parse_csv("1,0\n2,1\n3,2\n4,1.0\n")
    assert multi.task == "multiclass" and multi.Y.shape == (3, 4)
    assert multi.labels.tolist() == [0, 1, 2, 1]
    regression = parse_csv("1,0\n2,1\n3,2.5\n")
    assert regression.task == "regression" and regression.Y.tolist() == [[0.0, 1.0, 2.5]]


def test_task_can_be_forced():
    forced = parse_csv("1,0\n2,1\n3,7\n", task="regression")
    assert forced.task == "regression" and forced.Y.tolist() == [[0.0, 1.0, 7.0]]
    assert parse_csv("1,0\n2,1\n", task="binary").task == "binary"
    assert parse_csv("1,0\n2,1\n3,2\n", task="multiclass").task == "multiclass"
    with pytest.raises(ValueError, match=r"task 'binary' needs labels \{0, 1\}, found "
                                         r"\{0, 1, 2\}"):
        parse_csv("1,0\n2,1\n3,2\n", task="binary")
    with pytest.raises(ValueError, match="task 'multiclass' needs at least 3 classes"):
        parse_csv("1,0\n2,1\n", task="multiclass")
    with pytest.raises(ValueError, match="row 2, column 2: label 0.5 is not a class index"):
        parse_csv("1,0\n2,0.5\n", task="binary")
    with pytest.raises(ValueError, match="unknown task 'ordinal'"):
        parse_csv("1,0\n2,1\n", task="ordinal")


def test_semicolon_tab_crlf_bom_quotes_and_blank_lines():
    expected = [[1.5, 3.0], [2.0, 4.0]]
    assert parse_csv("1.5;2;0\n3;4;1\n").X.tolist() == expected
    assert parse_csv("1.5\t2\t0\n3\t4\t1\n").X.tolist() == expected
    assert parse_csv("\ufeffa,b,y\r\n1.5,2,0\r\n3,4,1\r\n").feature_names == ("a", "b")
    assert parse_csv('"a, b",c,y\n"1.5",2,0\n3,4,1\n').feature_names == ("a, b", "c")
    assert parse_csv("\n\n1.5,2,0\n\n3,4,1\n \n,,\n").X.tolist() == expected
    assert parse_csv("1.5,2,0\n3,4,1").m == 2                    # no final newline
    assert parse_csv('"a;b",c,y\n1.5,2,0\n3,4,1\n').feature_names == ("a;b", "c")


def test_load_csv_names_the_dataset_after_the_file(tmp_path):
    path = write(tmp_path / "my data.csv", "1,0\n2,1\n")
    assert load_csv(path).name == "my data"
    assert load_csv(str(path), name="other").name == "other"


# --------------------------------------------------------------------------- bad input

BAD = [
    ("", r"CSV text: is empty"),
    ("\n  \n\n", r"is empty"),
    ("a,b,label\n", r"has a header but no data rows"),
    ("a,b,label\n\n\n", r"has a header but no data rows"),
    ("1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,1,0\n1,2,1\n3,abc,0\n",
     r"^CSV text: row 7, column 2: 'abc' is not a number$"),
    ("x,y\n1,0\n\n2,oops\n", r"row 4, column 2: 'oops' is not a number"),
    ("1,2,0\n3,,1\n", r"row 2, column 2: empty value"),
    ("1;5;0\n2,5;3;1\n", r"row 2, column 1: '2,5' is not a number \(use '.' as the decimal"),
    ("1,2,0\n3,4\n", r"row 2: has 2 columns, expected 3 \(like row 1\)"),
    ("a,b,y\n1,2,0\n3,4,1,5\n", r"row 3: has 4 columns, expected 3 \(like row 1\)"),
    ("1,2\n3\n", r"row 2: has 1 column, expected 2"),
    ("5\n6\n", r"row 1: found 1 column; need at least 2 \(features, then a label\)"),
    ("label\n1\n", r"row 1: found 1 column"),
    ("1,0\n2,nan\n", r"row 2, column 2: 'nan' is not a finite number"),
    ("1,0\n-inf,1\n", r"row 2, column 1: '-inf' is not a finite number"),
    ("1,0\n1e999,1\n", r"row 2, column 1: '1e999' is not a finite number"),
    ("1,0\n2,0\n3,0\n", r"only one class \(label 0\) found; classification needs at least 2"),
    ("1,1\n2,2\n", r"class labels must be 0..k-1 with every class present; found \{1, 2\}, "
                   r"expected \{0, 1\}"),
    ("1,0\n2,2\n", r"found \{0, 2\}, expected \{0, 1\}"),
    ("1,0\n2,1\n3,3\n", r"found \{0, 1, 3\}, expected \{0, 1, 2\}"),
    ("1,0\n2,1\n3,-1\n", r"row 3, column 2: label -1 is negative; class labels are 0..k-1"),
    ("1,0\n2,1\n3,500\n", r"label 500 is too large: at most 100 classes"),
    ("1,0\n2,1\n3,1e300\n", r"label 1e\+300 is too large"),
    ('1,0\n2,"1\n', r"row 2: malformed CSV \(a quoted field is never closed\)"),
    ('1,0\n2,"1"x\n', r"row 2: malformed CSV \(',' expected after '\"'\)"),
    ("1,2\r3,0\n4,5,1\n", r"row 1: malformed CSV \(a line break inside a line; end lines "
                        r"with \\n or \\r\\n, not a lone \\r\)"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_each_bad_input_has_its_own_message(text, message):
    with pytest.raises(CSVDataError, match=message):
        parse_csv(text)


def test_errors_carry_row_and_column():
    with pytest.raises(CSVDataError) as caught:
        parse_csv("a,b,y\n1,2,0\n3,x,1\n")
    assert (caught.value.row, caught.value.column) == (3, 2)
    assert isinstance(caught.value, ValueError)


def test_integer_regression_targets_get_a_hint():
    with pytest.raises(ValueError, match="use task 'regression'"):
        parse_csv("1,100\n2,250\n")
    assert parse_csv("1,100\n2,250\n", task="regression").Y.tolist() == [[100.0, 250.0]]


def test_file_errors_name_the_file_and_row(tmp_path):
    path = write(tmp_path / "bad.csv", "1,0\n2,1\n3,abc\n")
    with pytest.raises(ValueError, match=r"bad\.csv: row 3, column 2: 'abc' is not a number"):
        load_csv(path)


def test_non_utf8_bytes_are_reported_with_their_row(tmp_path):
    path = write(tmp_path / "latin.csv", b"size,label\n1,0\n2\xe9,1\n")
    with pytest.raises(ValueError, match=r"row 3: byte 0xe9 at byte 2 of the line is not "
                                         r"UTF-8 text; save the file as UTF-8"):
        load_csv(path)


def test_missing_file_and_directory_get_clear_messages(tmp_path):
    with pytest.raises(ValueError, match=r"nothere\.csv: no such file"):
        load_csv(tmp_path / "nothere.csv")
    with pytest.raises(ValueError, match="is a directory, not a CSV file"):
        load_csv(tmp_path)
    empty = write(tmp_path / "empty.csv", b"")
    with pytest.raises(ValueError, match=r"empty\.csv: is empty"):
        load_csv(empty)


def test_unreadable_file_gets_a_clear_message(tmp_path, monkeypatch):
    path = write(tmp_path / "secret.csv", "1,0\n2,1\n")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(csv_data, "open", denied, raising=False)
    with pytest.raises(ValueError, match=r"secret\.csv: cannot open the file "
                                         r"\(Permission denied\)"):
        load_csv(path)


def test_row_limit_stops_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_data, "MAX_ROWS", 5)
    good = "".join(f"{i},{i % 2}\n" for i in range(5))
    assert load_csv(write(tmp_path / "five.csv", "x,y\n" + good)).m == 5
    # The 6th data row trips the limit before the undecodable bytes after it are read.
    path = write(tmp_path / "big.csv", ("x,y\n" + good + "5,1\n").encode() + b"\xff\xfe\n" * 50)
    with pytest.raises(ValueError, match=r"row 7: more than 5 data rows; the limit is 5"):
        load_csv(path)
    with pytest.raises(ValueError, match="more than 5 data rows"):
        parse_csv(good + "5,1\n")


def test_overlong_line_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_data, "MAX_LINE_CHARS", 100)
    path = write(tmp_path / "long.csv", "1,0\n" + "1," * 60 + "1\n")
    with pytest.raises(ValueError, match=r"row 2: line is longer than 100 characters"):
        load_csv(path)


def test_parse_csv_needs_text():
    with pytest.raises(ValueError, match="parse_csv needs a str, got bytes"):
        parse_csv(b"1,0\n")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- pairs

def test_pair_shares_task_and_classes(tmp_path):
    train = write(tmp_path / "train.csv", "a,b,y\n1,2,0\n3,4,1\n5,6,2\n")
    test = write(tmp_path / "test.csv", "a,b,y\n7,8,1\n9,1,1\n")
    tr, te = load_csv_pair(train, test)
    assert tr.task == te.task == "multiclass"
    assert te.Y.shape == (3, 2) and te.labels.tolist() == [1, 1]
    assert te.name == "test" and tr.name == "train"


def test_pair_regression_test_file_keeps_integer_targets(tmp_path):
    train = write(tmp_path / "train.csv", "1,0.5\n2,1.5\n")
    test = write(tmp_path / "test.csv", "1,0\n2,1\n3,5\n")
    _, te = load_csv_pair(train, test)
    assert te.task == "regression" and te.Y.tolist() == [[0.0, 1.0, 5.0]]


@pytest.mark.parametrize(("test_text", "message"), [
    ("1,2,0\n", r"test\.csv: has 2 feature column\(s\) but the training file .* has 1"),
    ("1,0\n2,2\n", r"test\.csv: row 2, column 2: label 2 is outside the training classes 0..1"),
    ("1,0\n2,0.5\n", r"test\.csv: row 2, column 2: label 0.5 is not a class index"),
    ("1,0\n2,-1\n", r"row 2, column 2: label -1 is negative"),
    ("", r"test\.csv: is empty"),
])
def test_pair_rejects_an_incompatible_test_file(tmp_path, test_text, message):
    train = write(tmp_path / "train.csv", "1,0\n2,1\n")
    test = write(tmp_path / "test.csv", test_text)
    with pytest.raises(ValueError, match=message):
        load_csv_pair(train, test)


def test_pair_reports_a_bad_training_file_first(tmp_path):
    train = write(tmp_path / "train.csv", "1,0\n2,0\n")
    test = write(tmp_path / "test.csv", "1,0\n2,1\n")
    with pytest.raises(ValueError, match=r"train\.csv: only one class"):
        load_csv_pair(train, test)


# --------------------------------------------------------------------------- atomic writes

def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    path = write(tmp_path / "keep.csv", "old contents\n")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(csv_data.os, "replace", broken_replace)
    with pytest.raises(ValueError, match=r"keep\.csv: writing failed \(No space left"):
        write_csv(path, make_dataset("flower"))
    assert path.read_text() == "old contents\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.csv"]


def test_interrupted_write_cleans_up_and_propagates(tmp_path, monkeypatch):
    path = write(tmp_path / "keep.csv", "old contents\n")

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(csv_data.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_csv(path, make_dataset("moons"))
    assert path.read_text() == "old contents\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.csv"]


def test_write_replaces_an_existing_file_and_keeps_its_mode(tmp_path):
    path = write(tmp_path / "data.csv", "old\n")
    path.chmod(0o600)
    write_csv(path, make_dataset("xor", samples=10))
    assert load_csv(path).m == 10
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_write_errors_are_clear(tmp_path):
    data = make_dataset("linear", samples=10)
    with pytest.raises(ValueError, match="is a directory; choose a file name"):
        write_csv(tmp_path, data)
    with pytest.raises(ValueError, match=r"cannot write .*x\.csv: folder .* does not exist"):
        write_csv(tmp_path / "missing" / "x.csv", data)
    with pytest.raises(ValueError, match="write_csv needs a Dataset, got dict"):
        write_csv(tmp_path / "x.csv", {})  # type: ignore[arg-type]
    two_targets = Dataset(np.zeros((1, 3)), np.zeros((2, 3)), "regression", "two")
    with pytest.raises(ValueError, match="one target column; this dataset has n_y = 2"):
        write_csv(tmp_path / "x.csv", two_targets)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- properties

def check_valid(data: Dataset) -> None:
    """Assert that ``data`` is a well-formed Dataset."""
    assert data.n_x >= 1 and data.m >= 1
    assert data.X.shape == (data.n_x, data.m) and np.all(np.isfinite(data.X))
    assert np.all(np.isfinite(data.Y))
    if data.task == "binary":
        assert data.Y.shape == (1, data.m) and set(np.unique(data.Y)) == {0.0, 1.0}
    elif data.task == "multiclass":
        assert data.n_classes >= 3
        assert set(data.labels.tolist()) == set(range(data.n_classes))
    else:
        assert data.Y.shape == (1, data.m)


FIELDS = st.one_of(
    st.integers(-3, 4).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "abc", "1e999", "nan", "-0", "0.0", "1.", ".5", "1,5", '"1"',
                     '"', "x1", "\ufeff", "\x00", "é", "1_0", "0x1", " 2 "]),
)
ROWS = st.lists(st.lists(FIELDS, min_size=0, max_size=4), min_size=0, max_size=8)
SEPARATORS = st.sampled_from([",", ";", "\t"])
NEWLINES = st.sampled_from(["\n", "\r\n", "\r", "\n\n"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS, SEPARATORS, NEWLINES)
def test_structured_garbage_parses_or_raises_value_error(rows, separator, newline):
    text = newline.join(separator.join(row) for row in rows)
    try:
        data = parse_csv(text)
    except ValueError:
        return
    check_valid(data)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789.,;\t\n\r -+eEnaifx\"'\x00é\ufeff", max_size=60))
def test_random_text_parses_or_raises_value_error(text):
    try:
        data = parse_csv(text)
    except ValueError:
        return
    check_valid(data)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=60) | ROWS.map(lambda r: "\n".join(",".join(x) for x in r).encode()))
def test_random_file_bytes_load_or_raise_value_error(tmp_path, raw):
    path = tmp_path / "random.csv"
    path.write_bytes(raw)
    try:
        data = load_csv(path)
    except ValueError:
        return
    check_valid(data)
