"""The client address comes from X-Forwarded-For only behind proxies the deployment names
(TRUSTED_PROXIES); otherwise the header is anyone's to forge."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from gateway.app import create_app
from gateway.cli import setup_business
from gateway.core.config import ConfigError
from tests.web.conftest import FormClient, events_of


def submit(app: Flask) -> Any:
    gw = app.extensions["gateway"]
    business = setup_business(gw.store, slug="demo", name="Sakura Coffee",
                              whatsapp="+81345678901", country="JP", languages=("ja", "en"))
    form = FormClient(app.test_client(), "/b/demo/optin")
    res = form.submit({"phone": "090-1234-5678", "topics": ["offers"]},
                      headers={"X-Forwarded-For": "192.0.2.99"})
    assert res.status_code == 200
    (event,) = events_of(gw, business, "+819012345678")
    return event.personal["ip"]


@pytest.mark.parametrize(("proxies", "ip"), [(None, "127.0.0.1"), ("1", "192.0.2.99")])
def test_the_form_evidence_ip(app_config: dict[str, Any], proxies: str | None,
                              ip: str) -> None:
    app = create_app({**app_config, "TRUSTED_PROXIES": proxies})
    app.extensions["gateway"].db.upgrade()
    try:
        assert submit(app) == ip
    finally:
        app.extensions["gateway"].db.dispose()


def test_a_wrong_proxy_count_stops_start_up(app_config: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        create_app({**app_config, "TRUSTED_PROXIES": "yes"})
