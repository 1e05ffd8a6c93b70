"""The pure parts of the IVR: speech meaning, keyed numbers, read-backs, the state machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.core.consent import Business, Wording
from gateway.core.normaliser import sha256_text
from gateway.ivr import flow as ivr
from gateway.ivr import texts as T

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
BIZ = Business(id=7, slug="demo", name="Sakura Coffee", whatsapp_number="+81345678901",
               country="JP", languages=("ja", "en"))


def _wording(lang: str) -> Wording:
    text = f"Sakura Coffee WhatsApp request in {lang}"
    return Wording(f"demo-ivr-{lang}-v1", 7, "ivr", lang, 1, text, sha256_text(text))


CTX = ivr.Context(BIZ, {"ja": _wording("ja"), "en": _wording("en")})


@pytest.mark.parametrize(("speech", "lang", "meaning"), [
    ("Yes", "en", "yes"), ("yes please.", "en", "yes"), ("Okay, I agree", "en", "yes"),
    ("no", "en", "no"), ("No thank you", "en", "no"), ("nope", "en", "no"),
    ("stop", "en", "stop"), ("please stop", "en", "stop"), ("no, stop", "en", "stop"),
    ("はい", "ja", "yes"), ("はい、お願いします。", "ja", "yes"), ("ええ", "ja", "yes"),
    ("いいえ", "ja", "no"), ("いいえ、結構です", "ja", "no"), ("いらないです", "ja", "no"),
    ("停止してください", "ja", "stop"), ("配信停止", "ja", "stop"), ("yes", "ja", "yes"),
    # Unclear or contradictory: never taken as an answer, let alone consent.
    ("yes no", "en", None), ("I don't agree", "en", None), ("not ok", "en", None),
    ("what is this", "en", None), ("", "en", None), ("know", "en", None),
    ("yes stop", "en", None), ("はい、いいえ", "ja", None), ("もしもし", "ja", None),
])
def test_interpret(speech: str, lang: str, meaning: str | None) -> None:
    assert ivr.interpret(speech, lang) == meaning


@pytest.mark.parametrize(("digits", "expected"), [
    ("09012345678", "+819012345678"), ("819012345678", "+819012345678"),
    ("00819012345678", "+819012345678"), ("*819012345678", "+819012345678"),
    ("*447911123456", "+447911123456"), ("0312345678", None), ("12345", None), ("", None),
    ("0120123456", None), ("*", None), ("09012345678901234", None),
])
def test_parse_keyed(digits: str, expected: str | None) -> None:
    assert ivr.parse_keyed(digits, "JP") == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("+819012345678", ("+819012345678", "ok")), ("anonymous", (None, "withheld")),
    ("Anonymous", (None, "withheld")), ("", (None, "withheld")), (None, (None, "withheld")),
    ("+266696687", (None, "withheld")), ("unknown", (None, "withheld")),
    ("restricted", (None, "withheld")), ("+81312345678", (None, "not_mobile")),
    ("client:alice", (None, "not_mobile")),
])
def test_parse_caller(raw: str | None, expected: tuple[str | None, str]) -> None:
    assert ivr.parse_caller(raw, "JP") == expected


def test_spoken_numbers() -> None:
    assert ivr.spoken_number("+819012345678", "JP", "en") == "0 9 0, 1 2 3 4, 5 6 7 8"
    assert ivr.spoken_number("+819012345678", "JP", "ja") == "0、9、0、 1、2、3、4、 5、6、7、8"
    assert ivr.spoken_number("+819012345678", "US", "en") == "plus 8 1, 9 0, 1 2 3 4, 5 6 7 8"
    assert ivr.spoken_number("+14155550100", "US", "en") == "4 1 5, 5 5 5, 0 1 0 0"


def test_every_prompt_exists_in_both_languages() -> None:
    for key, entry in T.TEXTS.items():
        assert set(entry) == {"ja", "en"}, key
        assert all(v.strip() for v in entry.values()), key
    assert T.template_hash("done_opt_in", "ja") != T.template_hash("done_opt_in", "en")


def _answer(at: int = 0, **kw: object) -> ivr.Answer:
    return ivr.Answer(at=NOW + timedelta(seconds=at), **kw)  # type: ignore[arg-type]


def test_state_survives_json_between_steps() -> None:
    st, reply = ivr.start("CA1", BIZ, "+819012345678", at=NOW, stir_verstat=None, ctx=CTX)
    assert reply.gather is not None and reply.gather.step == "language"
    for i, digits in enumerate(("2", "2", "1", "2", "1", "2")):
        st = ivr.CallState.from_json(st.to_json())
        t = ivr.advance(st, _answer(i, digits=digits), CTX)
    assert t.decision == ivr.Decision("opt_in", ("order_updates", "newsletter"), "dtmf")
    assert st.outcome == "opt_in" and t.reply.hangup
    capture = ivr.to_capture(st, t.decision, BIZ, key="ivr:CA1:topic:7", sender=None, at=NOW)
    assert capture.channel == "ivr" and capture.wording_id == "demo-ivr-en-v1"
    assert capture.phone == "+819012345678" and "9012345678" not in str(capture.evidence)


def test_retry_budget_is_per_question() -> None:
    st, _ = ivr.start("CA2", BIZ, "+819012345678", at=NOW, stir_verstat=None, ctx=CTX)
    ivr.advance(st, _answer(), CTX)
    ivr.advance(st, _answer(digits="7"), CTX)
    t = ivr.advance(st, _answer(digits="1"), CTX)  # two misses at the language...
    assert st.step == "request" and st.attempts == 0 and t.reply.gather is not None
    ivr.advance(st, _answer(), CTX)
    ivr.advance(st, _answer(), CTX)  # ...and two at the request are still allowed
    assert not st.finished
    t = ivr.advance(st, _answer(), CTX)
    assert st.outcome == "no_answer" and t.decision is None and t.reply.hangup
    assert ivr.advance(st, _answer(digits="1"), CTX).decision is None  # over is over


def test_missing_wording_ends_the_call_politely() -> None:
    ctx = ivr.Context(BIZ, {})
    st, _ = ivr.start("CA3", BIZ, "+819012345678", at=NOW, stir_verstat=None, ctx=ctx)
    t = ivr.advance(st, _answer(digits="1"), ctx)
    assert st.outcome == "unavailable" and t.reply.hangup and t.decision is None
    assert t.reply.says[0].id == "ivr:unavailable:ja"


def test_speech_threshold_is_a_business_setting() -> None:
    strict = Business(**{**BIZ.__dict__, "settings": {"ivr_speech_confidence": 0.95}})
    ctx = ivr.Context(strict, CTX.wordings)
    st, _ = ivr.start("CA4", strict, "+819012345678", at=NOW, stir_verstat=None, ctx=ctx)
    ivr.advance(st, _answer(digits="2"), ctx)
    ivr.advance(st, _answer(speech="yes", confidence=0.9), ctx)
    assert st.step == "speech_confirm"
    assert ivr.Context(BIZ, {}).threshold == ivr.DEFAULT_THRESHOLD


def test_low_confidence_answer_to_a_topic() -> None:
    st, _ = ivr.start("CA5", BIZ, "+819012345678", at=NOW, stir_verstat=None, ctx=CTX)
    ivr.advance(st, _answer(digits="2"), CTX)
    ivr.advance(st, _answer(digits="2"), CTX)
    t = ivr.advance(st, _answer(speech="yes", confidence=0.3), CTX)
    assert st.step == "speech_confirm" and t.reply.says[0].text.startswith("I heard: yes.")
    t = ivr.advance(st, _answer(digits="2"), CTX)  # not what I said: the same topic again
    assert st.step == "topic" and st.topic_index == 0
    assert t.reply.says[-1].text.startswith("Order and delivery updates.")
    ivr.advance(st, _answer(speech="no", confidence=0.2), CTX)
    t = ivr.advance(st, _answer(digits="1"), CTX)  # confirmed "no"
    assert st.step == "topic" and st.topic_index == 1 and st.chosen == []
    assert t.reply.says[-1].text.startswith("Offers and promotions.")
    for digits in ("1", "2", "2"):
        t = ivr.advance(st, _answer(digits=digits), CTX)
    assert t.decision == ivr.Decision("opt_in", ("offers",), "dtmf")
