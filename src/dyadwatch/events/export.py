"""Event exports for other tools: GDELT 2.0-style event rows and PLOVER JSON records.

Both take an event object (``Event.to_dict()``, as ``Store.events`` returns it) and its document
(``{"id", "title", "url", "source", "source_name", "published", ...}``).

GDELT rows fill the columns we can derive; the rest stay empty (ethnic, religion and known-group
codes, ADM codes, feature ids, tone). Country codes are ISO 3166 alpha-3 in the actor columns, as
in GDELT, and also in the geography columns, where GDELT uses FIPS 10-4: say so to users who join
with GDELT geography. The Goldstein column carries our intensity (same -10..+10 scale).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

GDELT_COLUMNS: tuple[str, ...] = (
    "GlobalEventID", "Day", "MonthYear", "Year", "FractionDate",
    "Actor1Code", "Actor1Name", "Actor1CountryCode", "Actor1KnownGroupCode", "Actor1EthnicCode",
    "Actor1Religion1Code", "Actor1Religion2Code", "Actor1Type1Code", "Actor1Type2Code", "Actor1Type3Code",
    "Actor2Code", "Actor2Name", "Actor2CountryCode", "Actor2KnownGroupCode", "Actor2EthnicCode",
    "Actor2Religion1Code", "Actor2Religion2Code", "Actor2Type1Code", "Actor2Type2Code", "Actor2Type3Code",
    "IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass", "GoldsteinScale",
    "NumMentions", "NumSources", "NumArticles", "AvgTone",
    "Actor1Geo_Type", "Actor1Geo_FullName", "Actor1Geo_CountryCode", "Actor1Geo_ADM1Code", "Actor1Geo_ADM2Code",
    "Actor1Geo_Lat", "Actor1Geo_Long", "Actor1Geo_FeatureID",
    "Actor2Geo_Type", "Actor2Geo_FullName", "Actor2Geo_CountryCode", "Actor2Geo_ADM1Code", "Actor2Geo_ADM2Code",
    "Actor2Geo_Lat", "Actor2Geo_Long", "Actor2Geo_FeatureID",
    "ActionGeo_Type", "ActionGeo_FullName", "ActionGeo_CountryCode", "ActionGeo_ADM1Code", "ActionGeo_ADM2Code",
    "ActionGeo_Lat", "ActionGeo_Long", "ActionGeo_FeatureID",
    "DATEADDED", "SOURCEURL",
)

# GDELT geography types: 1 country, 4 world city (we know no ADM levels).
GEO_COUNTRY, GEO_CITY = 1, 4
# An event is a "root" event (GDELT: in the lead of the article) when reported in the headline or
# in one of the first sentences of the text.
ROOT_SENTENCES = 4


def _event_day(event: dict[str, Any], doc: dict[str, Any]) -> dt.date | None:
    """The event date at day resolution (a month or year date takes its first day), else the
    document's publication date."""
    raw = event.get("date") or ""
    try:
        if len(raw) == 4:
            return dt.date(int(raw), 1, 1)
        if len(raw) == 7:
            return dt.date(int(raw[:4]), int(raw[5:7]), 1)
        if raw:
            return dt.date.fromisoformat(raw[:10])
    except ValueError:
        pass
    published = doc.get("published")
    if isinstance(published, dt.date):
        return published
    try:
        return dt.date.fromisoformat(published[:10]) if published else None
    except ValueError:
        return None


def _global_id(event: dict[str, Any]) -> int | str:
    ident = event.get("id") or ""
    try:
        return int(ident[:15], 16)  # 60 bits: fits GDELT's integer id column
    except ValueError:
        return ident


def _actor(prefix: str, ref: dict[str, Any] | None) -> dict[str, Any]:
    ref = ref or {}
    name = ref.get("name") or ref.get("text") or ""
    return {f"{prefix}Code": ref.get("code", ""), f"{prefix}Name": name.upper(),
            f"{prefix}CountryCode": ref.get("country", ""), f"{prefix}Type1Code": ref.get("sector", "")}


def _is_country_name(text: str) -> bool:
    import pycountry

    try:
        pycountry.countries.lookup(text.strip())
    except LookupError:
        return False
    return True


def _geo(prefix: str, loc: dict[str, Any] | None) -> dict[str, Any]:
    if not loc or not (loc.get("text") or loc.get("country")):
        return {}
    text = (loc.get("text") or "").strip()
    city = bool(text) and text.upper() != (loc.get("country") or "") and not _is_country_name(text)
    return {f"{prefix}Geo_Type": GEO_CITY if city else GEO_COUNTRY, f"{prefix}Geo_FullName": loc.get("text", ""),
            f"{prefix}Geo_CountryCode": loc.get("country", ""), f"{prefix}Geo_Lat": loc.get("lat"),
            f"{prefix}Geo_Long": loc.get("lon")}


def _is_root(event: dict[str, Any]) -> int:
    spans = event.get("mentions") or [event.get("evidence") or {}]
    for m in spans:
        if (m.get("field") or "") in ("title", "subtitle") or (m.get("field") == "body" and
                                                              int(m.get("sentence", 99)) < ROOT_SENTENCES + 2):
            return 1
    return 0


def to_gdelt_row(event: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    """One GDELT 2.0 event-table row (a dict keyed by ``GDELT_COLUMNS``; unknown columns empty)."""
    row: dict[str, Any] = {c: "" for c in GDELT_COLUMNS}
    day = _event_day(event, doc)
    if day is not None:
        row.update(Day=day.strftime("%Y%m%d"), MonthYear=day.strftime("%Y%m"), Year=day.year,
                   FractionDate=round(day.year + (day.timetuple().tm_yday - 1) / 365.0, 4))
    row.update(_actor("Actor1", event.get("actor")))
    row.update(_actor("Actor2", event.get("recipient")))
    code = event.get("cameo") or ""
    row.update(GlobalEventID=_global_id(event), IsRootEvent=_is_root(event), EventCode=code,
               EventBaseCode=code[:3], EventRootCode=code[:2], QuadClass=event.get("quad_class", ""),
               GoldsteinScale=event.get("intensity", ""), NumMentions=len(event.get("mentions") or []) or 1,
               NumSources=1, NumArticles=1)
    row.update(_geo("Action", event.get("location")))
    published = doc.get("published")
    if published:
        row["DATEADDED"] = str(published)[:10].replace("-", "") + "000000"
    row["SOURCEURL"] = doc.get("url") or doc.get("source") or ""
    return row


def _plover_actor(ref: dict[str, Any] | None) -> dict[str, Any]:
    ref = ref or {}
    out = {"actorText": ref.get("text", ""), "code": ref.get("country", ""), "sector": ref.get("sector", "")}
    if ref.get("name"):
        out["name"] = ref["name"]
    if ref.get("kb_id"):
        out["kbId"] = ref["kb_id"]
    return out


def to_plover(event: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    """A PLOVER record in the shape of the PLOVER gold-standard records (``event``, ``mode``,
    ``context``, ``source``/``target`` actors with ISO3 ``code`` and ``sector``, ``eventText``,
    ``text``), with our status, date, confidence, CAMEO code and evidence offsets added."""
    evidence = event.get("evidence") or {}
    loc = event.get("location") or {}
    record = {
        "id": event.get("id", ""),
        "date": event.get("date", ""),
        "datePrecision": event.get("date_precision", ""),
        "dateText": event.get("date_text", ""),
        "event": event.get("type", ""),
        "mode": event.get("mode", ""),
        "context": ", ".join(event.get("context") or []),
        "source": [_plover_actor(event.get("actor"))],
        "target": [_plover_actor(event.get("recipient"))] if (event.get("recipient") or {}).get("text") or
        (event.get("recipient") or {}).get("country") else [],
        "eventText": event.get("trigger", ""),
        "status": event.get("status", "actual"),
        "confidence": event.get("confidence"),
        "cameo": event.get("cameo", ""),
        "quadClass": event.get("quad_class"),
        "intensity": event.get("intensity"),
        "text": evidence.get("text", ""),
        "textInfo": {"field": evidence.get("field", "body"), "sentence": evidence.get("sentence"),
                     "start": evidence.get("start"), "end": evidence.get("end"),
                     "mentions": len(event.get("mentions") or []) or 1},
        "language": "en",
        "publication": doc.get("source_name") or doc.get("url") or doc.get("source") or "",
        "documentId": doc.get("id", ""),
    }
    if loc.get("text") or loc.get("country"):
        record["eventLoc"] = {"name": loc.get("text", ""), "country": loc.get("country", ""),
                              "lat": loc.get("lat"), "lon": loc.get("lon")}
    return record
