"""The contacts workspace: every contact of the business, filtered and paged on the server,
and the filtered view as a CSV download (docs/admin.md).

Filters come from the query string (a GET form, so a view is a link to share) and are read
by :func:`gateway.admin.contact_filters.read_filters`; a value the page cannot use is shown
as a message, never an error page. Pages are keyset pages from ``gw().admin_store``
(``gateway.store.contacts_query``). The export is admin-only, as staff may read contacts
one by one but only an administrator takes them all away in a file.
"""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for

from gateway.admin.auth import current_business, is_admin, lang, t
from gateway.admin.blueprint import bp
from gateway.admin.contact_export import contacts_csv
from gateway.admin.contact_filters import (
    DATE_FIELDS,
    STATUSES,
    FilterRequest,
    filter_values,
    page_links,
    read_filters,
)
from gateway.admin.display import business_tz
from gateway.admin.texts import CHANNELS, label
from gateway.admin.views import helpers
from gateway.core.consent import Business
from gateway.http import download, gw


def _choices(business: Business) -> dict[str, list[tuple[str, str]]]:
    """The filter form's options, in the dashboard language."""
    language = lang()
    channels = sorted(set(CHANNELS) | set(gw().service.allowed_channels))
    placements = gw().placements.list(business)
    return {
        "topic": [(topic.key, topic.label(language)) for topic in business.topics],
        "status": [(s, t(f"status.{s}")) for s in STATUSES],
        "channel": [(c, label(CHANNELS, c, language)) for c in channels],
        "placement": [(p.code, f"{p.label} ({p.code})") for p in placements],
        "dates": [(d, t(f"workspace.dates_{d}")) for d in DATE_FIELDS],
        "erased": [("no", t("workspace.erased_no")), ("yes", t("workspace.erased_yes"))],
        "linked": [("yes", t("workspace.linked_yes")), ("no", t("workspace.linked_no"))],
    }


def _read(business: Business, choices: dict[str, list[tuple[str, str]]]) -> FilterRequest:
    return read_filters(
        request.args, topics=business.topic_keys,
        channels={c for c, _ in choices["channel"]},
        placements={c for c, _ in choices["placement"]}, tz=business_tz(business),
        country=business.country, ref_of=lambda ident: gw().service.ref(business, ident))


def _messages(asked: FilterRequest) -> list[str]:
    return [t(p.key, **{k: (t(f"workspace.f_{v}") if k == "field" else v)
                        for k, v in p.params.items()}) for p in asked.problems]


@bp.get("/contacts")
def contacts() -> Any:
    """Filters, search by any number format (a whole number opens its contact), pages."""
    business = current_business()
    if business is None:
        return render_template("admin/empty.html")
    choices = _choices(business)
    asked = _read(business, choices)
    values = filter_values(asked.values)
    store = gw().admin_store
    if asked.exact and set(values) == {"q"} and not (asked.after or asked.before):
        found = store.contact_by_ref(business.id, asked.exact[0])
        if found is not None:
            return redirect(url_for("admin.contact", contact_id=found.id))
    page = store.contacts_page(business.id, asked.filters, after=asked.after,
                               before=asked.before)
    messages = _messages(asked)
    if page.restarted:
        messages.append(t("workspace.restarted"))
    return render_template(
        "admin/contacts.html", q=asked.query, values=values, choices=choices, page=page,
        links={k: url_for("admin.contacts", **v) for k, v in page_links(values, page).items()},
        export_url=url_for("admin.export_contacts", **values) if is_admin() else None,
        messages=messages, filtered=bool(values), paged=bool(asked.after or asked.before),
        topics=business.topics, **helpers(business))


@bp.get("/contacts/export.csv")
def export_contacts() -> Any:
    """The filtered view, every page of it, as CSV (streamed). A filter the page could not
    read is refused here rather than dropped: the file would hold more than was asked."""
    business = current_business()
    if business is None:
        abort(404)
    if not is_admin():
        abort(403)
    choices = _choices(business)
    asked = _read(business, choices)
    if asked.problems:
        values = filter_values(asked.values)
        page = gw().admin_store.contacts_page(business.id, asked.filters)
        return render_template(
            "admin/contacts.html", q=asked.query, values=values, choices=choices, page=page,
            links={}, export_url=None, filtered=True, paged=False, topics=business.topics,
            messages=[*_messages(asked), t("workspace.export_refused")],
            **helpers(business)), 400
    blocks = gw().admin_store.contact_blocks(business.id, asked.filters)
    return download(contacts_csv(blocks, business.topic_keys), "text/csv; charset=utf-8",
                    f"{business.slug}-contacts.csv")
