"""The problem in a link and in files: compact JSON -> zlib -> base64url in one query parameter (?p=...).

    encode(spec) = base64url(zlib(json.dumps(spec.to_dict(), separators=(",", ":"))))   (no padding)
    decode(text) = load_spec(inflate(base64url_decode(text)))   validated like an upload
A link longer than MAX_LINK_CHARS (8 KB) is refused with a message; so is anything that does not decode.
Also: targets from CSV (cells read as text by the cell parser; class indices become one-hot rows). The separator
is a semicolon or a tab when the file has one, else a comma; row 1 is a header only when none of its cells reads as
a number (the note says so).
"""
from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import re
import zlib

from calc.problem.spec import MAX_UPLOAD_BYTES, Problem, Spec, SpecError, load_spec

PARAM = "p"
MAX_LINK_CHARS = 8192
_B64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")


class LinkTooLarge(ValueError):
    """The problem does not fit in a share link; str() is the message for the user."""


def encode(spec: Spec) -> str:
    """spec -> the value of the `p` query parameter; LinkTooLarge over MAX_LINK_CHARS."""
    compact = json.dumps(spec.to_dict(), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    token = base64.urlsafe_b64encode(zlib.compress(compact, 9)).decode("ascii").rstrip("=")
    if len(token) > MAX_LINK_CHARS:
        raise LinkTooLarge(f"this problem needs a {len(token):,}-character link; links are limited to "
                           f"{MAX_LINK_CHARS:,} characters (8 KB): download the JSON file and share that instead")
    return token


def decode(token: str) -> Spec:
    """The `p` query parameter -> validated Spec; SpecError with a readable message otherwise."""
    def bad(msg: str) -> SpecError:
        return SpecError([Problem("link", msg)])

    if not isinstance(token, str) or not token.strip():
        raise bad("the share link carries no problem")
    token = token.strip()
    if len(token) > MAX_LINK_CHARS:
        raise bad(f"the share link is {len(token):,} characters; the limit is {MAX_LINK_CHARS:,}")
    if not _B64URL.fullmatch(token):
        raise bad("the share link is damaged (characters outside base64url): copy the whole link again")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise bad("the share link is damaged (not base64url): copy the whole link again") from None
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(raw, MAX_UPLOAD_BYTES + 1)
    except zlib.error:
        raise bad("the share link is damaged (not a compressed problem): copy the whole link again") from None
    if len(data) > MAX_UPLOAD_BYTES or inflater.unconsumed_tail:
        raise bad(f"the share link expands beyond {MAX_UPLOAD_BYTES:,} bytes")
    if not inflater.eof:
        raise bad("the share link is cut short: copy the whole link again")
    return load_spec(data)


def targets_from_csv(data: bytes, outputs: int, samples: int) -> tuple[list[list[str]], str | None]:
    """CSV rows -> target rows as text (each cell later read by the cell parser).

    A row of `outputs` cells is taken as written; a row of one whole number c (0 <= c < outputs) is the class
    index, turned into the one-hot row with 1 at position c (the returned note says so).
    """
    def bad(where: str, msg: str) -> SpecError:
        return SpecError([Problem(where, msg)])

    if len(data) > MAX_UPLOAD_BYTES:
        raise bad("targets.csv", f"{len(data):,} bytes is over the {MAX_UPLOAD_BYTES:,}-byte limit")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise bad(f"targets.csv line {line}", f"not UTF-8 text (byte 0x{data[e.start]:02x} at byte {e.start + 1:,}): "
                                              f"save the targets as a UTF-8 CSV file") from None
    if "\x00" in text:
        at = text.index("\x00")
        line = text.count("\n", 0, at) + 1
        col = text.count(",", text.rfind("\n", 0, at) + 1, at) + 1
        raise bad(f"targets.csv line {line}, column {col}", "contains a NUL byte (\\0): this is not a text CSV file "
                                                            "(save the targets as CSV text)")
    sep = _separator(text)
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        rows = [[c.strip() for c in r] for r in reader if any(c.strip() for c in r)]
    except csv.Error as e:
        why, where = str(e), f"targets.csv line {reader.line_num}"
        if "field larger than field limit" in why:
            limit = csv.field_size_limit()
            why = f"a field is longer than {limit // 1024:,} KB (an unclosed quote, or not a targets file?)"
            lines = text.splitlines()
            cells = lines[reader.line_num - 1].split(sep) if 0 < reader.line_num <= len(lines) else []
            col = next((k for k, c in enumerate(cells, 1) if len(c) > limit), None)
            where += f", column {col}" if col else ""
        raise bad(where, f"cannot be read as CSV: {why}") from None
    notes = []
    if rows and not any(_is_number(c) for c in rows[0]):
        shown = ", ".join(rows[0])
        notes.append(f"row 1 ({shown if len(shown) <= 60 else shown[:57] + '...'}) was read as a header: none of "
                     f"its cells is a number")
        rows = rows[1:]
    if len(rows) != samples:
        raise bad("targets.csv", f"{len(rows)} rows, but the problem has {samples} sample(s): one row per sample")
    out, converted = [], 0
    for s, r in enumerate(rows):
        if len(r) == outputs and outputs > 1 or (outputs == 1 and len(r) == 1):
            out.append(r)
        elif len(r) == 1:
            if not re.fullmatch(r"[0-9]{1,6}", r[0]) or int(r[0]) >= outputs:
                shown = r[0] if len(r[0]) <= 40 else f"{r[0][:20]}...{r[0][-12:]}"
                raise bad(f"targets.csv row {s + 1}", f"{shown!r} is not a class index from 0 to {outputs - 1}")
            out.append(["1" if k == int(r[0]) else "0" for k in range(outputs)])
            converted += 1
        else:
            raise bad(f"targets.csv row {s + 1}", f"{len(r)} values; give {outputs} (one per output) or one class "
                                                  f"index from 0 to {outputs - 1}")
    if converted:
        notes.append(f"{converted} class index row(s) converted to one-hot rows (index c -> 1 in column c, "
                     f"counting from 0)")
    return out, ("; ".join(notes) or None)


def _separator(text: str) -> str:
    """The CSV's separator: a semicolon or a tab when the text has one (as spreadsheets in many locales write),
    else a comma."""
    for sep in (";", "\t"):
        if sep in text:
            return sep
    return ","


def _is_number(cell: str) -> bool:
    """The cell reads as a number through the safe parser (calc.parse), as the grid's cells do, or looks like one
    (a digit after an optional sign: 5,000 nines are a number too big to use, not a header)."""
    from calc.parse.errors import ParseError
    from calc.parse.text import parse_number
    if re.match(r"\s*[-+\u2212]?\.?\d", cell):
        return True
    try:
        parse_number(cell)
    except (ParseError, ValueError, ArithmeticError):
        return False
    return True
