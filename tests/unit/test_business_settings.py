"""The settings rules shared by the CLI and the dashboard, without a database."""

from __future__ import annotations

import pytest

from gateway.core.business_settings import SettingsProblem, change, origins
from gateway.core.consent import DEFAULT_TOPICS, Business, Topic

SHOP = Business(1, "demo", "Sakura Coffee", "+81345678901", "JP",
                settings={"frame_ancestors": ["https://old.example"], "logo_path": "/x.png",
                          "twilio_numbers": ["+815031234567"], "meta_phone_number_id": "1"})


def problem(**proposed: object) -> SettingsProblem:
    with pytest.raises(SettingsProblem) as caught:
        change(SHOP, **proposed)  # type: ignore[arg-type]
    return caught.value


def test_nothing_proposed_changes_nothing() -> None:
    assert change(SHOP) == {}


def test_origins_are_checked_cleaned_and_deduplicated() -> None:
    assert origins(["https://a.example/", " https://a.example", "", "http://*.b.example:8080"]) \
        == ["https://a.example", "http://*.b.example:8080"]
    for bad in ("https://a.example/path", "https://a.example; script-src *", "ftp://a.example",
                "https://a.example https://b.example", "javascript:alert(1)"):
        with pytest.raises(SettingsProblem):
            origins([bad])
    with pytest.raises(SettingsProblem):
        origins([f"https://s{i}.example" for i in range(21)])


def test_settings_keep_the_other_keys_and_never_write_columns_back() -> None:
    fields = change(SHOP, frame_ancestors=["https://new.example"], accent="#AABBCC")
    assert fields == {"settings": {"frame_ancestors": ["https://new.example"],
                                   "logo_path": "/x.png", "accent": "#aabbcc"}}
    assert change(SHOP, accent="")["settings"]["accent"] is None


@pytest.mark.parametrize(("proposed", "field"), [
    ({"name": "  "}, "name"), ({"name": "x" * 201}, "name"), ({"name": "a\x00b"}, "name"),
    ({"policy": "none"}, "policy"), ({"opt_out_scope": "world"}, "opt_out_scope"),
    ({"languages": []}, "languages"), ({"languages": ["fr"]}, "languages"),
    ({"accent": "red"}, "accent"), ({"accent": "#12345"}, "accent"),
])
def test_each_bad_value_names_its_field_in_both_languages(proposed: dict[str, object],
                                                          field: str) -> None:
    exc = problem(**proposed)
    assert exc.field == field
    assert exc.message("en") != exc.message("ja") and exc.message("ja")


def test_topics_may_be_added_and_relabelled_never_removed_or_recategorised() -> None:
    relabelled = tuple(Topic(t.key, t.category, {"ja": t.labels["ja"], "en": t.labels["en"] + "!"})
                       for t in DEFAULT_TOPICS)
    added = Topic("events", "marketing", {"ja": "イベント情報", "en": "Events"})
    fields = change(SHOP, topics=(*relabelled, added))
    assert [t.key for t in fields["topics"]][-1] == "events"
    assert fields["topics"][0].labels["en"].endswith("!")
    assert problem(topics=DEFAULT_TOPICS[1:]).problem == "topic_removed"
    moved = (Topic("order_updates", "marketing", DEFAULT_TOPICS[0].labels), *DEFAULT_TOPICS[1:])
    assert problem(topics=moved).problem == "topic_removed"
    for bad_key in ("Events", "e", "has space", "x" * 41):
        exc = problem(topics=(*DEFAULT_TOPICS, Topic(bad_key, "marketing", added.labels)))
        assert exc.problem == "topic_key"
    assert problem(topics=(*DEFAULT_TOPICS, added, added)).problem == "topic_key"
    assert problem(topics=(*DEFAULT_TOPICS, Topic("events", "spam", added.labels))).problem \
        == "topic_category"
    assert problem(topics=(*DEFAULT_TOPICS, Topic("events", "utility", {"ja": "x"}))).problem \
        == "topic_label"
