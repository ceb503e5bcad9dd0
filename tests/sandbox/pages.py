"""Driving the sandbox page in Chromium: acting as a person, writing, waiting for answers.

Every wait is one of Playwright's auto-retrying ``expect`` checks with a generous timeout,
never a sleep: the machines running these tests are shared and often busy.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, FilePayload, Locator, Page, ViewportSize, expect

from tests.sandbox.conftest import SandboxProcess

DOCS = Path(__file__).resolve().parents[2] / "docs"
WAIT_MS = 30_000
VIEWPORT: ViewportSize = {"width": 1200, "height": 760}
CUSTOMER = "Ann Lee (customer)"
OTHER_CUSTOMER = "Ben Ode (customer)"
AGENT = "Dana Demo (agent demo)"


def png_file(name: str, rgb: bytes = b"\xff\x88\x00") -> FilePayload:
    """A PNG file as the page's file input takes it."""
    return {"name": name, "mimeType": "image/png", "buffer": tiny_png(rgb)}


def tiny_png(rgb: bytes = b"\xff\x88\x00", width: int = 24, height: int = 16) -> bytes:
    """A one-colour PNG, made here so the tests need no fixture file."""
    rows = b"".join(b"\x00" + rgb * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@contextmanager
def opened(browser: Browser, sandbox: SandboxProcess) -> Iterator[Page]:
    """A fresh tab on the sandbox page; fails on any script error in it."""
    page = browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(sandbox.url)
    page.wait_for_selector("body[data-ready=true]")
    yield page
    page.close()
    assert errors == []


def act_as(page: Page, who: str) -> None:
    """Pick the person in the "Act as" menu and wait until their first chat is open."""
    option = page.locator("[data-testid=act-as] option", has_text=who)
    expect(option).to_have_count(1, timeout=WAIT_MS)
    person_id = option.get_attribute("value")
    page.select_option("[data-testid=act-as]", value=person_id)
    expect(page.locator("body")).to_have_attribute("data-acting-as", str(person_id))
    expect(page.locator("[data-testid=chat-private]")).to_have_class(re.compile("active"))


def send(page: Page, text: str) -> None:
    """Type a message and press Enter; wait until it shows in the chat."""
    page.fill("[data-testid=text-input]", text)
    page.press("[data-testid=text-input]", "Enter")
    expect(page.locator("[data-testid=text-input]")).to_have_value("")


def messages(page: Page) -> Locator:
    """The message bubbles of the open chat."""
    return page.locator("[data-testid=message]")


def bubble(page: Page, fragment: str) -> Locator:
    """The last bubble of the open chat containing ``fragment``."""
    return page.locator("[data-testid=message]", has_text=fragment).last


def bot_says(page: Page, fragment: str) -> Locator:
    """Wait until a bubble in the open chat contains ``fragment``; that bubble."""
    found = bubble(page, fragment)
    expect(found).to_be_visible(timeout=WAIT_MS)
    return found


def texts_in_order(page: Page, pattern: str) -> list[str]:
    """What ``pattern``'s first group matches in the open chat's bubbles, top to bottom."""
    found = [re.search(pattern, text) for text in messages(page).all_inner_texts()]
    return [match.group(1) for match in found if match]


def topic_entry(page: Page, name: str, *, deleted: bool = False) -> Locator:
    """The staff group's topic called ``name`` in the chat list (newest first)."""
    selector = (
        "[data-testid=chat-topic].deleted" if deleted else "[data-testid=chat-topic]:not(.deleted)"
    )
    return page.locator(selector, has_text=name).first


def open_topic(page: Page, name: str, *, deleted: bool = False) -> None:
    """Open the staff group's topic called ``name`` (the live one, unless ``deleted``)."""
    entry = topic_entry(page, name, deleted=deleted)
    expect(entry).to_be_visible(timeout=WAIT_MS)
    entry.click()
    expect(page.locator("[data-testid=chat-header]")).to_contain_text(name)


def open_faults(page: Page) -> None:
    """Show the Telegram faults panel."""
    if page.locator("[data-testid=faults-panel]").is_hidden():
        page.click("[data-testid=toggle-faults]")
    expect(page.locator("[data-testid=faults-panel]")).to_be_visible()


def screenshot(page: Page, name: str) -> None:
    """Save the page as ``docs/<name>`` for README."""
    page.screenshot(path=str(DOCS / name))


def open_ticket(page: Page, customer: str, subject: str, description: str) -> None:
    """As ``customer``, open a ticket with ``/new`` and wait for its number."""
    act_as(page, customer)
    send(page, "/new")
    bot_says(page, "What is the problem")
    send(page, subject)
    bot_says(page, "describe it")
    send(page, description)
    bot_says(page, "Your ticket #")


def log_in(page: Page, password: str) -> None:
    """As the demo agent, log in from the private chat with the bot."""
    act_as(page, AGENT)
    send(page, "/login")
    bot_says(page, "username")
    send(page, "demo")
    bot_says(page, "password")
    send(page, password)
    bot_says(page, "Logged in as demo")


def card(page: Page, number: int) -> Locator:
    """Ticket ``number``'s card in the open topic (its first bubble)."""
    return (
        page.locator("[data-testid=message]", has_text=f"#{number} ")
        .filter(has=page.get_by_role("button", name=re.compile("Resolve|Reopen")))
        .first
    )
