"""Seeded fuzzing of every entry point that takes user input: mutated problems through the loader, the solver
and training; random answer files through `check`; random expressions through `descend`; hostile names
through every export format. The only acceptable outcomes are a result or a located refusal (SpecError,
exit 2 with nothing on stdout): never another exception, never NaN in JSON.
(FUZZ_N=4000 python -m pytest tests/test_fuzz.py runs a longer campaign.)"""
from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import random

import pytest

from calc.check import check
from calc.descent import descend
from calc.export import cli as export_cli
from calc.presets import preset_ids, preset_path
from calc.worked.solve import solve
from calc.problem.spec import SpecError, spec_from_dict
from calc.train.loop import train

N = int(os.environ.get("FUZZ_N", "300"))
VALUES = [None, True, False, 0, -1, 1e308, -1e308, 1e-320, "abc", "", "1/0", "nan", "1e309", [], [[]], {}, "0,5",
          "sqrt(-1)", "log(0)", "\u00bd", "\u22120.5", 3, 0.5, [1, 2], [[1, 2], [3]], "x" * 300, "2^60", "e^50",
          "1e-400", "relu", "softmax", "bce", "cce", "mean", "sequential", 10, "10", "e", 1e6, -5]
KEYS = ["loss", "log_base", "reduction", "update_order", "learning_rate", "update_biases", "alpha", "biases",
        "activation"]


def mutate(o, rng: random.Random):
    if isinstance(o, dict):
        o = dict(o)
        if o and rng.random() < 0.5:
            k = rng.choice(list(o))
            o[k] = mutate(o[k], rng)
        if o and rng.random() < 0.1:
            del o[rng.choice(list(o))]
        if rng.random() < 0.1:
            o[rng.choice(KEYS)] = rng.choice(VALUES)
        return o
    if isinstance(o, list):
        o = list(o)
        if o and rng.random() < 0.6:
            i = rng.randrange(len(o))
            o[i] = mutate(o[i], rng)
        elif o and rng.random() < 0.2:
            o.pop(rng.randrange(len(o)))
        elif rng.random() < 0.2:
            o.append(copy.deepcopy(rng.choice(o)) if o else 1)
        return o
    return rng.choice(VALUES) if rng.random() < 0.7 else o


def test_mutated_problems_solve_or_are_refused_with_located_messages():
    rng = random.Random(1)
    bases = [json.loads(preset_path(p).read_text()) for p in preset_ids()]
    solved = refused = 0
    for it in range(N):
        d = mutate(rng.choice(bases), rng)
        for _ in range(rng.randint(0, 3)):
            d = mutate(d, rng)
        try:
            spec = spec_from_dict(json.loads(json.dumps(d)))
            json.dumps(solve(spec).to_dict(), allow_nan=False)
            if it % 10 == 0:
                train(spec, 20)
            solved += 1
        except SpecError as e:
            assert e.problems and all(p.message for p in e.problems)
            refused += 1
    assert solved > N // 20 and refused > N // 4      # the campaign exercised both outcomes


def _run(main, argv) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        try:
            rc = main(argv)
        except SystemExit as e:
            rc = e.code
    return rc, out.getvalue()


ALPHABET = list("w5+=:0.3589-eE/()*^_ \n\t#abcdout_o1net_h1dE/dw1\u03b8\u03b4\u03b7\u2202\u00bd\u2212,;'\"\\{}[]$`<>|&") + \
    ["E_total", "train[10000].", "w1", "delta_o1", "1e999", "nan", "0x1", "__import__"]


def test_random_answer_files_never_crash_check(tmp_path):
    rng = random.Random(2)
    path = tmp_path / "answers.txt"
    codes = set()
    for _ in range(N // 3):
        path.write_text("".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 60))))
        rc, out = _run(check.main, [str(preset_path("mazur")), str(path)] + rng.choice([[], ["--format", "json"]]))
        assert rc in (0, 1, 2)
        if rc == 2:
            assert out == ""
        codes.add(rc)
    assert 2 in codes


def test_random_expressions_never_crash_descend():
    rng = random.Random(3)
    pieces = list("theta+-*/^()0123456789.e ,") + ["theta", "**", "\u03b8", "sqrt", "log", "exp", "abs"]
    for _ in range(N // 6):
        expr = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        rc, out = _run(descend.main, [expr, "--start", rng.choice(["-4", "0", "1e3", "abc"]), "--rate", "0.1",
                                      "--steps", rng.choice(["3", "0", "-1", "x"]), "--format", "json"])
        assert rc in (0, 1, 2)
        if rc == 2:
            assert out == ""
        else:
            assert set(json.loads(out)) == {"thetas", "values", "grads"}


@pytest.mark.parametrize("name", ["\\input{/etc/passwd}", "$(rm -rf ~)", "<script>alert(1)</script>",
                                  "%\\write18{ls}", "}{", "```", "=cmd|' /C calc'!A0"])
def test_hostile_names_export_in_every_format(tmp_path, name):
    d = json.loads(preset_path("mazur").read_text())
    d["name"] = name
    (tmp_path / "s.json").write_text(json.dumps(d))
    for fmt in ["markdown", "marp", "latex", "beamer", "notebook", "csv"]:
        rc, out = _run(export_cli.main, [str(tmp_path / "s.json"), "--format", fmt])
        assert rc == 0, fmt
        if fmt in ("latex", "beamer"):
            assert "\\input{/etc" not in out and "\\write18" not in out
