"""Public or staff: which app this is, who is signed in, and the sign-in form.

`jiyi app --public` serves the public site: build/public only, no sign-in, no console or
review pages. Without it the app is for staff: every page needs a signed-in user from
WORKSPACE/users.json (`jiyi users add`), and the role decides the extra pages — a
researcher gets the console, a curator the console and the review queue. Pages a role
may not see are simply not registered with st.navigation, so no URL reaches them.
"""

from __future__ import annotations

import os
import sys

import streamlit as st

from jiyi.errors import JiyiError
from jiyi.workspace import Workspace

from .i18n import t
from .users import User, check_password, list_users

PUBLIC_FLAG = "--public"  # after `--` on Streamlit's command line, as `jiyi app --public` passes it
PUBLIC_ENV = "JIYI_APP_PUBLIC"  # "1": the same, for `streamlit run` and tests
USER_KEY = "jiyi_user"


def public_mode() -> bool:
    return PUBLIC_FLAG in sys.argv[1:] or os.environ.get(PUBLIC_ENV) == "1"


def current_user() -> User | None:
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, User) else None


def sign_in(ws: Workspace) -> User | None:
    """The signed-in user, or None after drawing the sign-in form (the caller then stops the page)."""
    user = current_user()
    if user is not None:
        with st.sidebar:
            st.caption(t("signed_in_as", name=user.name, role=t(f"role_{user.role}")))
            if st.button(t("sign_out"), key="sign_out"):
                del st.session_state[USER_KEY]
                st.rerun()
        return user
    st.title(t("sign_in_title"))
    try:
        nobody = not list_users(ws)
    except JiyiError as error:
        st.error(str(error))
        return None
    if nobody:
        st.warning(t("no_users", path=ws.root))
        st.code(f"jiyi users add NAME --role curator --workspace {ws.root}", language="bash")
        st.info(t("public_instead", path=ws.root))
        return None
    with st.form("sign_in"):
        name = st.text_input(t("user_name"), key="sign_in_name")
        password = st.text_input(t("password"), type="password", key="sign_in_password")
        submitted = st.form_submit_button(t("sign_in"))
    if submitted:
        user = check_password(ws, name.strip(), password)
        if user is None:
            st.error(t("sign_in_failed"))  # the same words for an unknown name and a wrong password
            return None
        st.session_state[USER_KEY] = user
        st.rerun()
    return None
