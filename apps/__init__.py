"""The public Streamlit app of a built workspace: home, exhibits, items, graph explorer (entry: main.py)."""
