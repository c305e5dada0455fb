"""One browser tab's worth of Streamlit's own protocol, for the benchmarks that drive the app without a browser
(load_test.py, load_class.py, rerun_cpu.py): BackMsg rerun_script out (with one widget's new state, and the fragment
id of that widget's element when it sits in an st.fragment, as the browser sends it), ForwardMsgs in until
script_finished. It keeps what the last run showed: widget ids by user key, metrics, h1 titles, errors.

Edits are made as a person makes them on the Network page: a weight typed into its cell (pages/grid.py: one
st.text_input per cell, keyed by the JSON field, e.g. cell_w2_0_0_v1 = layers[1].weights[0][0], Mazur's w5).
"""
from __future__ import annotations

import asyncio
import time

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = {ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY"),
            ForwardMsg.ScriptFinishedStatus.Value("FINISHED_FRAGMENT_RUN_SUCCESSFULLY")}
EARLY = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")
COMPILE_ERROR = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_WITH_COMPILE_ERROR")


class AppError(RuntimeError):
    """The script did not run to its end (it did not compile, or the page was not found)."""


class Session:
    """A Streamlit session over an open websocket `ws`, on the page `page` (its url path; "" = the default)."""

    def __init__(self, ws, page: str = ""):
        self.ws = ws
        self.page = page
        self.page_hash = ""
        self.session_id = ""
        self.ids: dict[str, str] = {}           # user key -> widget id (kept across runs, as the browser keeps them)
        self.fragments: dict[str, str] = {}     # widget id -> the fragment id of its element
        self.metrics: list[str] = []            # the last run's metric values, in order
        self.titles: list[str] = []             # the last run's h1 headings
        self.bad: list[str] = []                # the last run's exceptions and st.error texts

    async def recv(self) -> ForwardMsg:
        fwd = ForwardMsg()
        fwd.ParseFromString(await self.ws.recv())
        if fwd.WhichOneof("type") == "new_session":
            self.session_id = fwd.new_session.initialize.session_id
        return fwd

    async def run(self, widget: WidgetState | None = None, timeout: float = 60.0) -> float:
        """rerun_script (with one widget's new state, or none) -> seconds until its script_finished (a run that
        calls st.rerun() is followed to the end of the run it asked for)."""
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_script_hash = self.page_hash
        msg.rerun_script.page_name = self.page
        if widget is not None:
            msg.rerun_script.widget_states.widgets.append(widget)
            frag = self.fragments.get(widget.id)
            if frag:
                msg.rerun_script.fragment_id = frag
        self.metrics, self.titles, self.bad = [], [], []
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        async with asyncio.timeout(timeout):
            while True:
                fwd = await self.recv()
                kind = fwd.WhichOneof("type")
                if kind == "navigation" and fwd.navigation.page_script_hash:
                    self.page_hash = fwd.navigation.page_script_hash
                elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                    self._element(fwd.delta.new_element, fwd.delta.fragment_id)
                elif kind == "page_not_found":
                    raise AppError(f"page {self.page!r} not found")
                elif kind == "script_finished":
                    if fwd.script_finished in FINISHED:
                        return time.perf_counter() - t0
                    if fwd.script_finished == EARLY:
                        continue
                    raise AppError(f"page {self.page!r}: the script finished with status {fwd.script_finished}")

    def _element(self, el, fragment_id: str) -> None:
        kind = el.WhichOneof("type")
        body = getattr(el, kind)
        wid = getattr(body, "id", "") if hasattr(body, "id") else ""
        if wid:
            self.ids[wid.rsplit("-", 1)[-1]] = wid
            if fragment_id:
                self.fragments[wid] = fragment_id
            else:
                self.fragments.pop(wid, None)
        if kind == "metric":
            self.metrics.append(body.body)
        elif kind == "heading" and body.tag == "h1":
            self.titles.append(body.body)
        if kind == "exception":
            self.bad.append(body.message)
        elif kind == "alert" and body.format == body.ERROR:
            self.bad.append(body.body)

    def widget(self, key_prefix: str) -> str:
        """The id of the widget whose user key starts with `key_prefix` (the newest one, for versioned keys)."""
        keys = [k for k in self.ids if k.startswith(key_prefix)]
        if not keys:
            raise AppError(f"the page shows no widget keyed {key_prefix}...")
        return self.ids[max(keys, key=lambda k: (len(k), k))]


def cell_edit(s: Session, text: str, grid: str = "w2", i: int = 0, j: int = 0) -> WidgetState:
    """`text` typed into a Network-page cell (default: Mazur's w5, layers[1].weights[0][0])."""
    w = WidgetState(id=s.widget(f"cell_{grid}_{i}_{j}_v"))
    w.string_value = text
    return w


def pct(xs: list[float], q: float) -> float:
    """The q-quantile of xs as the benchmarks report it (the value at rank round(q * n), at least the first); nan
    for no values."""
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * len(xs)) - 1))]
