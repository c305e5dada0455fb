"""Share links: compact JSON -> zlib -> base64url in one query parameter, validated on the way back."""
import base64
import json
import zlib

import numpy as np
import pytest

from calc.problem import share
from calc.presets import load_preset, preset_ids
from calc.problem.spec import SpecError, spec_from_dict


@pytest.mark.parametrize("pid", preset_ids())
def test_round_trip_keeps_every_number_as_written(pid):
    spec = load_preset(pid)
    token = share.encode(spec)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    back = share.decode(token)
    assert back.to_dict() == spec.to_dict()
    for a, b in zip(back.layers, spec.layers):
        np.testing.assert_array_equal(a.weights, b.weights)
    assert back.texts == spec.texts


def test_text_numbers_survive_the_link():
    d = load_preset("mazur").to_dict()
    d["layers"][0]["weights"][0][0] = "1/3"
    back = share.decode(share.encode(spec_from_dict(d)))
    assert back.layers[0].weights[0, 0] == pytest.approx(1 / 3, rel=1e-15)
    assert back.texts["w.l1.i1.u1"] == "1/3"


def test_too_large_for_a_link_says_so():
    rng = np.random.default_rng(0)
    w = [[f"{x:.17g}" for x in row] for row in rng.normal(size=(40, 40))]
    d = {"inputs": [f"{x:.17g}" for x in rng.normal(size=40)], "targets": [0.5] * 40,
         "layers": [{"weights": w, "activation": "sigmoid"}], "loss": "half_sse", "learning_rate": 0.5}
    with pytest.raises(share.LinkTooLarge, match="8,192"):
        share.encode(spec_from_dict(d))
    with pytest.raises(SpecError, match="limit"):
        share.decode("A" * (share.MAX_LINK_CHARS + 1))


@pytest.mark.parametrize("token, words", [
    ("", "no problem"), ("not base64 !!", "damaged"), ("AAAA", "damaged"),
    (base64.urlsafe_b64encode(zlib.compress(b"[1, 2]")).decode().rstrip("="), "expected a JSON object"),
    (base64.urlsafe_b64encode(zlib.compress(b'{"inputs": [NaN]}')).decode().rstrip("="), "not a finite"),
    (base64.urlsafe_b64encode(zlib.compress(b"{}" * 10)[:-4]).decode().rstrip("="), "cut short"),
])
def test_garbage_is_refused_with_a_message(token, words):
    with pytest.raises(SpecError) as e:
        share.decode(token)
    assert words in str(e.value)
    assert all(p.field for p in e.value.problems)


def test_a_decompression_bomb_is_refused():
    bomb = base64.urlsafe_b64encode(zlib.compress(b" " * 5_000_000, 9)).decode().rstrip("=")
    assert len(bomb) < share.MAX_LINK_CHARS
    with pytest.raises(SpecError, match="expands beyond"):
        share.decode(bomb)


def test_csv_class_indices_become_one_hot():
    rows, note = share.targets_from_csv(b"class\n2\n0\n1\n", outputs=3, samples=3)
    assert rows == [["0", "0", "1"], ["1", "0", "0"], ["0", "1", "0"]]
    assert "one-hot" in note
    rows, note = share.targets_from_csv(b"0.2,0.8\n", outputs=2, samples=1)
    assert rows == [["0.2", "0.8"]] and note is None
    with pytest.raises(SpecError, match="class index from 0 to 2"):
        share.targets_from_csv(b"3\n", outputs=3, samples=1)
    with pytest.raises(SpecError, match="2 rows"):
        share.targets_from_csv(b"1\n0\n", outputs=3, samples=1)


def test_encoded_json_is_compact():
    token = share.encode(load_preset("mazur"))
    raw = zlib.decompress(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))).decode()
    assert ", " not in raw.split('"name"')[0] and json.loads(raw)["learning_rate"] == 0.5
