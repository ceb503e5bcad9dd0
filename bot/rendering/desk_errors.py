"""The desk's refusals in the customer's language, and in ``STAFF_LANGUAGE`` for agents.

Core speaks English in its errors (it renders no text for people, only says why). The
sentences a customer can meet are listed here as templates that mirror core's wording, and
those only agents meet after them; one that matches is shown translated, with its values
kept. Anything else is shown as it is.
"""

from __future__ import annotations

import re
from functools import cache

from bot.i18n import N_, _, staff_gettext
from bot.rendering.words import customer_status_word, priority_word, status_word
from core.domain.values import Priority, Status

CUSTOMER_ERRORS = (
    N_("Ticket #{number} was not found."),
    N_("Ticket #{number} is closed."),
    N_("Ticket #{number} was resolved too long ago to reopen."),
    N_("Ticket #{number} is closed; reopen it before replying."),
    N_("Ticket #{number} is closed; it cannot be made active."),
    N_("Ticket #{number} can be rated once it is resolved."),
    N_("Ticket #{number} was erased; it takes no rating any more."),
    N_("Ticket #{number} is open again: just write here and your message goes to the team."),
    N_("Rate ticket #{number} before adding a comment."),
    N_("You already added a comment on ticket #{number}. Thank you!"),
    N_("A ticket cannot go from {current} to {requested}."),
    N_("The message is empty: write some text or attach something."),
    N_("The message is longer than {limit} characters."),
    N_("An edit cannot leave a message empty; the earlier version stands."),
    N_("The edited message is longer than {limit} characters; the earlier version stands."),
    N_("The subject is empty: describe the problem in a few words."),
    N_("The subject is {length} characters long; keep it to {limit} or fewer."),
    N_("A rating is a whole number from 1 to 5."),
    N_("Keep the comment to {limit} characters."),
    N_("The comment is empty."),
    N_("That page link is no longer valid; open the list again."),
    N_("This button is not valid any more."),
    N_("{tag} is not a language tag."),
    N_("Unknown category {category}; choose one of: {names}."),
    N_("There are no categories to choose from."),
    N_(
        "You opened {count} tickets in the last 24 hours, as many as a day allows. "
        "Write in one of them (/my lists them), or open a new one tomorrow."
    ),
    N_("The data was erased on {day}; nothing has been written since."),
    N_("Ticket #{number} alone is larger than one file."),
)
STAFF_ERRORS = (
    N_("Wrong username or password."),
    N_("Too many failed logins. Try again after {time} UTC ({day})."),
    N_("No agent is called {name}."),
    N_("No customer {reference} has written to the desk."),
    N_("There is no saved reply “{name}”. /saved lists them all."),
    N_("There is no saved reply “{name}”. Did you mean: {names}? /saved lists them all."),
    N_("Ticket #{number} is already assigned to {agent}."),
    N_("Ticket #{number} already has {priority} priority."),
    N_("Ticket #{number} is already yours and {status}."),
    N_("Ticket #{number} has no tag “{tag}”."),
    N_("Name at least one tag."),
    N_("A ticket carries at most {limit} tags."),
    N_("A tag is at most {limit} characters long."),
    N_("A tag needs at least one letter or digit."),
    N_("Only agents can do that."),
    N_("Only an admin agent can see unreadable updates."),
    N_("Write what to search for, for example: /search printer smoke"),
    N_("Those words are too common to search for; add a more specific one."),
    N_("#{number} cannot be merged into itself: name two tickets."),
    N_("{name} is banned already."),
    N_("{name} is not banned."),
    N_("Unknown status “{value}”. Use one of: {names}."),
    N_("A saved reply is at most {limit} characters."),
    N_("Write the reply after its name: /saved add {name} text…"),
    N_("“{text}” is neither a Telegram user id nor an @username."),
    N_("“customer:{reference}” needs @username or a Telegram id."),
    N_("“{name}:” needs a value, for example {example}."),
    N_("No unreadable update has the id {id}."),
    N_("A ticket cannot go from {current} to {requested}: the ticket is already {status}."),
    N_("A ticket cannot go from {current} to {requested}: only {who} may make this move."),
    N_("A ticket cannot go from {current} to {requested}: the lifecycle has no such move."),
    N_("A ticket cannot go from {current} to {requested}: #{number}'s content was erased."),
    N_(
        "A ticket cannot go from {current} to {requested}: #{number} was merged into "
        "#{target}; work on that one."
    ),
    N_("Ticket #{number} was erased; it takes no more messages."),
    N_("Ticket #{number} was merged into #{target}; write on that one."),
    N_(
        "The customer has this reply already: an edit cannot make it an internal note, and "
        "their copy stays as it was. Send the note as a new message."
    ),
    N_("Ticket #{number} has no assignee already."),
    N_("Ticket #{number} has no category already."),
    N_("Ticket #{number} already has category {category}."),
    N_(
        "#{source} and #{target} belong to different customers ({first} and {second}): "
        "only one customer's tickets can be merged."
    ),
    N_("#{number} is closed: reopen it first, or merge it into #{other} instead."),
    N_("#{number} is already closed: there is nothing to merge."),
    N_("#{number} is already closed (merged into #{target}): there is nothing to merge."),
    N_("Only agents can ban or unban customers."),
    N_("Only agents can write internal notes."),
    N_("Only customers report tickets."),
    N_("Only customers have their own ticket list."),
    N_("Only customers have a current ticket."),
    N_("Only customers have an active ticket."),
    N_("Only the customer can rate a ticket."),
    N_("Only the customer can comment on a rating."),
    N_(
        "{name} is the Telegram account of an agent; agents are never banned. "
        "To stop an agent, use: helpdesk agent disable USERNAME."
    ),
    N_("“{text}” names no customer: use @username or a Telegram id."),
    N_("“{text}” names no customer: give a ticket number (12), an @username or id:TELEGRAM_ID."),
    N_("“{text}” cannot name a saved reply: use up to {limit} letters (a–z), digits, - and _."),
    N_("Unknown placeholder {placeholder}: use {customer}, {ticket} or {agent}."),
    N_("A saved reply “{name}” was just saved; try again."),
    N_(
        "The saved reply “{name}” is another agent's: only its author or an admin may "
        "change or delete it."
    ),
    N_(
        "“{text}” is not a tag: use letters, digits, - and _ only, starting with a letter or digit."
    ),
    N_("The search is {length} characters long; keep it under {limit}."),
    N_("A search shows 1 to {limit} tickets."),
)
"""Refusals only agents meet, matched before ``CUSTOMER_ERRORS`` (which they meet too)."""
_FIELD = re.compile(r"\{(\w+)\}")
_STATUSES = {status.value: status for status in Status}
_PRIORITIES = {priority.value: priority for priority in Priority}


@cache
def _patterns(templates: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    compiled = []
    for template in templates:
        parts = _FIELD.split(template)
        regex = "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
            for index, part in enumerate(parts)
        )
        compiled.append((template, re.compile(regex)))
    return tuple(compiled)


def customer_error(error: Exception) -> str:
    """What a refusal says, in the customer's language when it is one they can meet."""
    text = str(error)
    matched = matching_template(text, CUSTOMER_ERRORS)
    if matched is None:
        return text
    template, found = matched
    values = {
        name: customer_status_word(_STATUSES[value]) if value in _STATUSES else value
        for name, value in found.items()
    }
    return _(template).format(**values)


def staff_error(error: Exception) -> str:
    """What a refusal says, in ``STAFF_LANGUAGE`` when it is one the desk knows."""
    text = str(error)
    matched = matching_template(text, STAFF_ERRORS + CUSTOMER_ERRORS)
    if matched is None:
        return text
    template, found = matched
    values = {name: _staff_word(value) for name, value in found.items()}
    return staff_gettext(template).format(**values)


def matching_template(
    sentence: str, templates: tuple[str, ...]
) -> tuple[str, dict[str, str]] | None:
    """The first of ``templates`` a sentence of core's fits, with the values it carries."""
    for template, pattern in _patterns(templates):
        found = pattern.fullmatch(sentence)
        if found is not None:
            return template, found.groupdict()
    return None


def _staff_word(value: str) -> str:
    """A status or a priority named in a refusal, in ``STAFF_LANGUAGE``; others as they are."""
    if value in _STATUSES:
        return status_word(_STATUSES[value])
    if value in _PRIORITIES:
        return priority_word(_PRIORITIES[value])
    return value
