"""The app's pages (one file each, run by st.navigation in streamlit_app.py) and their shared helpers."""
