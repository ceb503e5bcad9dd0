"""Domain errors: every refusal the desk can give, as one small hierarchy.

Front ends catch ``DeskError`` (or one leaf) and turn it into a user-facing answer; the
message of each error is already a complete sentence that can be shown as it is.

Hierarchy::

    DeskError
    ├── NotFound
    │   ├── TicketNotFound        no such ticket, or the actor may not see it
    │   ├── AgentNotFound         no agent with that username
    │   ├── CustomerNotFound      no customer with that Telegram username or id
    │   ├── MessageNotFound       no stored message for that id or Telegram copy
    │   └── SavedReplyNotFound    no saved reply by that name; carries the closest names
    ├── PermissionDenied          the actor may not do this (not an agent, not an admin, ...)
    ├── InvalidInput              a value is malformed or out of range
    │   ├── PasswordRejected      too short, too long (over 72 bytes) or otherwise unusable
    │   └── UsernameTaken         another agent already has that username
    ├── TransitionRefused         the lifecycle does not allow this move for this actor
    ├── TicketClosed              a message was sent to a closed ticket
    ├── AuthenticationFailed      wrong username or password (never says which)
    ├── AccountLocked             too many failed logins; carries ``until``
    ├── CredentialsRejected       an API token or Telegram login data that is missing,
    │                             forged, expired, revoked or already used
    ├── DuplicateMessage          the same inbound Telegram message was recorded before
    ├── BanRefused                a ban on an agent's account, a second ban, an unban of
    │                             someone not banned
    └── BackupRefused             a backup or restore that cannot be made: an unwritable
                                  path, a file that is no backup, a newer schema, a desk
                                  running on the database
"""

from __future__ import annotations

from datetime import datetime


class DeskError(Exception):
    """Base class of every error the desk raises on purpose."""


class NotFound(DeskError):
    """Something asked for does not exist (or must look as if it did not)."""


class TicketNotFound(NotFound):
    """Raised for a missing ticket and, identically, for another customer's ticket."""

    def __init__(self, number: int) -> None:
        super().__init__(f"Ticket #{number} was not found.")
        self.number = number


class AgentNotFound(NotFound):
    """Raised when no agent has the given username."""

    def __init__(self, username: str) -> None:
        super().__init__(f"No agent is called {username!r}.")
        self.username = username


class CustomerNotFound(NotFound):
    """Raised when no customer has the given Telegram username or user id."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"No customer {reference!r} has written to the desk.")
        self.reference = reference


class MessageNotFound(NotFound):
    """Raised when a stored message (or a Telegram copy of one) is unknown."""


class SavedReplyNotFound(NotFound):
    """Raised when no saved reply has the given name; ``suggestions`` are the closest names."""

    def __init__(self, name: str, suggestions: tuple[str, ...]) -> None:
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"There is no saved reply “{name}”.{hint} /saved lists them all.")
        self.name = name
        self.suggestions = suggestions


class PermissionDenied(DeskError):
    """Raised when the actor may not perform the operation at all."""


class InvalidInput(DeskError):
    """Raised when a value is malformed or out of range; the message says which and why."""


class PasswordRejected(InvalidInput):
    """Raised when a new password is unusable (too short, over 72 bytes, ...)."""


class UsernameTaken(InvalidInput):
    """Raised when an agent username is already in use."""

    def __init__(self, username: str) -> None:
        super().__init__(f"The username {username!r} is already taken.")
        self.username = username


class TransitionRefused(DeskError):
    """Raised when the lifecycle does not allow a status change for this actor."""

    def __init__(self, current: str, requested: str, reason: str = "") -> None:
        text = f"A ticket cannot go from {current} to {requested}"
        super().__init__(f"{text}: {reason}." if reason else f"{text}.")
        self.current = current
        self.requested = requested


class TicketClosed(DeskError):
    """Raised when a ticket no longer takes messages; a customer gets a follow-up instead.

    That is a closed ticket, or (for customers) one resolved longer ago than the reopen
    window.
    """

    def __init__(self, number: int, reason: str = "is closed") -> None:
        super().__init__(f"Ticket #{number} {reason}.")
        self.number = number


class AuthenticationFailed(DeskError):
    """Raised for a wrong username or a wrong password, with one message for both."""

    def __init__(self) -> None:
        super().__init__("Wrong username or password.")


class AccountLocked(DeskError):
    """Raised while logins are locked after too many failures."""

    def __init__(self, until: datetime) -> None:
        super().__init__(
            "Too many failed logins. Try again after "
            f"{until.strftime('%H:%M')} UTC ({until.strftime('%Y-%m-%d')})."
        )
        self.until = until


class CredentialsRejected(DeskError):
    """Raised for an API token or Telegram login data that cannot be used; says why."""


class DuplicateMessage(DeskError):
    """Raised when an inbound message was already recorded (Telegram delivered it twice)."""


class BanRefused(DeskError):
    """Raised when a ban or an unban cannot be made: the target is an agent's Telegram
    account, is banned already, or is not banned."""


class BackupRefused(DeskError):
    """Raised when a backup or a restore cannot be made; nothing was changed."""
