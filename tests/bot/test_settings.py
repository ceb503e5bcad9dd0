"""Reading the settings: empty values, ``.env`` and the shipped ``.env.example``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from api.settings import ApiSettings
from bot.settings import Settings, load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"
SETTING_NAMES = [name.upper() for name in Settings.model_fields]


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
        api_names = {name.upper() for name in ApiSettings.model_fields}
        assert named == set(SETTING_NAMES) | api_names
