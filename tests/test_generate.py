"""Exercise generator and the export CLI: same seed same exercise, different seeds different ones, and every
draw is fair, checked independently (plain numpy forward pass, central differences for the gradients)."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from calc.export import generate as gen
from calc.export.cli import main
from calc.engine.gradcheck import central_differences

CASES = [("2-2-2", "sigmoid,sigmoid", "half_sse"), ("3-4-3", "relu,softmax", "cce"), ("2-3-1", "tanh,sigmoid", "bce")]


@pytest.mark.parametrize("arch,acts,loss", CASES)
def test_same_seed_same_exercise_different_seeds_differ(arch, acts, loss):
    a, b = gen.generate(arch, acts, loss, seed=3), gen.generate(arch, acts, loss, seed=3)
    assert a.to_json() == b.to_json()
    jsons = {s.to_json() for _, s in gen.variants(arch, acts, loss, seed=3, n=6)}
    assert len(jsons) == 6


@pytest.mark.parametrize("arch,acts,loss", CASES)
def test_draws_are_fair(arch, acts, loss):
    for seed in range(4):
        spec = gen.generate(arch, acts, loss, seed=seed)
        raw = json.loads(spec.to_json())
        nums = raw["inputs"] + [w for l in raw["layers"] for row in l["weights"] for w in row]
        assert all(abs(round(float(v) * 100) - float(v) * 100) < 1e-9 for v in nums)   # 1 or 2 decimals
        a = np.asarray(raw["inputs"], float).reshape(1, -1)
        for l in raw["layers"]:                    # independent forward pass from the JSON
            z = a @ np.asarray(l["weights"], float) + float(l.get("biases") or 0.0)
            if l["activation"] in ("sigmoid", "tanh"):
                assert np.all(np.abs(z) <= 3.0)    # not saturated
            a = {"sigmoid": lambda x: 1 / (1 + np.exp(-x)), "tanh": np.tanh, "relu": lambda x: np.maximum(x, 0),
                 "softmax": lambda x: np.exp(x) / np.exp(x).sum()}[l["activation"]](z)
            assert len(set(np.round(a.ravel(), 3))) == a.size              # no ties
        gw, _ = central_differences(spec)
        for g in gw:
            assert np.all(np.abs(g) >= 5e-5)                              # no zero gradient
            flat = np.sort(np.abs(g).ravel())
            assert np.all(np.diff(flat) > 0)


def test_bad_options():
    for kw, field in [(dict(sizes="2-x-2"), "architecture"), (dict(activations="nope"), "activations"),
                      (dict(activations="sigmoid,sigmoid,sigmoid"), "activations"), (dict(loss="l3"), "loss"),
                      (dict(seed=-1), "seed"), (dict(decimals=3), "decimals")]:
        args = dict(sizes="2-2-2", activations="sigmoid", loss="half_sse", seed=1) | kw
        with pytest.raises(ValueError, match=field):
            gen.generate(**args)


def test_cli_single_document(tmp_path, capsys):
    out = tmp_path / "m.csv"
    assert main(["calc/presets/mazur.json", "--format", "csv", "-o", str(out)]) == 0
    assert out.read_text().startswith("id,label,kind,formula,substituted,value")
    assert main(["calc/presets/mazur.json", "--format", "markdown", "--steps", "w5,w1", "--digits", "5"]) == 0
    assert "0.75137" in capsys.readouterr().out


def test_cli_generate_prints_seed(capsys):
    assert main(["--generate", "2-2-2", "--activations", "sigmoid,sigmoid", "--loss", "half_sse", "--seed", "7",
                 "--format", "latex", "--worksheet"]) == 0
    assert r"Seed 7" in capsys.readouterr().out


def test_cli_variants_folder_and_zip(tmp_path):
    d = tmp_path / "cls"
    assert main(["--generate", "2-2-2", "--seed", "5", "--variants", "3", "--format", "latex", "-o", str(d)]) == 0
    names = sorted(p.name for p in d.iterdir())
    assert names == sorted(f"exercise_seed{s}{x}" for s in (5, 6, 7) for x in (".tex", "_key.tex", ".json"))
    assert "Seed 6" in (d / "exercise_seed6.tex").read_text()
    z = tmp_path / "cls.zip"
    assert main(["calc/presets/mazur.json", "--variants", "2", "--format", "notebook", "-o", str(z)]) == 0
    assert len(zipfile.ZipFile(z).namelist()) == 6


@pytest.mark.parametrize("argv", [
    ["calc/presets/mazur.json", "--format", "pdf"],
    ["calc/presets/mazur.json", "--digits", "0"],
    ["calc/presets/mazur.json", "--steps", "w99"],
    ["calc/presets/three_layer_softmax.json", "--notation", "mazur"],
    ["--generate", "2-2-2", "--activations", "bogus"],
    ["--generate", "2-2-2", "--variants", "3"],                  # no -o
    [],                                                          # neither SPEC nor --generate
    ["/nonexistent.json"],
])
def test_cli_bad_options_exit_2(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.strip() and "Traceback" not in err
