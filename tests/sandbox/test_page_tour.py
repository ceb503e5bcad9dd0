"""README's customer and agent flows, run by a person in the sandbox page (headless Chromium).

One sandbox for the module; the tests run in order, each on top of the last: Ann opens
tickets from the menu and sends an album, Dana logs in and uses the console and the daily
tools, edits a message, merges two tickets and logs out. Rendering checks ride along: the
card's bold, the agent help's code, a bot message's spoiler, an album grouped in one bubble.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from sandbox.ready_world import SANDBOX_TOKEN
from tests.sandbox.conftest import SandboxProcess, started_sandbox
from tests.sandbox.pages import (
    AGENT,
    CUSTOMER,
    WAIT_MS,
    act_as,
    bot_says,
    bubble,
    card,
    log_in,
    open_topic,
    opened,
    png_file,
    send,
)

pytestmark = pytest.mark.browser

SUBJECT = "Scanner jams"
CUSTOMER_ID = 7_000_002


@pytest.fixture(name="tour", scope="module")
def fixture_tour(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """One sandbox for the tour, from an empty directory."""
    running = started_sandbox(tmp_path_factory, "tour")
    yield running
    running.kill()


@pytest.fixture(name="page")
def fixture_page(browser: Browser, tour: SandboxProcess) -> Iterator[Page]:
    """A fresh tab on the sandbox page, failing the test on any script error."""
    with opened(browser, tour) as page:
        yield page


def expect_menu(page: Page, *, has: Sequence[str], lacks: Sequence[str] = ()) -> None:
    """Open the open chat's command menu; wait until it lists ``has`` and none of ``lacks``."""
    menu = page.locator("[data-testid=command-menu]")
    if menu.is_hidden():
        page.click("[data-testid=menu-button]")
    items = page.locator("[data-testid=command-item] .command-name")
    for command in has:
        expect(items.filter(has_text=re.compile(rf"^{command}$"))).to_have_count(1, timeout=WAIT_MS)
    for command in lacks:
        expect(items.filter(has_text=re.compile(rf"^{command}$"))).to_have_count(0)
    page.click("[data-testid=menu-button]")
    expect(menu).to_be_hidden()


def pick_from_menu(page: Page, command: str) -> None:
    """Send ``command`` by picking it in the command menu."""
    page.click("[data-testid=menu-button]")
    page.locator("[data-testid=command-item]", has_text=command).first.click()


def press(page: Page, fragment: str, button: str) -> None:
    """Press the inline button named ``button`` under the last bubble containing ``fragment``."""
    bot_says(page, fragment).get_by_role("button", name=button).click()


def bot_sends(tour: SandboxProcess, html: str) -> None:
    """The bot sends Ann ``html`` through the sandbox's local Bot API, as the desk would."""
    answer = httpx.post(
        f"{tour.url}bot{SANDBOX_TOKEN}/sendMessage",
        data={"chat_id": CUSTOMER_ID, "text": html, "parse_mode": "HTML"},
        timeout=10,
    )
    assert answer.json()["ok"], answer.text


def ask_bot(page: Page, command: str, answer: str) -> None:
    """Send ``command`` and wait for a bubble with ``answer``."""
    send(page, command)
    bot_says(page, answer)


class TestCustomerFlows:
    def test_start_shows_the_welcome_buttons_and_new_from_the_menu_opens_a_ticket(
        self, page: Page
    ) -> None:
        act_as(page, CUSTOMER)
        send(page, "/start")
        welcome = bot_says(page, "This is our support desk")
        expect(welcome.get_by_role("button", name=re.compile("New ticket"))).to_be_visible()
        expect(welcome.get_by_role("button", name=re.compile("My tickets"))).to_be_visible()
        expect_menu(page, has=["/new", "/my", "/close", "/cancel", "/help"], lacks=["/queue"])

        pick_from_menu(page, "/new")
        bot_says(page, "What is the problem")
        send(page, SUBJECT)
        bot_says(page, "describe it")
        send(page, "Every page, since Monday.")
        bot_says(page, "Your ticket #1")

    def test_several_photos_go_as_one_album_and_the_topic_shows_them_grouped(
        self, page: Page
    ) -> None:
        act_as(page, CUSTOMER)
        page.set_input_files(
            "[data-testid=file-input]",
            [png_file("front.png"), png_file("back.png", b"\x00\x88\xff")],
        )
        expect(page.locator("[data-testid=attachment]")).to_contain_text("2 files")
        send(page, "Both sides of the jam")
        own = bubble(page, "Both sides of the jam").locator("[data-testid=album] img.photo")
        expect(own).to_have_count(2, timeout=WAIT_MS)

        act_as(page, AGENT)
        open_topic(page, SUBJECT)
        album = bubble(page, "Both sides of the jam").locator("[data-testid=album] img.photo")
        expect(album).to_have_count(2, timeout=WAIT_MS)

    def test_my_lists_the_tickets_and_cancel_leaves_a_step(self, page: Page) -> None:
        act_as(page, CUSTOMER)
        send(page, "/my")
        mine = bot_says(page, "Your tickets")
        expect(mine.get_by_role("button", name=f"#1 {SUBJECT}")).to_be_visible()
        ask_bot(page, "/new", "What is the problem")
        ask_bot(page, "/cancel", "Cancelled")


class TestAgentFlows:
    def test_the_login_gives_the_agent_menu_and_the_staff_group_its_own(
        self, page: Page, tour: SandboxProcess
    ) -> None:
        assert tour.password
        log_in(page, tour.password)
        expect(page.locator("[data-testid=messages]")).not_to_contain_text(tour.password)
        expect(page.locator("[data-testid=menu-button]")).to_be_enabled()
        expect_menu(page, has=["/queue", "/ticket", "/reply", "/stats", "/logout"], lacks=["/new"])

        open_topic(page, SUBJECT)
        expect_menu(page, has=["/note"], lacks=["/new", "/queue"])

    def test_the_card_is_bold_and_the_agent_help_shows_code(self, page: Page) -> None:
        act_as(page, AGENT)
        open_topic(page, SUBJECT)
        expect(card(page, 1).locator("b").first).to_contain_text(f"#1 {SUBJECT}")

        page.locator("[data-testid=chat-private]").click()
        send(page, "/help")
        help_text = bot_says(page, "Agent commands (in this private chat)")
        expect(help_text.locator("code").first).to_be_visible()
        # Telegram makes the /commands in a bot's text tappable: a tap sends it.
        help_text.locator(".command", has_text=re.compile("^/queue$")).first.click()
        bot_says(page, "Queue: active")

    def test_the_console_commands_answer_in_the_private_chat(self, page: Page) -> None:
        act_as(page, AGENT)
        send(page, "/queue")
        queue = bot_says(page, "Queue: active")
        expect(queue.get_by_role("button", name=f"#1 {SUBJECT}")).to_be_visible()
        ask_bot(page, "/ticket 1", "History")
        ask_bot(page, "/reply 1 Try a cleaning sheet.", "Reply sent on ticket #1")
        ask_bot(page, "/note 1 Model X200, under warranty", "Note added to ticket #1")
        ask_bot(page, "/priority 1 high", "now has high priority")
        ask_bot(page, "/assign 1 demo", "assigned to demo")
        ask_bot(page, "/status 1 pending", "is now ⏳ pending")
        ask_bot(page, "/stats", "Figures for the last 7 days")

        act_as(page, CUSTOMER)
        bot_says(page, "Try a cleaning sheet.")
        expect(page.locator("[data-testid=messages]")).not_to_contain_text("Model X200")

    def test_the_daily_tools_work_in_the_private_chat_and_in_the_topic(self, page: Page) -> None:
        act_as(page, AGENT)
        ask_bot(page, "/tag 1 hardware", "#hardware")
        ask_bot(page, "/saved add thanks Hi {customer}, {ticket} is fixed.", "Send it with !thanks")
        send(page, "/saved")
        saved = bot_says(page, "Saved replies")
        expect(saved.get_by_role("button", name=re.compile("thanks"))).to_be_visible()
        ask_bot(page, "/search scanner", "found for")
        ask_bot(page, "/customer 1", "Telegram id: 7000002")
        ask_bot(page, "/deadletters", "No unreadable updates")

        open_topic(page, SUBJECT)
        expect(card(page, 1)).to_contain_text("#hardware", timeout=WAIT_MS)
        send(page, "!thanks")
        act_as(page, CUSTOMER)
        bot_says(page, "Hi Ann Lee, #1 is fixed.")

    def test_an_agents_edit_shows_live_in_another_open_page(
        self, page: Page, browser: Browser, tour: SandboxProcess
    ) -> None:
        act_as(page, AGENT)
        open_topic(page, SUBJECT)
        send(page, "Teh part is on its way")
        with opened(browser, tour) as watcher:
            act_as(watcher, AGENT)
            open_topic(watcher, SUBJECT)
            bot_says(watcher, "Teh part is on its way")

            written = bubble(page, "Teh part is on its way")
            written.hover()
            written.get_by_test_id("edit").click()
            page.fill("[data-testid=dialog-text]", "The part is on its way")
            page.click("[data-testid=dialog-ok]")

            edited = bot_says(watcher, "The part is on its way")
            expect(edited.locator(".edited")).to_have_text("edited")
            expect(watcher.locator("[data-testid=messages]")).not_to_contain_text("Teh part")

    def test_a_bot_message_with_a_spoiler_hides_it_until_clicked(
        self, page: Page, tour: SandboxProcess
    ) -> None:
        bot_sends(tour, "Your code: <tg-spoiler>4711</tg-spoiler>, <b>keep it</b>")

        act_as(page, CUSTOMER)
        preview = page.locator("[data-testid=chat-private]")
        expect(preview).to_contain_text("Your code: ░░░░, keep it")
        expect(preview).not_to_contain_text("4711")
        secret = bot_says(page, "Your code").locator(".spoiler")
        expect(secret).to_have_text("4711")
        assert secret.evaluate("node => getComputedStyle(node).color") == "rgba(0, 0, 0, 0)"
        expect(bubble(page, "Your code").locator("b")).to_have_text("keep it")
        secret.click()
        expect(secret).to_have_class(re.compile("revealed"))

        bot_sends(tour, "One more line")  # the chat is drawn again, live
        bot_says(page, "One more line")
        expect(bubble(page, "Your code").locator(".spoiler")).to_have_class(re.compile("revealed"))

    def test_merging_two_tickets_asks_then_moves_the_messages(self, page: Page) -> None:
        act_as(page, CUSTOMER)
        ask_bot(page, "/new", "What is the problem")
        ask_bot(page, "Scanner again", "describe it")
        ask_bot(page, "Same jam on the other tray.", "Your ticket #2")

        act_as(page, AGENT)
        send(page, "/merge 2 1")
        press(page, "Merge #2", "🔀 Merge #2 into #1")
        open_topic(page, "Scanner again")
        bot_says(page, "Merged into #1")

    def test_close_asks_first_and_logout_brings_back_the_customer_menu(self, page: Page) -> None:
        act_as(page, CUSTOMER)
        send(page, "/close 1")
        press(page, "Close ticket #1", "🔒 Yes, close #1")
        bot_says(page, "closed")

        act_as(page, AGENT)
        ask_bot(page, "/logout", "Logged out demo")
        expect_menu(page, has=["/new"], lacks=["/queue"])
