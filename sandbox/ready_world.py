"""The world a fresh sandbox starts with: the staff forum, a demo agent and two customers."""

from __future__ import annotations

from sandbox.botapi import FakeBotApi
from sandbox.persistence import Cast

SANDBOX_TOKEN = "5550001:SANDBOX-LOCAL-ONLY"
"""The token of the sandbox's own bot; only the local Bot API server accepts it."""
BOT_USERNAME = "helpdesk_sandbox_bot"
BOT_NAME = "Helpdesk Bot"
STAFF_TITLE = "Support staff"
DEMO_ACCOUNT = "demo"


def new_server() -> FakeBotApi:
    """The sandbox's local Bot API server, with an empty world (not listening yet)."""
    # Telegram keeps a bare "&" in HTML; so does the sandbox, like a real chat would.
    return FakeBotApi(
        SANDBOX_TOKEN, bot_username=BOT_USERNAME, bot_name=BOT_NAME, strict_html=False
    )


def build_ready_world(server: FakeBotApi) -> Cast:
    """Create the staff forum (bot as admin with topic rights), the demo agent, two customers.

    The agent's desk account is created separately, through the desk's own command line.
    """
    staff = server.add_forum(STAFF_TITLE)
    dana = server.add_user("Dana", last_name="Demo", username="dana_demo")
    staff.add_member(dana)
    ann = server.add_user("Ann", last_name="Lee", username="ann_lee")
    ben = server.add_user("Ben", last_name="Ode", username="ben_ode")
    return Cast(staff_chat_id=staff.id, customers=[ann.id, ben.id], agents={dana.id: DEMO_ACCOUNT})
