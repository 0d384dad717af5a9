"""Watchlists and alerts: rules as data, matching of newly stored events, webhook delivery.

A watchlist has a name, rules and optionally a webhook. A rule names any of: dyads (``USA-COL``
either way, ``USA>COL`` one way), actors (name, code such as ``COLGOV``, KB id or country), PLOVER
types, words, statuses and a minimum document quality. Within a rule the *scope* (dyads, actors,
statuses, quality) must all hold, and then the *topic* holds when the event has one of the types
**or** one of the words: ``USA-COL: SANCTION, THREATEN, visits, visa policy`` alerts on USA–COL
sanctions and threats and on USA–COL events whose evidence speaks of visits or of visa policy. A
watchlist matches an event when any of its rules does.

``parse_rule`` reads that one-line form; ``Rule.from_dict`` the JSON form the API takes.
Words match by light stems (``visits`` matches "visited"), every word of a phrase anywhere in the
evidence sentence, trigger, mode or context.

``scan`` raises one alert per (watchlist, event) for events of documents ingested after the
watchlist's high-water mark, so each newly stored event is looked at once. ``deliver`` POSTs
pending alerts to their watchlist's webhook with retries and exponential backoff, refusing
private, loopback and link-local addresses (checked before every attempt) unless allowed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from dyadwatch.dyads import Settings, parse_dyad, settings
from dyadwatch.errors import BlockedAddress, FetchError, InputError
from dyadwatch.ingest.fetch import check_address
from dyadwatch.model import STATUSES
from dyadwatch.store import dyads as q

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+", re.UNICODE)
_PREFIX = re.compile(r"^(dyad|actor|type|word|status|quality)\s*=\s*(.+)$", re.IGNORECASE)


def _types() -> frozenset[str]:
    from dyadwatch.events.ontology import default_ontology

    return frozenset(default_ontology().types)


# --- words --------------------------------------------------------------------------------------
def stem(word: str) -> str:
    """A light English stem: plural and verb endings off, so visit/visits/visited/visiting agree."""
    w = word.lower()
    if w.endswith("'s") or w.endswith("’s"):
        w = w[:-2]
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: -len(suffix)] + repl
    if w.endswith("es") and len(w) > 4 and w[-3] in "sxz":
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        return w[:-1]
    return w


def stems(text: str) -> set[str]:
    return {stem(t) for t in _WORD.findall(text or "")}


# --- rules --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Rule:
    dyads: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    min_quality: float | None = None

    def __post_init__(self) -> None:
        if not (self.dyads or self.actors or self.types or self.words):
            raise InputError("a rule needs at least one dyad, actor, type or word", source="rule")
        for d in self.dyads:
            parse_dyad(d)
        unknown = [t for t in self.types if t not in _types()]
        if unknown:
            raise InputError(f"unknown PLOVER types {unknown}; known: {sorted(_types())}",
                             source="rule")
        bad = [s for s in self.statuses if s not in STATUSES]
        if bad:
            raise InputError(f"unknown statuses {bad}; known: {list(STATUSES)}", source="rule")
        if self.min_quality is not None and not 0 <= self.min_quality <= 1:
            raise InputError("min_quality must be between 0 and 1", source="rule")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Rule":
        if not isinstance(data, dict):
            raise InputError("a rule is a JSON object", source="rule")
        extra = set(data) - {"dyads", "actors", "types", "words", "statuses", "min_quality"}
        if extra:
            raise InputError(f"unknown rule fields {sorted(extra)}", source="rule")

        def strings(name: str) -> tuple[str, ...]:
            value = data.get(name) or []
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise InputError(f"rule field {name!r} must be a list of non-empty strings", source="rule")
            return tuple(v.strip() for v in value)

        mq = data.get("min_quality")
        if mq is not None and (isinstance(mq, bool) or not isinstance(mq, (int, float))):
            raise InputError("min_quality must be a number", source="rule")
        return cls(dyads=tuple(parse_dyad(d).label for d in strings("dyads")),
                   actors=strings("actors"), types=tuple(t.upper() for t in strings("types")),
                   words=tuple(w.lower() for w in strings("words")),
                   statuses=tuple(s.lower() for s in strings("statuses")),
                   min_quality=float(mq) if mq is not None else None)


def parse_rule(text: str) -> Rule:
    """The one-line form: ``SCOPE: ITEM, ITEM, ...`` or ``ITEM, ITEM, ...``.

    Scope items (before the colon) are dyads, else actors. Items are PLOVER types when they name
    one, dyads when they parse as one, else words; ``actor=``, ``type=``, ``word=``, ``dyad=``,
    ``status=`` and ``quality=`` force the kind."""
    head, sep, tail = text.partition(":")
    if sep and not _PREFIX.match(text.strip()):
        scope, items = _split(head), _split(tail)
    else:
        scope, items = [], _split(text)
    parts: dict[str, list[Any]] = {"dyads": [], "actors": [], "types": [], "words": [], "statuses": []}
    quality = None
    for item in scope:
        kind = "dyads" if _is_dyad(item) else "actors"
        parts[kind].append(parse_dyad(item).label if kind == "dyads" else item)
    for item in items:
        m = _PREFIX.match(item)
        if m:
            kind, value = m.group(1).lower(), m.group(2).strip()
            if kind == "quality":
                quality = _quality(value)
                continue
            parts[{"dyad": "dyads", "actor": "actors", "type": "types", "word": "words",
                   "status": "statuses"}[kind]].append(value)
        elif item.upper() in _types():
            parts["types"].append(item.upper())
        elif _is_dyad(item):
            parts["dyads"].append(parse_dyad(item).label)
        else:
            parts["words"].append(item.lower())
    parts["dyads"] = [parse_dyad(d).label for d in parts["dyads"]]
    parts["types"] = [t.upper() for t in parts["types"]]
    parts["statuses"] = [s.lower() for s in parts["statuses"]]
    parts["words"] = [w.lower() for w in parts["words"]]
    return Rule(**{k: tuple(v) for k, v in parts.items()}, min_quality=quality)


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def _is_dyad(item: str) -> bool:
    try:
        parse_dyad(item)
    except InputError:
        return False
    return True


def _quality(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise InputError(f"quality= takes a number between 0 and 1, got {value!r}", source="rule") from None


# --- matching -----------------------------------------------------------------------------------
def _dyad_hit(labels: Iterable[str], ev: dict[str, Any]) -> str | None:
    a, b = (ev.get("actor_country") or "").upper(), (ev.get("recipient_country") or "").upper()
    for label in labels:
        d = parse_dyad(label)
        if (a, b) == (d.a, d.b) or (not d.directed and (a, b) == (d.b, d.a)):
            return d.label
    return None


def _actor_hit(names: Iterable[str], ev: dict[str, Any]) -> str | None:
    for name in names:
        key = name.strip()
        for side in ("actor", "recipient"):
            exact = {(ev.get(f"{side}_{f}") or "").upper() for f in ("code", "country", "kb_id")}
            full = (ev.get(f"{side}_name") or "").lower()
            words = full.split()
            if key.upper() in exact - {""} or (words and _contains(words, key.lower().split())):
                return name
    return None


def _contains(words: list[str], part: list[str]) -> bool:
    n = len(part)
    return any(words[i:i + n] == part for i in range(len(words) - n + 1))


def _word_hit(words: Iterable[str], ev: dict[str, Any]) -> str | None:
    bag = stems(" ".join(str(ev.get(k) or "") for k in ("evidence_text", "trigger_text", "mode",
                                                       "context")).replace(",", " "))
    for phrase in words:
        needed = stems(phrase)
        if needed and needed <= bag:
            return phrase
    return None


def match(rule: Rule, ev: dict[str, Any]) -> str | None:
    """Why ``rule`` matches the event row (a short reason), or None. ``ev`` has the columns of
    ``store.dyads.MATCH_COLUMNS`` (without table prefixes)."""
    reasons = []
    if rule.dyads:
        hit = _dyad_hit(rule.dyads, ev)
        if hit is None:
            return None
        reasons.append(hit)
    if rule.actors:
        hit = _actor_hit(rule.actors, ev)
        if hit is None:
            return None
        reasons.append(f"actor {hit}")
    if rule.statuses and ev.get("status") not in rule.statuses:
        return None
    if rule.min_quality is not None and (ev.get("quality") or 0.0) < rule.min_quality:
        return None
    if rule.types or rule.words:
        if rule.types and ev.get("type") in rule.types:
            reasons.append(f"type {ev['type']}")
        else:
            word = _word_hit(rule.words, ev)
            if word is None:
                return None
            reasons.append(f"word '{word}'")
    return "; ".join(reasons)


# --- watchlists ---------------------------------------------------------------------------------
@dataclass(slots=True)
class Watchlist:
    id: str
    name: str
    rules: list[Rule]
    webhook: str | None = None
    active: bool = True
    created_at: dt.datetime | None = None
    checked_at: dt.datetime | None = None

    def match(self, ev: dict[str, Any]) -> str | None:
        for rule in self.rules:
            reason = match(rule, ev)
            if reason is not None:
                return reason
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "rules": [r.to_dict() for r in self.rules],
                "webhook": self.webhook, "active": self.active,
                "created_at": _iso(self.created_at), "checked_at": _iso(self.checked_at)}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Watchlist":
        return cls(row["id"], row["name"], [Rule.from_dict(r) for r in row["rules"]], row["webhook"],
                   bool(row["active"]), row["created_at"], row["checked_at"])


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def check_webhook(url: str) -> str:
    """An http(s) URL with a host; raises ``InputError`` otherwise. The address itself is checked
    at delivery time (DNS may change between now and then)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"a webhook is an http:// or https:// URL with a host; got {url!r}",
                         source="webhook")
    return url.strip()


def add_watchlist(conn: Any, name: str, rules: Iterable[Rule | str | dict[str, Any]], *,
                  webhook: str | None = None, now: dt.datetime | None = None) -> Watchlist:
    """Create a watchlist. It alerts on events ingested from now on (not on what is stored)."""
    parsed = [r if isinstance(r, Rule) else parse_rule(r) if isinstance(r, str) else Rule.from_dict(r)
              for r in rules]
    if not name.strip() or not parsed:
        raise InputError("a watchlist needs a name and at least one rule", source="watchlist")
    hook = check_webhook(webhook) if webhook else None
    # Start from the newest stored document so that only later ingests raise alerts.
    start = now or _now()
    latest = q.latest_ingest(conn)
    mark = max(start, latest) if latest else start
    wid = "w" + secrets.token_hex(4)
    q.insert_watchlist(conn, wid, name.strip(), [r.to_dict() for r in parsed], hook, mark)
    return Watchlist(wid, name.strip(), parsed, hook, True, mark, mark)


def watchlists(conn: Any, *, active_only: bool = False) -> list[Watchlist]:
    return [Watchlist.from_row(r) for r in q.watchlists(conn, active_only=active_only)]


def remove_watchlist(conn: Any, wid: str) -> bool:
    return q.delete_watchlist(conn, wid)


# --- scanning -----------------------------------------------------------------------------------
def alert_id(watchlist_id: str, event_id: str) -> str:
    return "a" + hashlib.sha256(f"{watchlist_id}\x00{event_id}".encode()).hexdigest()[:15]


def scan(conn: Any, *, now: dt.datetime | None = None) -> list[str]:
    """Match the events ingested since each active watchlist's mark; store and return the ids of
    the new alerts. Idempotent: a rerun with nothing newly ingested raises nothing."""
    lists = watchlists(conn, active_only=True)
    if not lists:
        return []
    oldest = min(w.checked_at for w in lists if w.checked_at is not None)
    rows = q.events_ingested_after(conn, oldest)
    created = now or _now()
    new_ids: list[str] = []
    for w in lists:
        fresh = [r for r in rows if r["ingested_at"] > w.checked_at]
        hits = [(r, w.match(r)) for r in fresh]
        out = [[alert_id(w.id, r["id"]), w.id, r["id"], r["doc_id"], reason, created,
                "pending" if w.webhook else "none"] for r, reason in hits if reason is not None]
        q.insert_alerts(conn, out)
        new_ids += [row[0] for row in out]
        if fresh:
            q.set_checked(conn, w.id, max(r["ingested_at"] for r in fresh))
    log.info("alert scan: %d events looked at, %d alerts", len(rows), len(new_ids))
    return new_ids


def alerts(conn: Any, *, watchlist_id: str | None = None, since: dt.datetime | None = None,
           limit: int = 50, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Alerts, newest first, each with its event and evidence; and their number."""
    return q.alert_page(conn, watchlist_id=watchlist_id, since=since, limit=limit, offset=offset)


# --- delivery -----------------------------------------------------------------------------------
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(slots=True)
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"delivered": self.delivered, "failed": self.failed, "errors": self.errors}


def payload(alert: dict[str, Any]) -> dict[str, Any]:
    """The JSON body POSTed for one alert."""
    return {"alert": {"id": alert["id"], "watchlist_id": alert["watchlist_id"],
                      "watchlist": alert.get("watchlist"), "reason": alert.get("reason"),
                      "created_at": _iso(alert.get("created_at"))},
            "event": alert.get("event"),
            "document": {"id": alert.get("doc_id"), "title": alert.get("title"), "url": alert.get("url")}}


def post_with_retries(client: httpx.Client, url: str, body: dict[str, Any], *, retries: int,
                      backoff: float, max_backoff: float, allow_private: bool = False,
                      sleep: Callable[[float], None] = time.sleep) -> tuple[bool, int, str | None]:
    """POST ``body`` as JSON; retry transport errors and 408/425/429/5xx with exponential backoff.
    Returns (delivered, attempts, last error). Redirects are not followed (a redirect could lead
    to a private address)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    error: str | None = None
    for attempt in range(retries + 1):
        if attempt:
            sleep(min(backoff * 2 ** (attempt - 1), max_backoff))
        try:
            check_address(parts.hostname or "", port, allow_private)
        except BlockedAddress as exc:
            return False, attempt + 1, exc.message
        except FetchError as exc:
            error = exc.message
            continue
        try:
            resp = client.post(url, json=body, follow_redirects=False)
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
            continue
        if 200 <= resp.status_code < 300:
            return True, attempt + 1, None
        error = f"HTTP {resp.status_code}"
        if resp.status_code not in RETRY_STATUS:
            return False, attempt + 1, error
    return False, retries + 1, error


def deliver(conn: Any, *, client: httpx.Client | None = None, allow_private: bool = False,
            sleep: Callable[[float], None] = time.sleep, cfg: Settings | None = None) -> DeliveryReport:
    """Send every pending alert to its watchlist's webhook and record the outcome."""
    hook = (cfg or settings()).webhook
    own = client is None
    client = client or httpx.Client(timeout=hook["timeout_seconds"])
    report = DeliveryReport()
    try:
        for alert in q.alerts_by_ids(conn, q.pending_alert_ids(conn)):
            ok, attempts, error = post_with_retries(
                client, alert["webhook"], payload(alert), retries=int(hook["retries"]),
                backoff=hook["backoff_seconds"], max_backoff=hook["max_backoff_seconds"],
                allow_private=allow_private, sleep=sleep)
            q.set_delivery(conn, alert["id"], delivery="delivered" if ok else "failed",
                           attempts=attempts, delivered_at=_now() if ok else None, error=error)
            report.delivered += ok
            report.failed += not ok
            if error:
                report.errors.append(f"{alert['id']}: {error}")
    finally:
        if own:
            client.close()
    return report


# --- notification log ---------------------------------------------------------------------------
def write_notifications(conn: Any, ids: Iterable[str], path: str) -> int:
    """Append the alerts ``ids`` to the local notification log at ``path``, one JSON object per
    line (the webhook's body, ``payload``), flushed and synced so a reader tailing the file sees
    each alert whole; returns how many lines were written."""
    import json
    import os

    rows = q.alerts_by_ids(conn, list(ids))
    if not rows:
        return 0
    with open(path, "a", encoding="utf-8") as out:
        for alert in rows:
            out.write(json.dumps(payload(alert), ensure_ascii=False, default=str) + "\n")
        out.flush()
        os.fsync(out.fileno())
    return len(rows)
