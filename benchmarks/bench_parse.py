"""Speed of calc.parse.text against Python's float() in the same run (a printed table, not a timed test).

    python benchmarks/bench_parse.py

Median microseconds per call over repeated batches. The random-text rows feed the parser the kind of
text the property test draws (random characters and random grammar tokens), refusals included.
"""
from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from calc.parse.text import ParseError, parse_expression, parse_number  # noqa: E402

TOKENS = ["theta", "e", "pi", "sqrt(", "exp(", "log(", "abs(", "sin(", "(", ")", "+", "-", "*", "/", "^", "**",
          "0.5", "1e3", "9", "1/3", " ", "50", "2theta", "x", ".", "1_0", "0x1", "\u2212"]
ALPHABET = "0123456789.eE+-*/^() ,_x\u03b8\u00bd\u2212\u00a0thetasqrtlog"


def median_us(fn, args: list, repeat: int = 7) -> float:
    """Median over `repeat` batches of the mean time per call, in microseconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for a in args:
            fn(a)
        times.append((time.perf_counter() - t0) / len(args) * 1e6)
    return statistics.median(times)


def quiet(fn):
    def call(text):
        try:
            fn(text)
        except ParseError:
            pass
    return call


def main() -> None:
    rng = random.Random(1)
    decimals = [f"{rng.uniform(-10, 10):.{rng.randint(1, 9)}f}" for _ in range(2000)]
    parse_expression("theta")  # import SymPy once, outside the timing (warm, as in the app)
    rand_chars = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40))) for _ in range(300)]
    rand_tokens = ["".join(rng.choice(TOKENS) for _ in range(rng.randint(0, 14))) for _ in range(300)]
    rows = [
        ("float() on plain decimals (baseline)", median_us(float, decimals)),
        ("parse_number on plain decimals", median_us(parse_number, decimals)),
        ("parse_number('\u22120.5') (normalised)", median_us(parse_number, ["\u22120.5"] * 500)),
        ("parse_number('1/3') (SymPy path)", median_us(parse_number, ["1/3"] * 200)),
        ("parse_number('e^-2')", median_us(parse_number, ["e^-2"] * 200)),
        ("parse_expression('theta^2 - 3*theta')", median_us(parse_expression, ["theta^2 - 3*theta"] * 200)),
        ("parse_expression('log(1 + exp(theta))')", median_us(parse_expression, ["log(1 + exp(theta))"] * 200)),
        ("parse_expression('((theta+1)**50+1)**50')", median_us(parse_expression, ["((theta+1)**50+1)**50"] * 100)),
        ("random characters -> parse_expression", median_us(quiet(parse_expression), rand_chars, 3)),
        ("random tokens -> parse_expression", median_us(quiet(parse_expression), rand_tokens, 3)),
        ("random tokens -> parse_number", median_us(quiet(parse_number), rand_tokens, 3)),
    ]
    base = rows[0][1]
    width = max(len(r[0]) for r in rows)
    print(f"| {'case':<{width}} | median us/call | x float() |")
    print(f"|{'-' * (width + 2)}|---------------:|----------:|")
    for name, us in rows:
        print(f"| {name:<{width}} | {us:14.2f} | {us / base:9.1f} |")


if __name__ == "__main__":
    main()
