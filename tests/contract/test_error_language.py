"""API errors speak the caller's language (Accept-Language), keep their stable code, and say
which language they are in; every error code has a Japanese message of its own."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.core.i18n import ERRORS

JA = {"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.5"}


def _japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_validation_error_follows_accept_language(client: Any, auth: dict[str, str],
                                                    lang: str) -> None:
    headers = {**auth, "Accept-Language": JA["Accept-Language"] if lang == "ja" else "en-US"}
    response = client.post("/api/v1/consents", headers=headers, json={
        "phone": "12", "topics": ["offers"], "channel": "checkout"})
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["code"] == "phone_too_short"
    assert _japanese(error["message"]) is (lang == "ja")
    assert response.headers["Content-Language"] == lang
    assert "Accept-Language" in response.headers["Vary"]


def test_unknown_field_unknown_endpoint_and_missing_key_in_japanese(client: Any,
                                                                   auth: dict[str, str]) -> None:
    unknown = client.post("/api/v1/consents", headers={**auth, **JA}, json={
        "phone": "090-1234-5678", "topics": ["offers"], "channel": "checkout", "colour": "x"})
    assert unknown.status_code == 400 and unknown.get_json()["error"]["field"] == "colour"
    assert _japanese(unknown.get_json()["error"]["message"])
    for response in (client.get("/api/v1/nowhere", headers={**auth, **JA}),
                     client.get("/api/v1/eligibility?phone=1&topic=offers", headers=JA)):
        assert response.status_code in (401, 404)
        assert _japanese(response.get_json()["error"]["message"])


def test_without_accept_language_errors_are_english(client: Any, auth: dict[str, str]) -> None:
    response = client.get("/api/v1/eligibility?phone=abc&topic=offers", headers=auth)
    assert response.status_code in (400, 422)
    assert not _japanese(response.get_json()["error"]["message"])
    assert response.headers["Content-Language"] == "en"


def test_every_error_code_has_its_own_japanese_message() -> None:
    missing = [code for code, texts in ERRORS.items()
               if not texts.get("ja") or texts["ja"] == texts.get("en")]
    assert missing == []
