"""Read a table of samples whose last column is the class: the shipped data sets and any CSV.

    read_table(text_or_path) -> Table(X, y, classes, columns)
        X        float64 array, rows x features (every column but the last)
        y        int array of class indices 0..C-1; the classes sorted, numerically when every label is a number
        classes  the class labels as written (the first spelling met), list index = class index
        columns  the feature column names: the header row's, else x1, x2, ...
    load("seeds") -> the same for a data set shipped in calc/data (with its column and class names)

The format: one sample per line; fields separated by commas, or by semicolons (then a decimal comma, 1,5, reads
as 1.5), or by runs of whitespace (tabs or spaces, as in the UCI files, where some rows have two tabs); the
separator is the first line's (a semicolon before a comma before whitespace). Fields may be quoted ("a, b").
Blank lines are skipped, the last line may lack its newline, a UTF-8 byte-order mark is dropped. The first row is
a header when none of its feature fields is a number (a repeated name gets " (2)", ...). Class labels are numbers
or any text.

Refused with located messages (DataError, a SpecError: one line each; lines and columns count from 1, a column
is a field): text that is not UTF-8, a field that is not a finite number, a row with a different number of
fields than the first, an empty class label, no data rows, one class only, over 5 MB or over 100,000 rows.
"""
from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np

from calc.problem.model import Problem, SpecError

MAX_BYTES = 5_000_000
MAX_ROWS = 100_000
MAX_PROBLEMS = 20
HERE = Path(__file__).resolve().parent

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")

# name -> (file under calc/data, feature column names, class names in the order of the file's labels 1, 2, 3)
DATASETS = {
    "seeds": ("seeds/seeds_dataset.txt",
              ["area", "perimeter", "compactness", "kernel length", "kernel width", "asymmetry", "groove length"],
              ["Kama", "Rosa", "Canadian"]),
}


class DataError(SpecError):
    """A table that cannot be read; `problems` holds one located message each (CLI: one line each, exit 2)."""


class Table(NamedTuple):
    X: np.ndarray
    y: np.ndarray
    classes: list[str]
    columns: list[str]


def read_table(text_or_path: str | bytes | os.PathLike, name: str | None = None) -> Table:
    """A table from its text (str or bytes) or from a file (a Path, or a str naming an existing file).

    `name` (default: the file's name, else "data") starts every message."""
    text, source = _text(text_or_path, name)
    return _parse(text, source)


def load(name: str) -> Table:
    """A data set shipped with the project: "seeds" (210 wheat kernels, 7 features, classes Kama, Rosa, Canadian)."""
    if name not in DATASETS:
        raise DataError([Problem("--data", f"no data set {name!r}; the project ships: {', '.join(DATASETS)}")])
    file, columns, classes = DATASETS[name]
    t = read_table(HERE / file, name=name)
    if len(t.columns) != len(columns) or len(t.classes) != len(classes):     # pragma: no cover (the file ships)
        raise DataError([Problem(name, "the shipped file does not have the expected columns and classes")])
    return Table(t.X, t.y, list(classes), list(columns))


def summary(t: Table) -> dict:
    """Rows, features and samples per class, for a description of the data."""
    counts = np.bincount(t.y, minlength=len(t.classes))
    return {"rows": int(t.X.shape[0]), "features": int(t.X.shape[1]),
            "per_class": {c: int(k) for c, k in zip(t.classes, counts)}}


# ---- reading ----------------------------------------------------------------------------------------------------
def _text(obj, name: str | None) -> tuple[str, str]:
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return _decode(bytes(obj), name or "data"), name or "data"
    if isinstance(obj, os.PathLike) or (isinstance(obj, str) and "\n" not in obj and _looks_like_path(obj)):
        path = Path(obj)
        source = name or path.name
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                raise DataError([Problem(source, f"{size:,} bytes is over the {MAX_BYTES:,}-byte limit")])
            data = path.read_bytes()
        except DataError:
            raise
        except OSError as e:
            raise DataError([Problem(source, f"cannot be read ({e.strerror or e})")]) from None
        return _decode(data, source), source
    if not isinstance(obj, str):
        raise TypeError(f"read_table takes text, bytes or a path, not {type(obj).__name__}")
    source = name or "data"
    if len(obj) > MAX_BYTES and len(obj.encode("utf-8")) > MAX_BYTES:
        raise DataError([Problem(source, f"{len(obj.encode('utf-8')):,} bytes is over the {MAX_BYTES:,}-byte limit")])
    return obj.removeprefix("\ufeff"), source


def _looks_like_path(s: str) -> bool:
    s = s.strip()
    if not s or len(s) > 4096:
        return False
    try:
        if Path(s).is_file():
            return True
    except (OSError, ValueError):
        return False
    return "/" in s or os.sep in s or s.lower().endswith((".csv", ".txt", ".tsv", ".data", ".dat"))


def _decode(data: bytes, source: str) -> str:
    if len(data) > MAX_BYTES:
        raise DataError([Problem(source, f"{len(data):,} bytes is over the {MAX_BYTES:,}-byte limit")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise DataError([Problem(f"{source} line {line}", f"byte {col} of the line is not UTF-8 text (save the "
                                                          f"file as UTF-8)")]) from None


def _separator(line: str) -> str | None:
    """';' or ',' when the first line has one outside quotes, else None (runs of whitespace)."""
    bare = re.sub(r'"[^"]*"', "", line)
    return ";" if ";" in bare else ("," if "," in bare else None)


def _fields(line: str, sep: str | None) -> list[str]:
    if sep is None:
        return line.split()
    return [f.strip() for f in next(csv.reader([line], delimiter=sep, skipinitialspace=True), [])]


def _number(field: str, sep: str | None) -> float | None:
    """The field's value, or None when it is not a decimal number (a decimal comma with ';' separators)."""
    if sep == ";" and _DECIMAL_COMMA.fullmatch(field):
        field = field.replace(",", ".")
    if not _NUMBER.fullmatch(field):
        return None
    return float(field)


def _show(field: str) -> str:
    return repr(field if len(field) <= 40 else field[:37] + "...")


def _parse(text: str, source: str) -> Table:
    problems: list[Problem] = []

    def bad(where: str, message: str) -> None:
        problems.append(Problem(f"{source} {where}", message))

    rows: list[tuple[int, list[str]]] = []          # (line number, fields) of the non-blank lines
    sep: str | None = None
    for ln, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if not rows:
            sep = _separator(line)
        try:
            fields = _fields(line, sep)
        except csv.Error as e:
            bad(f"line {ln}", f"cannot be split into fields ({e})")
            continue
        rows.append((ln, fields))
        if len(rows) > MAX_ROWS + 1:
            raise DataError([Problem(source, f"more than {MAX_ROWS:,} rows; the limit is {MAX_ROWS:,}")])
    if problems:
        raise DataError(problems)
    if not rows:
        raise DataError([Problem(source, "the file is empty: no data rows")])
    first_ln, first = rows[0]
    width = len(first)
    if width < 2:
        raise DataError([Problem(f"{source} line {first_ln}", f"{width} field{'s' if width != 1 else ''}; a row needs "
                                 "at least one feature and the class (the last column)"
                                 + ("" if sep else " (separate fields by commas, semicolons, tabs or spaces)"))])
    header = all(_number(f, sep) is None for f in first[:-1])
    if header:
        columns = _unique([f or f"x{j}" for j, f in enumerate(first[:-1], start=1)])
        data = rows[1:]
    else:
        columns = [f"x{j}" for j in range(1, width)]
        data = rows
    if not data:
        raise DataError([Problem(source, f"only a header row (line {first_ln}); no data rows")])
    if len(data) > MAX_ROWS:
        raise DataError([Problem(source, f"{len(data):,} rows; the limit is {MAX_ROWS:,}")])
    n_feat = width - 1
    X = np.empty((len(data), n_feat), dtype=np.float64)
    labels: list[str] = []
    extra = 0
    for r, (ln, fields) in enumerate(data):
        if len(problems) >= MAX_PROBLEMS:
            extra += 1
            continue
        if len(fields) != width:
            bad(f"line {ln}", f"{len(fields)} field{'s' if len(fields) != 1 else ''}, expected {width} "
                              f"(as on line {first_ln})")
            labels.append("")
            continue
        for j, f in enumerate(fields[:-1]):
            v = _number(f, sep)
            where = f"line {ln}, column {j + 1} ({columns[j]})"
            if v is None:
                bad(where, "empty: a number is needed" if not f else f"not a number: {_show(f)}")
            elif not np.isfinite(v):
                bad(where, f"not a finite number: {_show(f)}")
            else:
                X[r, j] = v
        label = fields[-1]
        if not label:
            bad(f"line {ln}, column {width} (class)", "empty class label")
        labels.append(label)
    if extra:
        problems.append(Problem(source, f"and problems on {extra:,} more row{'s' if extra != 1 else ''} "
                                        "(not checked one by one)"))
    if problems:
        raise DataError(problems)
    y, classes = _classes(labels, sep)
    if len(classes) < 2:
        raise DataError([Problem(f"{source} column {width} (class)", f"only one class ({_show(classes[0])}); at "
                                 "least two are needed")])
    return Table(X, y, classes, columns)


def _unique(names: list[str]) -> list[str]:
    """Header names made unique: a repeated name gets " (2)", " (3)", ..."""
    seen: set[str] = set()
    out = []
    for name in names:
        new, k = name, 1
        while new in seen:
            k += 1
            new = f"{name} ({k})"
        seen.add(new)
        out.append(new)
    return out


def _classes(labels: list[str], sep: str | None) -> tuple[np.ndarray, list[str]]:
    """Class indices and names: sorted by value when every label is a number (1 and 1.0 are one class)."""
    values = [_number(s, sep) for s in labels]
    numeric = all(v is not None and np.isfinite(v) for v in values)
    keys = values if numeric else labels
    names: dict = {}
    for k, s in zip(keys, labels):
        names.setdefault(k, s)
    order = sorted(names)
    index = {k: i for i, k in enumerate(order)}
    return np.array([index[k] for k in keys], dtype=np.int64), [names[k] for k in order]
