"""The Telegram faults panel in a real headless Chromium: the desk recovers, nothing is lost.

One sandbox for the module: Ann opens ticket #1, Dana logs in, then each fault in turn
(502s, a time-out, Ann blocking the bot, the ticket's topic deleted) on top of the last.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.sandbox.conftest import SandboxProcess, started_sandbox
from tests.sandbox.pages import (
    AGENT,
    CUSTOMER,
    WAIT_MS,
    act_as,
    bot_says,
    card,
    log_in,
    open_faults,
    open_ticket,
    open_topic,
    opened,
    screenshot,
    send,
    texts_in_order,
    topic_entry,
)

pytestmark = pytest.mark.browser

SUBJECT = "Lost parcel"


@pytest.fixture(name="desk", scope="module")
def fixture_desk(
    tmp_path_factory: pytest.TempPathFactory, browser: Browser
) -> Iterator[SandboxProcess]:
    """A sandbox where Ann has ticket #1 and Dana is logged in."""
    running = started_sandbox(tmp_path_factory, "faults")
    try:
        assert running.password
        with opened(browser, running) as page:
            open_ticket(page, CUSTOMER, SUBJECT, "It left the depot a week ago.")
            log_in(page, running.password)
        yield running
    finally:
        running.kill()


@pytest.fixture(name="page")
def fixture_page(browser: Browser, desk: SandboxProcess) -> Iterator[Page]:
    """A fresh tab on the sandbox page, failing the test on any script error."""
    with opened(browser, desk) as page:
        yield page


def inject(page: Page, fault: str, count: int) -> None:
    """Make the bot's next ``count`` sends fail with ``fault`` (429, 5xx, timeout)."""
    open_faults(page)
    page.fill("[data-testid=fault-count]", str(count))
    page.click(f"[data-testid=fault-{fault}]")
    expect(page.locator("[data-testid=toast]", has_text=f"next {count} sends")).to_be_visible()


def customer_gets_in_order(page: Page, prefix: str, count: int) -> None:
    """Ann's chat shows ``prefix 1`` to ``prefix count``, each once, in that order."""
    act_as(page, CUSTOMER)
    for number in range(1, count + 1):
        bot_says(page, f"{prefix} {number}")
    expected = [str(number) for number in range(1, count + 1)]
    assert texts_in_order(page, rf"{prefix} (\d+)") == expected


class TestTelegramFaultsFromThePanel:
    def test_502_answers_delay_the_replies_but_lose_none_and_keep_their_order(
        self, page: Page
    ) -> None:
        act_as(page, AGENT)
        open_topic(page, SUBJECT)
        inject(page, "5xx", 2)
        for number in (1, 2, 3):
            send(page, f"Gateway reply {number}")
        log = page.locator("[data-testid=fault-log]")
        expect(log).to_contain_text("502", timeout=WAIT_MS)
        screenshot(page, "sandbox-faults.png")

        customer_gets_in_order(page, "Gateway reply", 3)

    def test_a_time_out_is_retried_and_nothing_is_lost(self, page: Page) -> None:
        act_as(page, AGENT)
        open_topic(page, SUBJECT)
        inject(page, "timeout", 1)
        for number in (1, 2):
            send(page, f"Slow reply {number}")
        # The held call ends with 504 once the desk has already given up on it.
        expect(page.locator("[data-testid=fault-log]")).to_contain_text("504", timeout=WAIT_MS)

        customer_gets_in_order(page, "Slow reply", 2)

    def test_a_customer_who_blocks_the_bot_shows_on_the_card_and_later_gets_what_they_missed(
        self, page: Page
    ) -> None:
        act_as(page, AGENT)
        open_faults(page)
        page.select_option("[data-testid=block-who]", label="Ann Lee")
        toggle = page.locator("[data-testid=block-toggle]")
        toggle.click()
        expect(toggle).to_have_text("Unblock the bot")
        open_topic(page, SUBJECT)
        send(page, "While you were away")
        expect(card(page, 1)).to_contain_text("blocked the bot", timeout=WAIT_MS)
        expect(page.locator("[data-testid=fault-log]")).to_contain_text("403")

        toggle.click()
        expect(toggle).to_have_text("Block the bot")
        act_as(page, CUSTOMER)
        expect(page.locator("[data-testid=messages]")).not_to_contain_text("While you were away")
        send(page, "Sorry, I had blocked you")
        bot_says(page, "While you were away")

    def test_a_deleted_topic_is_made_again_with_a_fresh_card(self, page: Page) -> None:
        act_as(page, AGENT)
        open_faults(page)
        page.select_option("[data-testid=topic-to-delete]", label=f"#1 {SUBJECT}")
        page.click("[data-testid=delete-topic]")
        deleted = topic_entry(page, SUBJECT, deleted=True)
        expect(deleted).to_contain_text("deleted", timeout=WAIT_MS)

        act_as(page, CUSTOMER)
        send(page, "Is anyone still there?")
        act_as(page, AGENT)
        open_topic(page, SUBJECT)
        expect(card(page, 1)).to_be_visible(timeout=WAIT_MS)
        bot_says(page, "Is anyone still there?")
        expect(page.locator("[data-testid=service]").first).to_contain_text("created the topic")

        open_topic(page, SUBJECT, deleted=True)
        expect(page.locator("[data-testid=chat-header]")).to_contain_text(re.compile("deleted"))
        expect(page.locator("[data-testid=messages]")).to_contain_text("This topic was deleted")
