"""The app's pages, run by st.navigation from apps/main.py; each is a thin script over jiyi.apps.data."""
