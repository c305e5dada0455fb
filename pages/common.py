"""Shared state and widgets for every page: the loaded problem, cached solves, messages, number formats.

State (st.session_state, per user): `spec` (the last good, validated Spec), `spec_json` (its canonical JSON,
the cache key of every computation), `version` (bumped when a new problem is loaded, so editors start fresh),
`notation` and `digits` (the display choices, kept across pages), `known_p` (digests of the links this session wrote
or loaded: never loaded again), `url_token` (the address's token, see sync_url).
Every change goes through calc.problem.spec.spec_from_dict; a refused change shows located messages and keeps `spec`.
"""
from __future__ import annotations

import json
import re
import threading
import weakref

import streamlit as st

from calc import tasks
from calc.jobs import budget, door
from calc.jobs.budget import BudgetError
from calc.jobs.cache import RESULTS, BoundedCache
from calc.jobs.pool import JobFailed
from calc.worked import notation as nt
from calc.problem import share
from calc.presets import load_preset, preset_names
from calc.problem.spec import MAX_UPLOAD_BYTES, Problem, Spec, SpecError, load_spec, parse_json_text, spec_from_dict

DEFAULT_PRESET = "mazur"
NOTATION_NAMES = {"mazur": "Mazur (net/out, w1..w8)", "layer": "Layer-indexed (z, a, delta)",
                  "hagan": "Hagan (n, a, s sensitivities)"}
SS = st.session_state


# ---- the loaded problem -----------------------------------------------------------------------
def canonical(spec: Spec) -> str:
    """The problem as canonical JSON text (numbers as written): the key of every cached computation."""
    return json.dumps(spec.to_dict(), sort_keys=True, ensure_ascii=False)


def set_problem(spec: Spec, new: bool = True) -> None:
    """Make `spec` the current problem; `new` = a different problem (editors and pickers start afresh).
    The address (?p=...) follows at once, so a reload or a bookmark brings this problem back."""
    SS["spec"] = spec
    SS["spec_json"] = canonical(spec)
    if new:
        SS["version"] = SS.get("version", 0) + 1
        SS["problem_source"] = SS.get("pending_source", "")
        SS["preset_loaded"] = SS.pop("pending_preset", None)
    sync_url()


def sync_url() -> None:
    """Put the current problem in the address as ?p=<share.encode(spec)> when the address differs: after every
    change, and on every run of the router (st.navigation drops the query string when the page is switched).

    The token is computed once per problem (kept with its canonical JSON). A problem too large for a link keeps
    the last good token in the address; the sidebar says so once (SS["url_warning"]) and then in a caption.
    The token is remembered (known_link), so init_state never reloads a problem this session wrote."""
    spec_json = SS.get("spec_json")
    if spec_json is None:
        return
    if SS.get("url_for") != spec_json:
        SS["url_for"] = spec_json
        try:
            SS["url_token"] = share.encode(SS["spec"])
            SS["url_too_large"] = False
        except share.LinkTooLarge as e:
            if not SS.get("url_too_large"):
                SS["url_warning"] = str(e)
            SS["url_too_large"] = True
    token = SS.get("url_token")
    if token:
        remember_link(token)
        if st.query_params.get(share.PARAM) != token:
            st.query_params[share.PARAM] = token


def _link_digest(token: str) -> str:
    import hashlib
    return hashlib.blake2b(token.encode("utf-8", "replace"), digest_size=16).hexdigest()


def known_link(token: str) -> bool:
    """The token was written (or loaded) by this session. A rerun may carry an address a step behind the one the
    server just wrote (the browser had not applied it yet): such a token is never loaded again, which would undo
    the edits made since. A link from elsewhere arrives with a new session (a page load), so it is never known."""
    return _link_digest(token) in SS.get("known_p", ())


def remember_link(token: str, keep: int = 256) -> None:
    known = SS.setdefault("known_p", [])
    d = _link_digest(token)
    if d not in known:
        known.append(d)
        del known[:-keep]


def harden_server() -> None:
    """Refuse Streamlit's clear_cache message: any websocket client may send it, and it would empty the caches that
    every user of this server process shares. (Heavy results live in calc.jobs.cache, which it never touches.)"""
    from streamlit.runtime.app_session import AppSession
    if getattr(AppSession._handle_clear_cache_request, "refused", False):
        return

    def refuse_clear_cache(self) -> None:
        import logging
        logging.getLogger("backprop").warning("a client asked to clear the shared caches: refused")

    refuse_clear_cache.refused = True
    AppSession._handle_clear_cache_request = refuse_clear_cache
    tune_gc()


def tune_gc() -> None:
    """Once per server process: what is loaded by the first run (Streamlit, NumPy, pandas, SymPy, calc) is moved out
    of the collector's reach (gc.freeze), and the youngest generation is collected every 20,000 allocations
    instead of 700. With 150 sessions in a process, each full collection walked every session's state; a rerun
    allocates thousands of short-lived objects (benchmarks/load_class.py). Reference counting still frees
    everything that is not in a cycle at once. BACKPROP_GC_TUNE=0 leaves Python's defaults (to measure the difference)."""
    import gc
    import os
    if os.environ.get("BACKPROP_GC_TUNE", "1") == "0":
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def init_state() -> None:
    """Load Mazur's example on first run, or the problem in ?p=... when the link carries a new one."""
    harden_server()
    token = st.query_params.get(share.PARAM)
    if token and not known_link(token):
        remember_link(token)
        try:
            spec = share.decode(token)
        except SpecError as e:
            SS["flash"] = ("The share link could not be loaded; " + ("the current problem is kept:" if "spec" in SS
                           else "Mazur's example is shown instead:"), [str(p) for p in e.problems])
        else:
            SS["pending_source"] = "share link"
            set_problem(spec)
    if "spec" not in SS:
        SS["pending_source"] = "example: " + DEFAULT_PRESET
        SS["pending_preset"] = DEFAULT_PRESET
        set_problem(load_preset(DEFAULT_PRESET))
    sync_url()


def current() -> Spec:
    if "spec" not in SS:      # a page run without the router (Streamlit's pages/-folder mode on a first visit)
        _leave_pages_folder_mode()
        init_state()
    return SS["spec"]


def _leave_pages_folder_mode() -> None:
    """Streamlit runs a page directly (old pages/-folder mode) until st.navigation has been called once in the
    process: switch that mode off and rerun, so the router (streamlit_app.py) runs from now on."""
    from streamlit.runtime.pages_manager import PagesManager
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def current_json() -> str:
    current()
    return SS["spec_json"]


def problem_dict() -> dict:
    """The current problem as a JSON-contract dict (a fresh copy to edit)."""
    return json.loads(current_json())


def try_apply(d: dict, intro: str = "Not applied; the last good problem is kept. Fix:") -> Spec | None:
    """Validate `d` with calc.problem.spec; on success it becomes the current problem, else located errors are shown."""
    try:
        spec = spec_from_dict(d)
    except SpecError as e:
        show_problems(e.problems, intro)
        return None
    if canonical(spec) != SS["spec_json"]:
        set_problem(spec, new=False)
    return spec


def load_preset_into_state(preset_id: str) -> None:
    SS["pending_source"] = "example: " + preset_id
    SS["pending_preset"] = preset_id
    set_problem(load_preset(preset_id))


def preset_shown() -> str | None:
    """The example the current problem is, unchanged (what the example picker shows), else None."""
    pid = SS.get("preset_loaded")
    if pid and "spec" in SS and SS["spec_json"] == RESULTS.get_or(("preset-json", pid),
                                                                  lambda: canonical(load_preset(pid))):
        return pid
    return None


def handle_upload(data: bytes, show: bool = True) -> list[Problem]:
    """Uploaded bytes -> the current problem ([]), or its located problems, the current problem untouched."""
    try:
        if len(data) > MAX_UPLOAD_BYTES:
            raise SpecError([Problem("file", f"{len(data):,} bytes is over the {MAX_UPLOAD_BYTES:,}-byte limit")])
        spec = load_spec(bytes(data))
    except SpecError as e:
        if show:
            show_problems(e.problems, "Upload refused; the current problem is kept:")
        return list(e.problems)
    SS["pending_source"] = "uploaded file"
    set_problem(spec)
    return []


# ---- messages (user text only inside code spans: never rendered as Markdown, LaTeX or HTML) ----------
def code_span(text: str) -> str:
    """`text` as a Markdown code span (literal: no links, emphasis, math or HTML inside)."""
    text = re.sub(r"\s+", " ", str(text))
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def show_problems(problems, intro: str) -> None:
    lines = "\n".join(f"- {code_span(str(p))}" for p in problems)
    st.error(f"{intro}\n\n{lines}", icon=":material/error:")


def show_warnings(problems, intro: str = "Warnings:") -> None:
    if problems:
        lines = "\n".join(f"- {code_span(str(p))}" for p in problems)
        st.warning(f"{intro}\n\n{lines}", icon=":material/warning:")


def show_flash() -> None:
    """A message left by init_state (e.g. a broken share link), shown once."""
    flash = SS.pop("flash", None)
    if flash:
        show_problems(flash[1], flash[0])


# ---- shared display choices ---------------------------------------------------------------------
def notation_picker(spec: Spec, key: str) -> str:
    """Notation selectbox; the choice is kept across pages in SS['notation']."""
    opts = nt.available(spec)
    cur = SS.get("notation")
    if cur not in opts:
        cur = nt.default_notation(spec)
    choice = st.selectbox("Notation", opts, index=opts.index(cur), format_func=NOTATION_NAMES.get, key=key,
                          help="A notation only renames; every number stays the same.")
    SS["notation"] = choice
    return choice


def notation_name(spec: Spec) -> str:
    cur = SS.get("notation")
    return cur if cur in nt.available(spec) else nt.default_notation(spec)


def digits_picker(key: str) -> int:
    d = st.number_input("Digits shown", min_value=3, max_value=17, value=int(SS.get("digits", 9)), step=1, key=key,
                        help="Significant digits; everything is computed in float64 and rounded only for display.")
    SS["digits"] = int(d)
    return int(d)


def display_controls(spec: Spec, page: str):
    """The row of display choices every solution page starts with: (digits, notation, the free third column)."""
    c = st.columns([1, 2, 2])
    with c[0]:
        digits = digits_picker(f"digits_{page}")
    with c[1]:
        notation = notation_picker(spec, f"notation_{page}")
    return digits, notation, c[2]


def num_col(digits: int, label: str | None = None, help: str | None = None):
    return st.column_config.NumberColumn(label, format=f"%.{digits}g", help=help)


# ---- charts: plain Vega-Lite specs (building and validating an Altair chart cost 10-30 ms of CPU a rerun) -------
def vega_spec(layers: list[dict], **data) -> dict:
    """A Vega-Lite spec of `layers` (one: a single view); each layer's "data" names one of the `data` DataFrames.
    Each DataFrame becomes a dataset named by its content (as Altair names them), so the browser redraws a chart
    only when its data changes. Build it once per chart and keep it: st.vega_lite_chart never changes it."""
    names = {k: f"{k}-{_digest(df)}" for k, df in data.items()}
    views = [{**layer, "data": {"name": names[layer["data"]]}} for layer in layers]
    spec = {"datasets": {names[k]: frame(df) for k, df in data.items()}}
    if len(views) == 1:
        spec.update(views[0])
    else:
        spec["layer"] = views
    return spec


def _digest(df) -> str:
    import hashlib
    import pandas as pd
    h = hashlib.md5(repr(list(df.columns)).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


def vega_chart(spec: dict) -> None:
    st.vega_lite_chart(spec=spec, width="stretch")


_DERIVED: dict[int, tuple[weakref.ref, dict]] = {}      # id(result) -> (a weak reference to it, what was derived)
_DERIVED_LOCK = threading.RLock()                       # reentrant: a weak reference's callback may run inside


def derived(result, name, make):
    """make(), kept with `result` (a cached result: a Solution view, a training run) for as long as it is cached:
    what a page derives from it (tables, chart specs) is built once, not on every rerun of every user."""
    rid = id(result)
    with _DERIVED_LOCK:
        entry = _DERIVED.get(rid)
        if entry is None or entry[0]() is not result:
            entry = _DERIVED[rid] = (weakref.ref(result, lambda ref, rid=rid: _forget(rid, ref)), {})
        kept = entry[1]
        if name in kept:
            return kept[name]
    value = make()
    with _DERIVED_LOCK:
        return kept.setdefault(name, value)


def _forget(rid: int, ref: weakref.ref) -> None:
    with _DERIVED_LOCK:
        if _DERIVED.get(rid, (None,))[0] is ref:
            del _DERIVED[rid]


def frame(rows):
    """Rows (dicts) or a DataFrame, ready for st.dataframe: the Arrow table st.dataframe would make of it
    (pyarrow's from_pandas, as Streamlit does; drawing it again is then only its serialisation), the DataFrame
    itself if Arrow refuses it (Streamlit then fixes its columns), or None for no rows."""
    import pandas as pd
    import pyarrow as pa
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows) if rows else None
    if df is None:
        return None
    try:
        return pa.Table.from_pandas(df)
    except (pa.ArrowTypeError, pa.ArrowInvalid, pa.ArrowNotImplementedError, OverflowError):
        return df


def columns_of(data) -> list[str]:
    return list(data.column_names if hasattr(data, "column_names") else data.columns)


PAGE_CACHE = BoundedCache(max_bytes=64 * 1024 * 1024, max_entries=4096)   # cheap to rebuild: apart from RESULTS


def memo(key, make):
    """make(), kept per server process under `key` (a tuple naming everything it depends on) in a bounded cache of
    its own (so that these cheap things never push a solve or a training run out of RESULTS): for what a page draws
    the same on every rerun (a grid's DataFrame, an activation's chart)."""
    return PAGE_CACHE.get_or(tuple(key), make)


# ---- computations through the engine's door (calc.jobs): estimated, refused over budget, or run in a killable
# worker with a progress bar; results cached per server process, bounded in bytes and entries ----------------------
def spec_of(spec_json: str) -> Spec:
    """The validated problem of a canonical JSON text (validated once per server process, then cached)."""
    return RESULTS.get_or(("spec", spec_json), lambda: spec_from_dict(parse_json_text(spec_json, limit=None)))


def job(est, task, *args, key=None, label: str = "Working"):
    """task(*args) through the door: a refusal or a failure is shown as an st.error and gives None. Leaving the
    page or changing the input stops the script here, which cancels the job (its process is killed)."""
    progress = progress_bar(label, est)
    try:
        return door.run(est, task, *args, key=key, progress=progress)
    except BudgetError as e:
        st.error(f"Not computed: {e}", icon=":material/block:")
    except JobFailed as e:
        st.error(f"{label} was {e}" if str(e) == "cancelled" else f"{label} failed: {e}", icon=":material/error:")
    except SpecError as e:
        show_problems(e.problems, "This problem cannot be solved:")
    finally:
        progress.done()
    return None


def progress_bar(label: str, est=None):
    """A progress callback for calc.jobs.door.run: one st.progress, created on the first call; .done() removes it."""
    slot = {}

    def progress(fraction: float, spent: float) -> None:
        if "bar" not in slot:
            slot["bar"] = st.progress(0.0)
        guess = "" if est is None else f" (estimated {est.seconds:.0f} s)"
        slot["bar"].progress(fraction, text=f"{label}: {spent:.0f} s{guess}")

    progress.done = lambda: slot["bar"].empty() if "bar" in slot else None
    return progress


def solved(spec_json: str, notation: str | None, digits: int):
    """The worked solution printed in `notation` to `digits`, or None after an st.error saying why not. One solve
    per problem (cached); each notation and number of digits is a view of its steps (Solution.view: no re-solve)."""
    from calc.worked.solve import estimated_steps, over_caps
    spec = spec_of(spec_json)
    shown = 0 if over_caps(spec) else estimated_steps(spec)
    key = ("solve", spec_json)
    base = job(budget.solve(spec, shown), tasks.solve, spec_json, None, 9, key=key, label="Solving")
    if base is None:
        return None
    kept = base.views_kept
    sol = base.view(notation=notation, digits=digits)
    if base.views_kept != kept:     # a new view hangs off the cached solution: count its bytes in the cache's bound
        RESULTS.put(key, base)
    return sol


def central(spec_json: str):
    return job(budget.central(spec_of(spec_json)), tasks.central, spec_json, key=("central", spec_json),
               label="Central differences")


def trained(spec_json: str, steps: int, batch_size: int | None, shuffle_seed: int | None, keep: tuple[int, ...]):
    est = budget.train(spec_of(spec_json), steps, batch_size)
    return job(est, tasks.train, spec_json, steps, batch_size, shuffle_seed, tuple(keep),
               key=("train", spec_json, steps, batch_size, shuffle_seed, tuple(keep)), label="Training")


def solve_current(notation: str | None = None, digits: int = 9):
    """The worked solution of the current problem, or None after showing why it cannot be solved."""
    return solved(current_json(), notation, digits)


# ---- the shared sidebar -----------------------------------------------------------------------------
def sidebar_text(spec: Spec) -> tuple[str, str, str | None]:
    """What the sidebar shows of the loaded problem: its name, a one-line summary, where it came from."""
    acts = " / ".join(layer.activation for layer in spec.layers)
    summary = (f"{'-'.join(map(str, spec.sizes))} network · {acts} · {spec.loss} · "
               f"{spec.n_samples} sample{'s' if spec.n_samples > 1 else ''} · eta {spec.learning_rate:g}")
    source = SS.get("problem_source")
    return spec.name or "(unnamed problem)", summary, "From " + code_span(source) if source else None


def header_of(spec: Spec) -> tuple:
    """Everything drawn outside a page's own part that depends on the problem (the sidebar, the notations
    offered): a page part run as an st.fragment reruns the whole app when an edit changed it."""
    return (SS.get("version"), sidebar_text(spec), tuple(nt.available(spec)), notation_name(spec),
            bool(SS.get("url_too_large")))


def sidebar():
    """The sidebar's place (returned): the router fills it with sidebar_fill() after the page has run, so an
    upload, an edit or a build made by this run shows at once (not one rerun late)."""
    __import__("pages.render").render.page_style()      # phone layout and themes (pages/render.py): every page
    return st.sidebar.container()


def sidebar_fill(slot) -> None:
    """Which problem is loaded (name as plain text, shape, eta, where from); whether the address holds it."""
    if "spec" not in SS:
        return
    name, summary, source = sidebar_text(SS["spec"])
    with slot:
        st.caption("Loaded problem")
        st.text(name)
        st.caption(summary)
        if source:
            st.caption(source)
        warning = SS.pop("url_warning", None)
        if warning:
            st.warning("Not put in the address: " + warning, icon=":material/link_off:")
        elif SS.get("url_too_large"):
            st.caption("The address keeps the last problem that fitted in a link (this one is too large).")


_PRESET_NAMES: dict[str, str] = {}


def preset_options() -> dict[str, str]:
    """{preset id: name}, read from the preset files once per server process (they ship with the app)."""
    if not _PRESET_NAMES:
        _PRESET_NAMES.update(preset_names())
    return dict(_PRESET_NAMES)


def fmt_value(v, digits: int | None = None) -> str:
    """A number for metrics and captions: `digits` significant digits (plain text, never LaTeX)."""
    if v is None:
        return "saturated"
    return f"{float(v):.{digits or SS.get('digits', 9)}g}"
