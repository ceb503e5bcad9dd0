"""A newcomer's first minute with the page: long and multi-line texts, a failed send, a
phone's width and a wide screen, in a real headless Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.sandbox.conftest import SandboxProcess, started_sandbox
from tests.sandbox.pages import (
    AGENT,
    CUSTOMER,
    OTHER_CUSTOMER,
    VIEWPORT,
    WAIT_MS,
    act_as,
    bot_says,
    open_faults,
    open_ticket,
    open_topic,
    opened,
    send,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
WIDE = {"width": 1920, "height": 1000}
LONG_SUBJECT = "The invoice PDF for March shows the wrong VAT number and the wrong address"


@pytest.fixture(name="sandbox", scope="module")
def fixture_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """One sandbox for the module, from an empty directory."""
    running = started_sandbox(tmp_path_factory, "first-minute")
    yield running
    running.kill()


@pytest.fixture(name="page")
def fixture_page(browser: Browser, sandbox: SandboxProcess) -> Iterator[Page]:
    """A fresh tab on the sandbox page, failing the test on any script error."""
    with opened(browser, sandbox) as page:
        yield page


def my_texts(page: Page) -> list[str]:
    """The texts of the open chat's bubbles sent by the person acting."""
    return [text.strip() for text in page.locator(".bubble.mine .text").all_inner_texts()]


class TestWriting:
    def test_a_5000_character_text_arrives_whole_in_two_messages(self, page: Page) -> None:
        act_as(page, CUSTOMER)
        long_text = "".join(f"word{n:04d} " for n in range(556)).strip()  # 5,003 characters

        page.fill("[data-testid=text-input]", long_text)
        page.press("[data-testid=text-input]", "Enter")

        expect(page.locator(".bubble.mine .text")).to_have_count(2, timeout=WAIT_MS)
        first, second = my_texts(page)
        assert len(first) <= 4096
        assert first.endswith("word0454")  # cut after a word, never inside one
        assert f"{first} {second}" == long_text

    def test_a_text_keeps_its_lines_and_shift_enter_starts_a_new_one(self, page: Page) -> None:
        act_as(page, AGENT)
        field = page.locator("[data-testid=text-input]")

        field.fill("pasted line one\npasted line two")
        field.press("End")
        field.press("Shift+Enter")
        field.type("typed line three")
        field.press("Enter")

        expect(page.locator(".bubble.mine .text").last).to_have_text(
            "pasted line one\npasted line two\ntyped line three", timeout=WAIT_MS
        )
        expect(field).to_have_value("")

    def test_a_message_written_while_one_is_on_its_way_follows_it(self, page: Page) -> None:
        act_as(page, AGENT)
        field = page.locator("[data-testid=text-input]")
        held: list[Route] = []

        def hold(route: Route) -> None:  # the first send stays on its way
            held.append(route)

        page.route("**/sandbox/api/send", hold)

        field.fill("first of two")
        field.press("Enter")
        expect(field).to_have_value("")
        page.wait_for_function("() => document.querySelector('#composer.sending') !== null")
        field.fill("second of two")
        field.press("Enter")
        expect(field).to_have_value("")  # taken at once, not dropped while the first is out
        page.wait_for_timeout(300)
        assert len(held) == 1, "the second waits for the first"
        held[0].continue_()
        for _ in range(100):  # the second goes once the first is answered
            if len(held) == 2:
                break
            page.wait_for_timeout(100)
        assert len(held) == 2
        held[1].continue_()

        expect(page.locator(".bubble.mine .text", has_text="second of two")).to_have_count(
            1, timeout=WAIT_MS
        )
        assert my_texts(page)[-2:] == ["first of two", "second of two"]
        expect(page.locator("#composer")).not_to_have_class(re.compile("sending"))

    def test_a_send_that_fails_gives_the_text_back_to_edit_or_retry(self, page: Page) -> None:
        act_as(page, CUSTOMER)

        def refuse(route: Route) -> None:
            route.fulfill(status=400, json={"error": "the sandbox is stopping"})

        page.route("**/sandbox/api/send", refuse)
        page.fill("[data-testid=text-input]", "Please call me back")
        page.press("[data-testid=text-input]", "Enter")

        expect(page.locator("[data-testid=toast]")).to_contain_text("the sandbox is stopping")
        expect(page.locator("[data-testid=text-input]")).to_have_value("Please call me back")


class TestLayout:
    def test_at_a_phones_width_the_page_fits_and_the_chat_stays_readable(
        self, browser: Browser, sandbox: SandboxProcess
    ) -> None:
        with opened(browser, sandbox) as page:
            act_as(page, OTHER_CUSTOMER)
            send(page, "/help")
            expect(page.locator(".bubble.bot")).not_to_have_count(0, timeout=WAIT_MS)
            page.set_viewport_size(PHONE)

            size = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
            )
            messages = page.locator("[data-testid=messages]").bounding_box()
            send_button = page.locator("[data-testid=send]").bounding_box()
            faults_button = page.locator("[data-testid=toggle-faults]").bounding_box()

        assert size == [PHONE["width"], PHONE["height"]]  # nothing sticks out, no page scroll
        assert messages is not None
        assert messages["width"] >= 300
        assert messages["height"] >= 200
        assert send_button is not None
        assert send_button["x"] + send_button["width"] <= PHONE["width"]
        assert send_button["y"] + send_button["height"] <= PHONE["height"]
        assert faults_button is not None
        assert faults_button["x"] + faults_button["width"] <= PHONE["width"]

    def test_on_a_wide_screen_a_long_topic_name_stays_inside_the_faults_panel(
        self, browser: Browser, sandbox: SandboxProcess
    ) -> None:
        with opened(browser, sandbox) as page:
            page.set_viewport_size(WIDE)
            open_ticket(page, OTHER_CUSTOMER, LONG_SUBJECT, "Please fix it")
            act_as(page, AGENT)
            open_topic(page, "The invoice PDF")
            bot_says(page, "Please fix it")
            open_faults(page)

            panel = page.locator("[data-testid=faults-panel]").bounding_box()
            choice = page.locator("[data-testid=topic-to-delete]").bounding_box()

        assert panel is not None
        assert choice is not None
        assert choice["x"] + choice["width"] <= panel["x"] + panel["width"]


class TestReload:
    def test_each_tab_comes_back_to_its_own_person_and_chat_after_a_reload(
        self, browser: Browser, sandbox: SandboxProcess
    ) -> None:
        # Two tabs of one browser: they share its storage, as a person's tabs do.
        context = browser.new_context(viewport=VIEWPORT)
        errors: list[str] = []
        customer_tab, agent_tab = context.new_page(), context.new_page()
        for tab in (customer_tab, agent_tab):
            tab.on("pageerror", lambda error: errors.append(str(error)))
            tab.goto(sandbox.url)
            tab.wait_for_selector("body[data-ready=true]")
        try:
            act_as(customer_tab, CUSTOMER)
            act_as(agent_tab, AGENT)
            agent_tab.locator("[data-testid=chat-group]").click()
            expect(agent_tab.locator("[data-testid=chat-header]")).to_contain_text("General")

            for tab in (customer_tab, agent_tab):
                tab.reload()
                tab.wait_for_selector("body[data-ready=true]")

            customer_choice = customer_tab.locator("[data-testid=act-as] option:checked")
            expect(customer_choice).to_have_text(CUSTOMER)
            expect(customer_tab.locator("[data-testid=chat-private]")).to_have_class(
                re.compile("active")
            )
            expect(agent_tab.locator("[data-testid=act-as] option:checked")).to_have_text(AGENT)
            expect(agent_tab.locator("[data-testid=chat-group]")).to_have_class(
                re.compile("active")
            )
            expect(agent_tab.locator("[data-testid=chat-header]")).to_contain_text("General")
        finally:
            context.close()
        assert errors == []


class TestRestart:
    """Last in the module: it stops the module's sandbox and starts it over."""

    def test_a_stopped_sandbox_is_said_plainly_and_the_page_comes_back_with_a_fresh_world(
        self, page: Page, sandbox: SandboxProcess
    ) -> None:
        act_as(page, CUSTOMER)
        send(page, "Still there?")
        expect(page.locator(".bubble.mine").last).to_contain_text("Still there?")
        note = page.locator("[data-testid=offline-note]")
        expect(note).to_be_hidden()

        sandbox.stop()
        expect(note).to_be_visible(timeout=WAIT_MS)
        expect(note).to_contain_text("helpdesk sandbox")
        sandbox.start("--reset")

        expect(note).to_be_hidden(timeout=WAIT_MS)
        expect(page.locator(".bubble.mine")).to_have_count(0, timeout=WAIT_MS)
