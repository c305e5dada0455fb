"""The jobs a worker of calc.jobs runs (the app's heavy computations): module-level functions of the problem's canonical JSON (picklable in, picklable out)."""
from __future__ import annotations

from calc.problem.spec import parse_json_text, spec_from_dict


def load_spec(spec_json: str):
    """The project's own canonical JSON (no upload size cap)."""
    return spec_from_dict(parse_json_text(spec_json, limit=None))


def solve(spec_json: str, notation: str | None, digits: int):
    from calc.worked.solve import solve as _solve
    return _solve(load_spec(spec_json), notation=notation, digits=digits)


def central(spec_json: str):
    from calc.engine.gradcheck import central_differences
    return central_differences(load_spec(spec_json))


def train(spec_json: str, steps: int, batch_size: int | None, shuffle_seed: int | None, keep: tuple[int, ...]):
    from calc.train.loop import train as _train
    return _train(load_spec(spec_json), steps, batch_size=batch_size, shuffle_seed=shuffle_seed, keep=set(keep))


def worked(spec_json: str, notation: str | None, digits: int):
    """Formulas, LaTeX and exact values of every step (calc.symbolic.formulas.worked) with the solution."""
    from calc.symbolic import formulas
    sol = solve(spec_json, notation, min(digits, 17))
    return sol, formulas.worked(sol, digits)


def expanded(spec_json: str, param_id: str, digits: int):
    from calc.symbolic.expanded import check_expanded, expanded_gradient
    spec = load_spec(spec_json)
    g, tex = expanded_gradient(spec, param_id)
    return tex, check_expanded(spec, param_id, digits)


def documents(spec_json: str, notation: str | None, digits: int, opts) -> dict[str, str]:
    """{format: text} of every export format for one set of options."""
    from calc.export import FORMATS, export
    sol = solve(spec_json, notation, min(digits, 17))
    return {fmt: export(sol, fmt, opts) for fmt in FORMATS}


def fit_chunk(table, opts, source: str, e0: int, e1: int, state):
    """Epochs e0+1..e1 of that run from `state` (the parameters after e0 epochs; None at e0 = 0): a
    calc.train.fit.Chunk. The Data page trains chunk by chunk and draws the curves after each."""
    from calc.train.fit import prepare, run_epochs
    return run_epochs(prepare(table, opts, source), state, e0, e1)


def fit_update(table, opts, source: str, k: int) -> str:
    """The problem of update k of that run (its mini-batch, the parameters after k - 1 updates) as canonical JSON
    (what the pages solve: pages.common.canonical)."""
    import json

    from calc.train.fit import prepare, update_spec
    spec = update_spec(prepare(table, opts, source), k)
    return json.dumps(spec.to_dict(), sort_keys=True, ensure_ascii=False)


def check_class(spec_json: str, data: bytes, notation: str | None):
    """The class report of an ANSWERS.csv against the problem (calc.check.klass)."""
    from calc.check.klass import check_class as _check_class
    return _check_class(load_spec(spec_json), data, notation=notation)


def class_set_zip(arch, acts, loss: str, seed: int, n: int, fmt: str, opts=None) -> bytes:
    """A class set of generated exercises (seeds seed..seed+n-1) as one file's bytes: for a document format a zip
    of worksheets, answer keys and problems (calc.export.cli.class_set); for a quiz format (calc.export.QUIZZES)
    one quiz with a category (QTI: an assessment) per seed (calc.export.lms.class_set), as `export --variants N`
    writes them. `opts` (calc.export.document.Options) carries the number format, rounding and deck; a notation
    this architecture does not have is left to the exercise's default."""
    from dataclasses import replace

    from calc.export import QUIZZES
    from calc.export import generate as gen
    from calc.export.cli import class_set, zip_bytes
    from calc.export.document import Options
    from calc.worked import notation as nt
    opts = opts or Options()
    specs = gen.variants(arch, acts, loss, seed, n)
    if opts.notation and specs and opts.notation not in nt.available(specs[0][1]):
        opts = replace(opts, notation=None)
    if fmt in QUIZZES:
        from calc.export import lms
        data = lms.class_set(specs, fmt, opts)
        return data if isinstance(data, bytes) else data.encode("utf-8")
    return zip_bytes(class_set(specs, fmt, opts))
