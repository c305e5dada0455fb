"""The router: st.navigation over the pages in pages/, and the shared sidebar (which problem is loaded).

Run from the repository root: streamlit run streamlit_app.py
"""
import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pages import common  # noqa: E402

# (file, title, icon, url path): a page is listed only when its file exists (checker and export land later).
PAGES = [
    ("pages/network.py", "Network", ":material/hub:", "home"),     # served at "/"; /network: the alias below
    ("pages/solution.py", "Worked solution", ":material/functions:", "solution"),
    ("pages/matrix.py", "Matrix form", ":material/grid_on:", "matrix"),
    ("pages/training.py", "Training", ":material/trending_down:", "training"),
    ("pages/data.py", "Training on data", ":material/table_chart:", "data"),
    ("pages/activations.py", "Activation functions", ":material/show_chart:", "activations"),
    ("pages/descent.py", "Gradient descent", ":material/downhill_skiing:", "descent"),
    ("pages/check.py", "Check my answers", ":material/fact_check:", "check"),
    ("pages/practice.py", "Practice", ":material/school:", "practice"),
    ("pages/export.py", "Export", ":material/download:", "export"),
]

# the favicon is a local file: a :material/...: page icon would be fetched from a third-party font server
st.set_page_config(page_title="Backprop, step by step", page_icon=str(ROOT / "pages" / "favicon.png"), layout="wide")
common.init_state()
pages = [st.Page(f, title=t, icon=i, url_path=u, default=(k == 0)) for k, (f, t, i, u) in enumerate(PAGES)
         if (ROOT / f).exists()]
# the landing page is served at "/" (Streamlit ignores a default page's url path): /network, as a bookmark or a
# shared address, goes there too instead of "Page not found"
alias = st.Page(lambda: st.switch_page(pages[0]), title="Network", url_path="network", visibility="hidden")
nav = st.navigation(pages + [alias])
slot = common.sidebar()
try:
    nav.run()
finally:                      # written after the page: a change made by this run shows at once
    common.sidebar_fill(slot)
