"""Atom feeds of published opportunities, per category and area.

Why Atom: anyone — a supplier, a business-support group, a local newsletter — can subscribe in a
feed reader or pipe it elsewhere, without an account, an e-mail address or anchorkit knowing who
reads. The feed is built with the standard library's XML writer, so every title and description
is escaped; entries link to the opportunity's public page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from xml.etree import ElementTree as ET

from anchorkit.portal.postings import band_label
from anchorkit.records.appdb import PortalPosting

ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"


def _stamp(value: datetime | date | None) -> str:
    if value is None:
        return "1970-01-01T00:00:00Z"
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom_feed(
    postings: list[PortalPosting],
    *,
    title: str,
    self_url: str,
    site_url: str,
    category_names: dict[str, str],
    currency: str,
) -> bytes:
    """The feed document (UTF-8 bytes); ``site_url`` without a trailing slash."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

    def add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    add(feed, "id", self_url)
    add(feed, "title", title)
    add(feed, "link", rel="self", href=self_url, type=ATOM_TYPE)
    add(feed, "link", rel="alternate", href=f"{site_url}/portal/opportunities", type="text/html")
    updated = max((p.created_at for p in postings), default=None)
    add(feed, "updated", _stamp(updated))
    author = add(feed, "author")
    add(author, "name", "anchorkit")
    for p in postings:
        entry = add(feed, "entry")
        url = f"{site_url}/portal/opportunities/{p.posting_id}"
        add(entry, "id", url)
        add(entry, "title", p.title)
        add(entry, "link", rel="alternate", href=url, type="text/html")
        add(entry, "updated", _stamp(p.created_at))
        add(entry, "published", _stamp(p.created_at))
        category = category_names.get(p.category_code, p.category_code)
        add(entry, "category", term=p.category_code, label=category)
        facts = [
            f"Buyer: {p.buyer}",
            f"Category: {category}",
            f"Value: {currency} {band_label(p.value_low, p.value_high)}",
            f"Closes: {p.closes_on.isoformat() if p.closes_on else 'not given'}",
            f"Where: {p.area or p.postcode or 'not given'}",
        ]
        if p.asks:
            facts.append("Social value asked: " + ", ".join(p.asks))
        if p.description:
            facts.append(p.description)
        add(entry, "summary", "\n".join(facts), type="text")
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body
