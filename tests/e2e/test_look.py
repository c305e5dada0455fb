"""The app as a person sees it, in real Chromium: a 390 px phone screen, the OS's dark and light themes, keyboard.

Phone: on every page and tab, nothing is wider than the screen: no formula (a .katex box) reaches past 390 px,
the page never scrolls sideways (scrollWidth <= 390), and any other element past the edge must sit inside a
table or the tab bar that scrolls inside itself (a formula may not: it wraps instead). The numbers a formula
shows are read back from its TeX annotation (Mazur's printed w5+, seed 001), so the wrapping lost nothing.
Themes: the computed colours of the page in Chromium's dark and light colour schemes.
Keyboard: Tab reaches the Check page's main controls and the Export download, Enter/Space uses them.
Every page and tab is also read for developer text (Streamlit's magic is off: no "noqa", no "<function ...>").
"""
from __future__ import annotations

import pytest

import helpers as H

W5_PLUS = 0.35891648          # Mazur's printed w5+ (seed 001)
PHONE = {"width": 390, "height": 844}

# Everything past the right edge of the screen: (what, data-testid of the nearest ancestor that has one, right).
# Allowed: the visually hidden MathML copy of a formula (read by screen readers), and anything inside a table
# (st.dataframe, st.table), the tab bar or a source-code preview (st.code), each of which scrolls inside its own
# box that fits the screen.
_OVERFLOW_JS = """() => {
  const W = window.innerWidth;
  const named = e => { const a = e.closest('[data-testid]'); return a ? a.getAttribute('data-testid') : ''; };
  const fits = a => a && a.getBoundingClientRect().right <= W + 1;
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= W + 1) continue;
    if (e.closest('.katex-mathml')) continue;
    const inside = e.closest('[data-testid="stDataFrame"], [data-testid="stDataFrameResizable"], ' +
                             '[data-testid="stTable"], [role="tablist"], [data-testid="stCode"]');
    if (inside && fits(inside) && !e.closest('.katex')) continue;
    out.push([e.tagName.toLowerCase() + (e.classList && e.classList.length ? '.' + e.classList[0] : ''),
              named(e), Math.round(r.right)]);
  }
  return out;
}"""

# Every formula: its box within the screen, and its display block not scrolling (it wrapped, it did not scroll).
_FORMULAS_JS = """() => {
  const W = window.innerWidth;
  const shown = [...document.querySelectorAll('.katex')].filter(e => e.getBoundingClientRect().width > 0);
  return {count: shown.length,
          wide: shown.filter(e => e.getBoundingClientRect().right > W + 1 || e.getBoundingClientRect().left < -1)
                     .map(e => Math.round(e.getBoundingClientRect().right)),
          scrolling: [...document.querySelectorAll('.katex-display')]
                     .filter(d => d.getBoundingClientRect().width > 0 && d.scrollWidth > d.clientWidth + 4).length,
          scroll_width: document.documentElement.scrollWidth};
}"""


@pytest.fixture
def phone(browser, app_url):
    ctx = browser.new_context(viewport=PHONE)
    pg = ctx.new_page()
    pg.set_default_timeout(H.STEP_TIMEOUT_MS)
    yield pg
    ctx.close()


DEVELOPER_TEXT = ("noqa", "function calc.", "<function", "Traceback", "object at 0x")


def assert_fits(page, where: str, formulas: bool = True) -> None:
    """Nothing past the screen's edge (see above), and no developer text in what the page shows."""
    H.settle(page)
    page.wait_for_timeout(300)
    shown = page.locator('[data-testid="stMain"]').inner_text()
    assert not [bad for bad in DEVELOPER_TEXT if bad in shown], (where, shown[:500])
    over = page.evaluate(_OVERFLOW_JS)
    f = page.evaluate(_FORMULAS_JS)
    assert f["scroll_width"] <= PHONE["width"], (where, f)
    assert not f["wide"] and not f["scrolling"], (where, f)
    assert not over, (where, over[:12])
    if formulas:
        assert f["count"] > 0, f"{where}: no formula shown"


def tab(page, name: str) -> None:
    t = page.get_by_role("tab", name=name, exact=True)
    t.scroll_into_view_if_needed()
    t.click()
    H.settle(page)


SOLUTION_TABS = ["Forward pass", "Loss", "Backward pass", "Updates", "Diagram", "All steps", "Exact (SymPy)"]


def test_phone_solution_every_tab(phone, app_url):
    H.open_page(phone, app_url, "solution", "Digits shown")
    assert H.tex_value(phone, r"\mathrm{net}_{o1}") == pytest.approx(1.10590597, abs=5e-9)   # wrapped, not lost
    for name in SOLUTION_TABS:
        tab(phone, name)
        if name == "Exact (SymPy)":
            phone.get_by_text("Compute exact values with SymPy").click()
            phone.get_by_text("Show one exact step").first.wait_for(timeout=H.LOAD_TIMEOUT_MS)
        assert_fits(phone, f"solution / {name}", formulas=name not in ("Diagram",))
    tab(phone, "Updates")
    assert H.tex_value(phone, r"w_{5}^{+}") == pytest.approx(W5_PLUS, abs=5e-9)


@pytest.mark.parametrize("path,title,tabs", [
    ("", "Network", []),
    ("matrix", "Matrix form", ["Forward", "Backward and update"]),
    ("training", "Training", ["Loss curve", "Parameters every k updates", "Worked solution at update k"]),
    ("check", "Check my answers", ["One student", "Class"]),
    ("export", "Export", []),
    ("activations", "Activation functions", []),
    ("descent", "Gradient descent", []),
])
def test_phone_pages_fit(phone, app_url, path, title, tabs):
    H.open_page(phone, app_url, path)
    assert phone.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text().strip() == title
    with_formulas = path in ("", "matrix", "activations", "descent")
    assert_fits(phone, title, formulas=with_formulas)
    for name in tabs:
        tab(phone, name)
        assert_fits(phone, f"{title} / {name}", formulas=name in ("Forward", "Backward and update",
                                                                   "Worked solution at update k"))


def test_phone_check_results_fit_and_why_wraps(phone, app_url):
    """Pasted answers with a wrong value: the results table fits (it scrolls inside itself) and the 'why' of the
    wrong value is shown whole (the table's rows are tall enough for wrapped text)."""
    H.open_page(phone, app_url, "check")
    phone.get_by_text("Paste text").click()
    H.settle(phone)
    box = phone.get_by_role("textbox", name="One per line")
    box.fill("out_o1 = 0.78\nw5+ = 0.3589\n")
    phone.keyboard.press("Control+Enter")
    phone.get_by_text("First wrong step", exact=True).wait_for()
    assert_fits(phone, "check results", formulas=False)


# ---- themes: the OS's colour scheme is followed ---------------------------------------------------------------
_COLOURS_JS = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const pick = sel => document.querySelector(sel);
  const bg = rgb(getComputedStyle(pick('[data-testid="stApp"]')).backgroundColor);
  const texts = ['h1', '[data-testid="stMarkdownContainer"] p', '.katex', '[data-testid="stSidebar"] [data-testid="stText"]']
    .map(s => pick(s)).filter(Boolean).map(e => rgb(getComputedStyle(e).color));
  const side = rgb(getComputedStyle(pick('[data-testid="stSidebar"]')).backgroundColor);
  return {bg: lum(bg), side: lum(side), texts: texts.map(lum)};
}"""


def contrast(a: float, b: float) -> float:
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_theme_follows_the_os_colour_scheme(browser, app_url, scheme):
    ctx = browser.new_context(viewport={"width": 1200, "height": 900}, color_scheme=scheme)
    pg = ctx.new_page()
    pg.set_default_timeout(H.STEP_TIMEOUT_MS)
    try:
        H.open_page(pg, app_url, "solution", "Digits shown")
        c = pg.evaluate(_COLOURS_JS)
        assert len(c["texts"]) == 4, c
        if scheme == "dark":
            assert c["bg"] < 0.03 and c["side"] < 0.05, c                    # a dark page and sidebar
            assert all(t > 0.6 for t in c["texts"]), c                       # light text, formulas included
        else:
            assert c["bg"] > 0.9 and c["side"] > 0.8, c
            assert all(t < 0.05 for t in c["texts"]), c
        assert all(contrast(t, c["bg"]) >= 7 for t in c["texts"]), c        # WCAG AAA for body text
        # a chart and the diagram stay readable: the loss curve's axis labels follow the theme, the diagram
        # is drawn on its own light card
        H.go_sidebar(pg, "Training")
        pg.locator('[data-testid="stVegaLiteChart"] .role-axis-label text').first.wait_for()
        fills = pg.evaluate("""() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] .role-axis-label text')]
            .map(t => { const c = t.getAttribute('fill') || '#000000'; const v = [1, 3, 5].map(i => parseInt(c.substr(i, 2), 16) / 255)
                .map(x => x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4);
                return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; })""")
        assert fills and all(contrast(f, c["bg"]) >= 3 for f in fills), (fills, c)   # WCAG 1.4.11 for graphics
    finally:
        ctx.close()


def test_formulas_have_a_text_alternative_for_screen_readers(phone, app_url):
    """KaTeX writes each formula as MathML (read by screen readers) with the TeX source as its annotation, and
    hides the visual copy from them (aria-hidden): every formula on the Worked solution page has both."""
    H.open_page(phone, app_url, "solution", "Digits shown")
    got = phone.evaluate("""() => [...document.querySelectorAll('.katex')].map(k => ({
        math: !!k.querySelector('.katex-mathml math'),
        tex: (k.querySelector('annotation[encoding="application/x-tex"]') || {}).textContent || '',
        hidden: (k.querySelector('.katex-html') || {getAttribute: () => null}).getAttribute('aria-hidden')}))""")
    assert len(got) >= 8
    assert all(g["math"] and g["tex"] and g["hidden"] == "true" for g in got), got[:3]
    assert H.tex_value(phone, r"\mathrm{net}_{h1}") == 0.3775                 # the step's line in the annotation


# ---- keyboard ------------------------------------------------------------------------------------------------------
_FOCUS_JS = """() => { const e = document.activeElement; if (!e) return {};
  const label = e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].innerText) || e.innerText || '';
  return {tag: e.tagName, role: e.getAttribute('role') || '', type: e.type || '', label: label.trim()}; }"""


def tab_to(page, match, limit: int = 80) -> dict:
    """Press Tab until the focused element satisfies match(focus); returns it (AssertionError if never)."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        f = page.evaluate(_FOCUS_JS)
        if match(f):
            return f
        seen.append((f.get("tag"), f.get("label", "")[:30]))
    raise AssertionError(f"not reached by Tab in {limit} presses: {seen}")


def test_keyboard_reaches_the_check_page_controls(page, app_url):
    H.open_page(page, app_url, "check")
    tab_to(page, lambda f: f["tag"] == "INPUT" and f["label"] == "Notation")
    tab_to(page, lambda f: f["tag"] == "INPUT" and f["label"] == "Digits shown")
    tab_to(page, lambda f: f["type"] == "radio" and f["label"] == "Beside each step")
    page.keyboard.press("ArrowRight")                                   # the radio group: arrows choose
    page.get_by_role("textbox", name="One per line").wait_for()
    H.settle(page)
    tab_to(page, lambda f: f["tag"] == "TEXTAREA")
    page.keyboard.type("out_o1 = 0.78\nw5+ = 0.3589")
    page.keyboard.press("Control+Enter")
    page.get_by_text("First wrong step", exact=True).wait_for()       # judged, keyboard only
    H.settle(page)
    tab_to(page, lambda f: f["tag"] == "SUMMARY" and "Hand-calculation mode" in f["label"])
    page.keyboard.press("Enter")
    page.get_by_text("Decimals k").wait_for()
    tab_to(page, lambda f: f["tag"] == "SUMMARY" and "Published-example audit" in f["label"])
    page.keyboard.press("Enter")
    page.get_by_text("Conventions the printed values confirm").wait_for(timeout=H.LOAD_TIMEOUT_MS)
    # the Class tab and its upload button
    page.locator('[data-testid="stMainBlockContainer"] h1').first.click()
    tab_to(page, lambda f: f["role"] == "tab" and f["label"] == "One student")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    assert page.get_by_role("tab", name="Class").get_attribute("aria-selected") == "true"
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["label"].endswith("Upload"))     # the class file


def test_keyboard_reaches_an_export_download(page, app_url):
    H.open_page(page, app_url, "export")
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["label"].endswith("Markdown"))
    with page.expect_download(timeout=H.STEP_TIMEOUT_MS) as info:
        page.keyboard.press("Enter")
    text = open(info.value.path(), encoding="utf-8").read()
    assert "0.35891648" in text                                        # Mazur's printed w5+ (seed 001)


@pytest.mark.parametrize("preset", ["classifier_4_5_3", "relu_sigmoid_softmax_4_3_4_2"])
def test_phone_wider_networks_fit(phone, app_url, preset):
    """Wider layers (4-5-3, 4-3-4-2): the worked solution still wraps, and a matrix too wide for the phone is shown
    there as a table (the LaTeX matrix is kept for wider screens)."""
    from calc.problem import share
    from calc.presets import load_preset
    link = f"?{share.PARAM}={share.encode(load_preset(preset))}"
    H.open_page(phone, app_url, "solution" + link, "Digits shown")
    for name in ("Forward pass", "Backward pass", "Updates"):
        tab(phone, name)
        assert_fits(phone, f"{preset} solution / {name}")
    H.open_page(phone, app_url, "matrix" + link)
    for name in ("Forward", "Backward and update"):
        tab(phone, name)
        assert_fits(phone, f"{preset} matrix / {name}")
    assert phone.locator('[data-testid="stDataFrame"]:visible').count() > 2     # the wide matrices, as tables
