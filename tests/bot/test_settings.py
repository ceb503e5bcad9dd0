"""Reading the settings: empty values, ``.env`` and the shipped ``.env.example``."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from api.settings import ApiSettings
from bot.settings import FIXED_RULES, Settings, SettingsError, load_settings
from core.config import DeskConfig
from core.domain.business_hours import parse_business_hours

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"
SETTING_NAMES = [name.upper() for name in Settings.model_fields]  # the API's are among them


@pytest.fixture(name="folder")
def fixture_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory (no stray .env) and no setting in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    return tmp_path


class TestEmptyMeansNotSet:
    @pytest.mark.parametrize("name", SETTING_NAMES)
    def test_an_empty_environment_variable_gives_the_default(
        self, folder: Path, monkeypatch: pytest.MonkeyPatch, name: str
    ) -> None:
        monkeypatch.setenv(name, "")
        assert load_settings() == Settings()

    @pytest.mark.parametrize("name", SETTING_NAMES)
    def test_an_empty_line_in_dotenv_gives_the_default(self, folder: Path, name: str) -> None:
        (folder / ".env").write_text(f"{name}=\n")
        assert load_settings() == Settings()

    def test_an_empty_environment_variable_does_not_hide_the_dotenv_value(
        self, folder: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        (folder / ".env").write_text("STAFF_CHAT_ID=-1001234567890\n")
        monkeypatch.setenv("STAFF_CHAT_ID", "")
        assert load_settings().staff_chat_id == -1001234567890

    @pytest.mark.parametrize("name", SETTING_NAMES)
    def test_a_blank_value_gives_the_default(
        self, folder: Path, monkeypatch: pytest.MonkeyPatch, name: str
    ) -> None:
        monkeypatch.setenv(name, "   ")
        assert load_settings() == Settings()

    def test_spaces_around_the_token_are_dropped(
        self, folder: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", " 123456:ABC-token \n")
        token = load_settings().telegram_bot_token
        assert token is not None
        assert token.get_secret_value() == "123456:ABC-token"

    def test_a_value_that_is_set_still_counts(
        self, folder: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("STAFF_CHAT_ID", "-100777")
        assert load_settings().staff_chat_id == -100777


class TestEnvExample:
    def test_the_example_copied_to_dotenv_loads_with_the_documented_defaults(
        self, folder: Path
    ) -> None:
        shutil.copy(EXAMPLE, folder / ".env")
        settings = load_settings()
        assert settings == Settings(_env_file=None)
        assert settings.telegram_bot_token is None
        assert settings.staff_chat_id is None

    def test_the_example_names_every_setting(self) -> None:
        named = {
            line.split("=", 1)[0].strip()
            for line in EXAMPLE.read_text().splitlines()
            if "=" in line and not line.lstrip().startswith("#")
        }
        assert named == set(SETTING_NAMES)


class TestDeskRules:
    def test_the_defaults_are_the_desk_configs(self, folder: Path) -> None:
        assert load_settings().desk_config() == DeskConfig()

    def test_every_rule_but_the_fixed_ones_is_a_setting(self) -> None:
        rules = {rule.name for rule in dataclasses.fields(DeskConfig)}
        assert rules - set(Settings.model_fields) == FIXED_RULES

    @pytest.mark.parametrize(
        ("name", "text", "value"),
        [
            ("BCRYPT_ROUNDS", "4", 4),
            ("PASSWORD_MIN_LENGTH", "12", 12),
            ("LOGIN_MAX_FAILURES", "3", 3),
            ("LOGIN_LOCKOUT", "1h", timedelta(hours=1)),
            ("REOPEN_WINDOW", "2d", timedelta(days=2)),
            ("CATEGORIES", " Billing , ,Technical ", ("Billing", "Technical")),
            ("SLA_FIRST_RESPONSE", "2h", timedelta(hours=2)),
            ("SLA_FIRST_RESPONSE_URGENT", "5m", timedelta(minutes=5)),
            ("SLA_RESOLUTION", "48h", timedelta(hours=48)),
            ("SLA_RESOLUTION_URGENT", "2h", timedelta(hours=2)),
            ("PENDING_REMIND_AFTER", "12h", timedelta(hours=12)),
            ("PENDING_CLOSE_AFTER", "3d", timedelta(days=3)),
            ("AUTO_CLOSE_AFTER", "24h", timedelta(hours=24)),
            ("DIGEST_TIME", "17:30", time(17, 30)),
            ("TIMEZONE", "Europe/Berlin", "Europe/Berlin"),
            (
                "BUSINESS_HOURS",
                "Mon-Fri 09:00-18:00, Sat 10:00-14:00",
                parse_business_hours("Mon-Fri 09:00-18:00, Sat 10:00-14:00"),
            ),
            ("HOLIDAYS", "2026-12-26,2026-12-25", (date(2026, 12, 25), date(2026, 12, 26))),
        ],
    )
    def test_each_rule_is_read_from_its_variable(
        self, folder: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str, value: object
    ) -> None:
        monkeypatch.setenv(name, text)
        assert getattr(load_settings().desk_config(), name.lower()) == value

    def test_a_rule_out_of_range_names_the_setting(
        self, folder: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("BCRYPT_ROUNDS", "3")
        with pytest.raises(SettingsError, match=r"^BCRYPT_ROUNDS: .*greater than or equal to 4"):
            load_settings()

    @pytest.mark.parametrize(
        ("name", "text", "says"),
        [
            ("BUSINESS_HOURS", "Mon-Fri 22:00-06:00", "crosses midnight; split it"),
            ("BUSINESS_HOURS", "weekdays 9 to 5", "is not a day"),
            ("HOLIDAYS", "2026-12-25, Christmas", "'Christmas' is not a date"),
        ],
    )
    def test_malformed_business_hours_name_the_setting_and_the_fix(
        self, folder: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str, says: str
    ) -> None:
        monkeypatch.setenv(name, text)
        with pytest.raises(SettingsError, match=rf"^{name}: .*{says}"):
            load_settings()

    def test_private_topics_is_auto_unless_turned_off(
        self, folder: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert load_settings().private_topics == "auto"
        monkeypatch.setenv("PRIVATE_TOPICS", "off")
        assert load_settings().private_topics == "off"
        monkeypatch.setenv("PRIVATE_TOPICS", "sometimes")
        with pytest.raises(SettingsError, match=r"^PRIVATE_TOPICS: .*'auto' or 'off'"):
            load_settings()


class TestApiSettings:
    def test_spaces_around_the_token_are_dropped_for_the_api_too(
        self, folder: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", " 123456:ABC-token \n")
        token = ApiSettings().telegram_bot_token
        assert token is not None
        assert token.get_secret_value() == "123456:ABC-token"

    def test_a_blank_api_port_is_not_set(
        self, folder: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("API_PORT", "   ")
        assert ApiSettings().api_port is None

    def test_the_bots_settings_hold_the_apis(
        self, folder: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("API_PORT", "8099")
        settings = load_settings()
        assert isinstance(settings, ApiSettings)
        assert settings.api_port == 8099
