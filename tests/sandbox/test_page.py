"""The sandbox page in a real headless Chromium: one support story, step by step.

The steps share one sandbox (starting one takes seconds) and run in order, each on top of
the previous: a customer opens a ticket, the agent logs in and answers, photos, resolving
and rating, a 429 storm, and a restart. Screenshots for README are written to docs/.
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
    open_faults,
    open_topic,
    opened,
    screenshot,
    send,
    texts_in_order,
    tiny_png,
)

pytestmark = pytest.mark.browser

SUBJECT = "Printer on fire"


@pytest.fixture(name="story", scope="module")
def fixture_story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """One sandbox for the whole story, from an empty directory."""
    running = started_sandbox(tmp_path_factory, "story")
    yield running
    running.kill()


@pytest.fixture(name="page")
def fixture_page(browser: Browser, story: SandboxProcess) -> Iterator[Page]:
    """A fresh tab on the sandbox page, failing the test on any script error."""
    with opened(browser, story) as page:
        yield page


def open_ticket_topic(page: Page) -> None:
    """As the agent, open the ticket's topic in the staff group."""
    open_topic(page, SUBJECT)


class TestSupportStoryInThePage:
    def test_a_customer_opens_a_ticket_and_its_topic_appears_with_the_card(
        self, page: Page
    ) -> None:
        act_as(page, CUSTOMER)
        send(page, "/new")
        bot_says(page, "What is the problem")
        send(page, SUBJECT)
        bot_says(page, "describe it")
        send(page, "It smokes, and the paper is <b>curling</b>.")
        bot_says(page, "Your ticket #1")
        expect(page.locator("[data-testid=chat-private]")).to_contain_text("Your ticket #1")
        screenshot(page, "sandbox-customer.png")

        act_as(page, AGENT)
        open_ticket_topic(page)
        card = page.locator("[data-testid=message]", has_text="#1 Printer on fire").first
        expect(card.get_by_role("button", name=re.compile("Resolve"))).to_be_visible()
        expect(page.locator("[data-testid=service]").first).to_contain_text("created the topic")
        copy = page.locator("[data-testid=message]", has_text="<b>curling</b>")
        expect(copy).to_be_visible()
        expect(copy.locator(".command")).to_have_count(0)  # "</b>" is no /b command

    def test_the_agent_logs_in_and_the_password_message_disappears(
        self, page: Page, story: SandboxProcess
    ) -> None:
        assert story.password
        act_as(page, AGENT)
        send(page, "/login")
        bot_says(page, "username")
        send(page, "demo")
        bot_says(page, "password")
        send(page, story.password)
        bot_says(page, "Logged in as demo")

        expect(page.locator("[data-testid=messages]")).not_to_contain_text(story.password)

    def test_the_agents_reply_in_the_topic_reaches_the_customer(self, page: Page) -> None:
        act_as(page, AGENT)
        open_ticket_topic(page)
        send(page, "Unplug it first, please.")
        expect(page.locator("[data-testid=message]", has_text="Unplug it first")).to_be_visible()
        expect(card(page, 1)).to_contain_text("open", timeout=WAIT_MS)  # the desk edited it
        screenshot(page, "sandbox-staff-topic.png")

        act_as(page, CUSTOMER)
        bot_says(page, "Unplug it first, please.")

    def test_a_customers_photo_reaches_the_topic(self, page: Page) -> None:
        act_as(page, CUSTOMER)
        page.set_input_files(
            "[data-testid=file-input]",
            {"name": "printer.png", "mimeType": "image/png", "buffer": tiny_png()},
        )
        send(page, "This is how it looks")

        act_as(page, AGENT)
        open_ticket_topic(page)
        photo = page.locator("[data-testid=message]", has_text="This is how it looks").locator(
            "img.photo"
        )
        expect(photo).to_be_visible(timeout=WAIT_MS)
        assert photo.evaluate("image => image.naturalWidth") == 24

    def test_the_agent_resolves_and_the_customer_rates_five_with_the_buttons(
        self, page: Page
    ) -> None:
        act_as(page, AGENT)
        open_ticket_topic(page)
        card = page.locator("[data-testid=message]", has_text="#1 Printer on fire").first
        card.get_by_role("button", name=re.compile("Resolve")).click()
        expect(page.locator("[data-testid=toast]").first).to_be_visible(timeout=WAIT_MS)

        act_as(page, CUSTOMER)
        rating = page.locator("[data-testid=message]").filter(
            has=page.get_by_role("button", name="5⭐")
        )
        expect(rating.last).to_be_visible(timeout=WAIT_MS)
        rating.last.get_by_role("button", name="5⭐").click()
        bot_says(page, "You rated ticket #1")

    def test_a_429_storm_from_the_faults_panel_delays_but_loses_nothing(self, page: Page) -> None:
        act_as(page, AGENT)
        open_faults(page)
        page.fill("[data-testid=fault-count]", "3")
        page.click("[data-testid=fault-429]")
        open_ticket_topic(page)
        for number in (1, 2, 3):
            send(page, f"Storm message {number}")
        expect(page.locator("[data-testid=fault-log]")).to_contain_text("429", timeout=WAIT_MS)

        act_as(page, CUSTOMER)
        for number in (1, 2, 3):
            bot_says(page, f"Storm message {number}")
        assert texts_in_order(page, r"Storm message (\d)") == ["1", "2", "3"]

    def test_a_restart_of_the_sandbox_keeps_every_chat(
        self, browser: Browser, story: SandboxProcess
    ) -> None:
        assert story.stop() == 0
        story.start()
        with opened(browser, story) as page:
            act_as(page, CUSTOMER)
            bot_says(page, "Unplug it first, please.")
            bot_says(page, "Storm message 3")
            send(page, "After the restart")

            act_as(page, AGENT)
            open_ticket_topic(page)
            bot_says(page, "After the restart")
            expect(page.locator("img.photo").first).to_be_visible()


class TestPeopleAndMenus:
    def test_an_added_agent_gets_an_account_and_a_seat_in_the_staff_group(self, page: Page) -> None:
        page.click("[data-testid=add-agent]")
        page.fill("[data-testid=dialog-first_name]", "Eve")
        page.fill("[data-testid=dialog-username]", "eve")
        page.click("[data-testid=dialog-ok]")
        expect(page.locator("[data-testid=dialog]")).to_contain_text("password", timeout=WAIT_MS)
        page.click("[data-testid=dialog-ok]")

        act_as(page, "Eve (agent eve)")
        expect(page.locator("[data-testid=chat-group]")).to_contain_text("Support staff")

    def test_the_command_menu_follows_the_scope_set_by_the_bot(self, page: Page) -> None:
        page.click("[data-testid=add-customer]")
        page.fill("[data-testid=dialog-first_name]", "Zoe")
        page.click("[data-testid=dialog-ok]")
        act_as(page, "Zoe (customer)")
        page.click("[data-testid=menu-button]")
        items = page.locator("[data-testid=command-item]")
        expect(items.first).to_be_visible()
        texts = items.all_inner_texts()

        assert any(text.startswith("/new") for text in texts), texts
        assert not any(text.startswith("/login") for text in texts)
