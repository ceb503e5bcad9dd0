"""Log lines and error lines never carry a bot token."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.logs import RedactSecrets, configure_logging, redact, secret_forms

TOKEN = "7012345678:AAHx-Very_Secret_Token_Part_0123456789"
SHORT_TOKEN = "987654:SHORT-TEST-TOKEN"  # not token-shaped: only the configured value tells


def _refuse() -> None:
    raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")


@pytest.fixture(name="log")
def fixture_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose lines go through the redacting filter into a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactSecrets(secret_forms(SHORT_TOKEN)))
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


@pytest.fixture(name="root_logging")
def fixture_root_logging() -> Iterator[None]:
    """Put the root logger back as it was after ``configure_logging``."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.captureWarnings(False)


class TestRedact:
    @pytest.mark.parametrize(
        "text",
        [
            f"The token `{TOKEN}` was rejected by the server.",
            f"POST https://api.telegram.org/bot{TOKEN}/getMe",
            f"{TOKEN}",
        ],
    )
    def test_anything_token_shaped_goes(self, text: str) -> None:
        cleaned = redact(text)
        assert TOKEN not in cleaned
        assert "[redacted]" in cleaned

    def test_the_configured_token_goes_whatever_its_shape(self) -> None:
        cleaned = redact(
            f"url /bot{SHORT_TOKEN}/x and /x/SHORT-TEST-TOKEN", secret_forms(SHORT_TOKEN)
        )
        assert "SHORT-TEST-TOKEN" not in cleaned

    def test_ordinary_text_with_numbers_and_colons_stays(self) -> None:
        text = "ticket #12 at 09:30, chat -1001234567890: 3 rows"
        assert redact(text) == text

    def test_no_token_no_secret_forms(self) -> None:
        assert secret_forms(None) == []
        assert secret_forms("") == []


class TestRedactSecretsFilter:
    def test_a_token_in_the_arguments_is_redacted(
        self, log: tuple[logging.Logger, io.StringIO]
    ) -> None:
        logger, stream = log
        logger.warning("calling %s with %s", f"/bot{TOKEN}/getMe", SHORT_TOKEN)
        assert TOKEN not in stream.getvalue()
        assert SHORT_TOKEN not in stream.getvalue()
        assert "calling /bot[redacted]/getMe with [redacted]" in stream.getvalue()

    def test_a_token_inside_an_exception_text_is_redacted(
        self, log: tuple[logging.Logger, io.StringIO]
    ) -> None:
        logger, stream = log
        try:
            _refuse()
        except RuntimeError:
            logger.exception("startup failed")
        output = stream.getvalue()
        assert "RuntimeError: The token `[redacted]` was rejected" in output
        assert TOKEN not in output

    def test_a_token_in_the_stack_is_redacted(
        self, log: tuple[logging.Logger, io.StringIO]
    ) -> None:
        logger, stream = log
        record = logger.makeRecord(
            logger.name, logging.ERROR, __file__, 1, "failed", None, None,
            sinfo=f'Stack (most recent call last):\n  get("/bot{TOKEN}/getMe")',
        )  # fmt: skip
        logger.handle(record)
        assert 'get("/bot[redacted]/getMe")' in stream.getvalue()
        assert TOKEN not in stream.getvalue()

    def test_a_log_call_with_wrong_arguments_does_not_leak_them(
        self, log: tuple[logging.Logger, io.StringIO]
    ) -> None:
        logger, stream = log
        logger.error("one %s", TOKEN, "two")  # noqa: PLE1205 - the mistake under test
        assert TOKEN not in stream.getvalue()


class TestConfigureLogging:
    def test_every_line_on_stderr_is_redacted(
        self, root_logging: None, capsys: pytest.CaptureFixture[str]
    ) -> None:
        configure_logging("DEBUG", secrets=secret_forms(SHORT_TOKEN))
        logging.getLogger("bot.anything").debug("token %s and %s", TOKEN, SHORT_TOKEN)
        logging.getLogger("telegram.ext").error("refused: %s", f"The token `{TOKEN}` ...")
        err = capsys.readouterr().err
        assert err.count("[redacted]") == 3
        assert TOKEN not in err
        assert SHORT_TOKEN not in err
