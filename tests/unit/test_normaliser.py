"""Every normaliser rule, one parametrized row each, in Japanese and US number formats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from gateway.core.consent import Action, Business, Capture, Status, Wording
from gateway.core.errors import (
    InvalidCapture,
    InvalidPhone,
    InvalidTime,
    InvalidTopics,
    InvalidWording,
)
from gateway.core.normaliser import normalise, sha256_text, subject_ref

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
KEY = b"unit-test-key"
JP = Business(1, "sakura", "Sakura Coffee", "+81345678901", "JP", aliases=("さくらコーヒー",))
US = Business(2, "bay", "Bay Shop", "+14155550123", "US", languages=("en",))
JA_TEXT = "さくらコーヒーから WhatsApp でお知らせを受け取ることに同意します。「停止」で停止。"
EN_TEXT = "I agree to receive WhatsApp messages from Bay Shop. Reply STOP to stop."


def wording(business: Business, text: str, lang: str = "en") -> Wording:
    return Wording(f"{business.slug}-web-{lang}-v1", business.id, "web_form", lang, 1, text,
                   sha256_text(text))


def run(business: Business = JP, text: str = JA_TEXT, **fields: object):
    base: dict[str, object] = {"business": business.slug, "phone": "090-1234-5678",
                               "channel": "web_form", "method": "checkbox",
                               "topics": ("offers",)}
    base.update(fields)
    w = None if text is None else wording(business, text, "ja" if business is JP else "en")
    return normalise(Capture(**base), business, w, now=NOW, subject_key=KEY)  # type: ignore[arg-type]


@pytest.mark.parametrize(("business", "raw", "expected"), [
    (JP, "+819012345678", "+819012345678"),            # E.164
    (JP, "090-1234-5678", "+819012345678"),            # JP national format
    (JP, "090 1234 5678", "+819012345678"),
    (JP, "０９０－１２３４－５６７８", "+819012345678"),    # full-width digits and dash
    (JP, "whatsapp:+819012345678", "+819012345678"),   # Twilio WhatsApp address
    (JP, "819012345678", "+819012345678"),             # bare WhatsApp id
    (JP, "+81 (90) 1234-5678", "+819012345678"),
    (US, "(415) 555-0100", "+14155550100"),            # US national format
    (US, "415.555.0100", "+14155550100"),
    (US, "14155550100", "+14155550100"),               # bare WhatsApp id, US
    (US, "whatsapp:+14155550100", "+14155550100"),
    (US, "+81 90-1234-5678", "+819012345678"),         # foreign number at a US business
])
def test_phone_formats_become_e164(business: Business, raw: str, expected: str) -> None:
    text = JA_TEXT if business is JP else EN_TEXT
    assert run(business, text, phone=raw).phone == expected


@pytest.mark.parametrize(("business", "raw", "code"), [
    (JP, "", "phone_missing"),
    (JP, "abc", "invalid_phone"),
    (JP, "12345", "phone_too_short"),
    (JP, "090-1234", "phone_too_short"),
    (JP, "+81 90 1234 5678 9999 12", "phone_too_long"),
    (JP, "090-0000-000", "invalid_phone"),
    (JP, "03-1234-5678", "phone_not_mobile"),          # Tokyo landline
    (JP, "0120-123-456", "phone_not_mobile"),          # toll-free
    (JP, "0990-123-456", "phone_not_mobile"),          # premium rate
    (US, "1-900-555-0100", "phone_not_mobile"),        # premium rate
    (US, "(800) 555-0100", "phone_not_mobile"),        # toll-free
    (US, "555-0100", "phone_too_short"),
])
def test_bad_numbers_are_refused_with_a_reason(business: Business, raw: str, code: str) -> None:
    text = JA_TEXT if business is JP else EN_TEXT
    with pytest.raises(InvalidPhone) as err:
        run(business, text, phone=raw)
    assert err.value.code == code
    assert err.value.field in ("phone", "country")
    assert err.value.message("en") and err.value.message("ja") != err.value.message("en")


def test_unknown_country_is_refused() -> None:
    with pytest.raises(InvalidPhone) as err:
        run(phone="090-1234-5678", country="XX")
    assert err.value.code == "unknown_country"


@pytest.mark.parametrize(("topics", "code"), [
    (("coupons",), "unknown_topic"),
    (("offers", "lottery"), "unknown_topic"),
    ((), "no_topics"),
    (None, "no_topics"),
])
def test_topics_must_be_known_and_present_on_opt_in(topics: object, code: str) -> None:
    with pytest.raises(InvalidTopics) as err:
        run(topics=topics)
    assert err.value.code == code


def test_opt_out_without_topics_means_all_topics() -> None:
    event = run(text=None, action="opt_out", topics=None)
    assert event.action is Action.OPT_OUT
    assert event.all_topics and event.topics == JP.topic_keys


def test_topics_are_deduplicated_and_ordered_like_the_business() -> None:
    assert run(topics=("newsletter", "offers", "offers")).topics == ("offers", "newsletter")


def test_business_specific_topics() -> None:
    from gateway.core.consent import Topic

    biz = Business(3, "ramen", "Ramen Ya", "+81345678902", "JP",
                   topics=(Topic("reservations", "utility", {"en": "Reservations"}),))
    text = "Ramen Ya から WhatsApp で予約のお知らせ"
    assert run(biz, text, topics=("reservations",)).topics == ("reservations",)
    with pytest.raises(InvalidTopics):
        run(biz, text, topics=("offers",))


@pytest.mark.parametrize(("text", "code"), [
    ("WhatsApp でお知らせを受け取ります。", "wording_no_business"),          # R6: no business name
    ("I agree to receive messages from Sakura Coffee.", "wording_no_whatsapp"),  # R7
    ("さくらコーヒーからSMSでお知らせを受け取ります。", "wording_no_whatsapp"),
])
def test_wording_must_name_business_and_whatsapp(text: str, code: str) -> None:
    with pytest.raises(InvalidWording) as err:
        run(text=text)
    assert err.value.code == code


@pytest.mark.parametrize("text", [
    "I agree to receive WHATSAPP messages from sakura coffee.",           # case-insensitive
    "さくらコーヒーから ＷｈａｔｓＡｐｐ でお知らせを受け取ります。",            # full-width letters
    "さくらコーヒーからワッツアップでお知らせを受け取ります。",                   # katakana
])
def test_wording_variants_that_pass(text: str) -> None:
    event = run(text=text)
    assert event.wording is not None and event.wording.sha256 == sha256_text(text)


def test_opt_in_needs_a_wording() -> None:
    with pytest.raises(InvalidWording) as err:
        run(text=None)
    assert err.value.code == "wording_missing"


def test_general_messaging_policy_accepts_wording_without_whatsapp() -> None:
    relaxed = Business(4, "gen", "Gen Store", "+81345678903", "JP",
                       policy_id="meta-general-2024-11")
    event = run(relaxed, "I agree to receive messages from Gen Store.")
    assert (event.policy_id, event.policy_version) == ("meta-general-2024-11", 1)
    assert run().policy_id == "whatsapp-specific"


def test_wording_records_id_and_exact_utf8_hash() -> None:
    event = run()
    assert event.wording is not None
    assert event.wording.id == "sakura-web-ja-v1"
    import hashlib
    assert event.wording.sha256 == hashlib.sha256(JA_TEXT.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(("value", "code"), [
    ("2026-11-25T12:00:00+00:00", "time_in_future"),
    ("2026-11-24T10:00:00", "time_no_zone"),
    (datetime(2026, 11, 24, 10, 0), "time_no_zone"),
    ("yesterday", "time_invalid"),
])
def test_bad_times(value: object, code: str) -> None:
    with pytest.raises(InvalidTime) as err:
        run(occurred_at=value)
    assert err.value.code == code


def test_times_are_converted_to_utc() -> None:
    event = run(occurred_at="2026-11-24T18:30:00+09:00")
    assert event.occurred_at == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    assert run(occurred_at=None).occurred_at == NOW
    jst = timezone(timedelta(hours=9))
    assert run(occurred_at=datetime(2026, 11, 1, 9, 0, tzinfo=jst)).occurred_at.tzinfo == UTC


@pytest.mark.parametrize(("fields", "code"), [
    ({"action": "maybe"}, "unknown_action"),
    ({"channel": "email"}, "unknown_channel"),
    ({"method": "telepathy"}, "unknown_method"),
    ({"evidence": {"pre_ticked": True}}, "pre_ticked"),
])
def test_other_invalid_captures(fields: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidCapture) as err:
        run(**fields)
    assert err.value.code == code


def test_event_is_immutable_and_keyed() -> None:
    event = run(idempotency_key="SM123", personal={"name": "Taro", "ip": "203.0.113.9"})
    assert event.idempotency_key == "SM123"
    assert event.subject_ref == subject_ref(KEY, JP.id, "+819012345678")
    assert "+819012345678" not in event.subject_ref
    with pytest.raises(AttributeError):
        event.phone = "+819099999999"  # type: ignore[misc]
    with pytest.raises(TypeError):
        event.evidence["x"] = 1  # type: ignore[index]


def test_default_idempotency_key_is_deterministic() -> None:
    first = run(occurred_at="2026-11-24T10:00:00Z")
    again = run(occurred_at="2026-11-24T10:00:00Z")
    other = run(occurred_at="2026-11-24T10:00:01Z")
    assert first.idempotency_key == again.idempotency_key != other.idempotency_key


def test_pending_only_for_opt_ins() -> None:
    assert run(pending=True).status is Status.PENDING
    assert run(text=None, action="opt_out", pending=True).status is Status.CONFIRMED


def test_evidence_floats_become_strings_for_stable_hashes() -> None:
    event = run(evidence={"confidence": 0.87, "digits": "1"})
    assert event.evidence["confidence"] == "0.87"
