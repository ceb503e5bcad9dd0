"""Mini App login data is checked exactly as Telegram documents it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from core.errors import CredentialsRejected
from core.services.telegram_login import sign_init_data, verify_init_data
from tests.conftest import START

TOKEN = "123456:test-bot-token"
HOUR = timedelta(hours=1)


def signed(token: str = TOKEN, *, age: timedelta = timedelta(0), **extra: str) -> str:
    fields = {
        "auth_date": str(int((START - age).timestamp())),
        "query_id": "AAH",
        "user": json.dumps({"id": 4242, "first_name": "Ann", "username": "ann_t"}),
        "signature": "c2lnbmVk",
        **extra,
    }
    return sign_init_data(fields, token)


class TestVerifyInitData:
    def test_signed_data_names_the_user(self) -> None:
        login = verify_init_data(signed(), TOKEN, now=START, max_age=HOUR)
        assert login.profile.telegram_user_id == 4242
        assert login.profile.display_name == "Ann"
        assert login.profile.username == "ann_t"

    def test_a_changed_field_breaks_the_hash(self) -> None:
        data = signed().replace("query_id=AAH", "query_id=AAX")
        with pytest.raises(CredentialsRejected, match="not signed by this bot"):
            verify_init_data(data, TOKEN, now=START, max_age=HOUR)

    def test_the_signature_field_is_part_of_the_check(self) -> None:
        data = signed().replace("signature=c2lnbmVk", "signature=b3RoZXI")
        with pytest.raises(CredentialsRejected, match="not signed"):
            verify_init_data(data, TOKEN, now=START, max_age=HOUR)

    def test_data_signed_by_another_bot_is_refused(self) -> None:
        with pytest.raises(CredentialsRejected, match="not signed by this bot"):
            verify_init_data(signed("999:other"), TOKEN, now=START, max_age=HOUR)

    def test_stale_data_is_refused(self) -> None:
        data = signed(age=HOUR + timedelta(seconds=1))
        with pytest.raises(CredentialsRejected, match="expired"):
            verify_init_data(data, TOKEN, now=START, max_age=HOUR)

    @pytest.mark.parametrize(
        "data", ["", "no-equals", "hash=", "a=1&a=2&hash=x", "user=%7B%7D&hash=ab"]
    )
    def test_malformed_data_is_refused(self, data: str) -> None:
        with pytest.raises(CredentialsRejected):
            verify_init_data(data, TOKEN, now=START, max_age=HOUR)

    def test_data_without_a_user_is_refused(self) -> None:
        data = sign_init_data({"auth_date": str(int(START.timestamp()))}, TOKEN)
        with pytest.raises(CredentialsRejected, match="names no user"):
            verify_init_data(data, TOKEN, now=START, max_age=HOUR)
