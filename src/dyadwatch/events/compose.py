"""Assemble the frames of one sentence from its triggers and cues (see ``frames`` for the parts).

Which trigger becomes an event:
- a cue verb that is itself a trigger ("threatened", "demanded", "refused") is folded into the
  event it governs and yields no event of its own, except an accusation ("accused X of Y": both
  the ACCUSE and the alleged Y);
- an object a verb entry names ("imposed *sanctions*") is part of that verb's event;
- a noun trigger stands alone only when it has participants of its own (a possessor, "by X",
  "between X and Y", "on X"), is the object of a non-event verb ("held talks"), or is in a
  headline; a noun that is the object of another event verb needs its own doer ("condemned
  Russia's attack").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dyadwatch.events.frames import Cue, Frame, FrameBuilder, Party, is_verbal, lemma
from dyadwatch.events.lexicon import Entry
from dyadwatch.events.mentions import is_actor_mention

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Token

VIOLENT_ROOTS = ("18", "19", "20")
# Types whose announced intent CAMEO codes as a threat (13x) rather than an offer (03x).
HOSTILE_TYPES = frozenset({"ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"})
# Roots of verbal evaluations: a passive without agent under "said" is the speaker's evaluation
# ("Carter said Mendez's tone was appreciated" -> Carter praises Mendez).
EVALUATIVE_ROOTS = ("05", "11")
NE_ACTOR_LABELS = ("ORG", "NORP", "GPE", "PERSON", "LOC", "FAC")


def build_frames(b: FrameBuilder) -> list[Frame]:
    cands = b.triggers()
    triggers = {tok.i for tok, _k, _e in cands}
    plans: list[tuple["Token", str, Entry, Cue | None]] = []
    protests = {tok.i for tok, _k, e in cands if b.lex.ontology.type_of(e.code) == "PROTEST"}
    for tok, kind, entry in cands:
        if _serves_protest(b, tok, entry, protests):
            continue  # "staged demonstrations to demand reforms": the protest, for a cause
        cue = b.governing_cue(tok)
        if cue is None and kind == "verb":
            cue = b.modal_cue(tok, b._reported(tok) is not None)
        plans.append((tok, kind, entry, cue))
    consumed = _consumed(b, plans, triggers)
    for tok, kind, entry, _cue in plans:
        if not b.lex.ontology.is_event_code(entry.code) and tok.i not in consumed:
            consumed |= _statement_scope(tok, kind) - {tok.i}
    frames: list[Frame] = []
    for tok, kind, entry, cue in plans:
        if tok.i in consumed or not b.lex.ontology.is_event_code(entry.code):
            continue  # consumed by another trigger, or a statement ("rejected the accusations")
        if kind == "noun" and cue is None and not _noun_stands(b, tok, entry, triggers):
            continue
        frame = _frame(b, tok, kind, entry, cue)
        if frame is not None:
            frames.append(frame)
    return frames


def _consumed(b: FrameBuilder, plans, triggers: set[int]) -> set[int]:
    out: set[int] = set()
    for tok, _kind, _entry, cue in plans:
        if cue is not None and cue.token.pos_ in ("NOUN", "PROPN") and cue.token.dep_ in ("dobj", "nsubjpass", "pobj") \
                and _governor(cue.token).i in triggers:
            out.add(tok.i)  # "rejected a U.S. request to interrogate ...": the outer verb's event
    for tok, kind, entry, cue in plans:
        if tok.i in out:
            continue
        if cue is not None and cue.cls not in ("allege", "negate") and cue.token.i in triggers and cue.token.i != tok.i:
            out.add(cue.token.i)
        if kind == "verb" and entry.obj:
            preps = frozenset(p.split(":", 1)[-1] for p in entry.prep)
            out.update(o.i for o in b.objects(tok, preps) if o.i != tok.i and b._lemma_in(o, entry.obj))
    return out


def _statement_scope(tok: "Token", kind: str) -> set[int]:
    """Tokens a statement speaks about ("expressed condolences over the attack", "denied charges
    that it tortured ..."): events named there are its topic, not reported events."""
    heads = [tok] if kind == "noun" else [c for c in tok.children if c.dep_ in ("dobj", "prep", "nsubjpass")]
    return {t.i for h in heads for t in h.subtree}


def _serves_protest(b: FrameBuilder, tok: "Token", entry: Entry, protests: set[int]) -> bool:
    """A demand or accusation in the purpose clause of a protest ("rallied to demand", "on
    hunger strike to protest", "blocked roads demanding"): CAMEO codes the protest, for a cause."""
    if not protests or b.lex.ontology.type_of(entry.code) not in ("REQUEST", "ACCUSE", "PROTEST"):
        return False
    t = tok
    for _ in range(4):
        if t.dep_ not in ("advcl", "xcomp", "acl", "conj", "pcomp", "pobj", "prep") or t.head.i == t.i:
            return False
        t = t.head
        if t.i in protests and t.i != tok.i:
            return True
        if any(c.i in protests for c in t.children if c.dep_ in ("dobj", "nsubjpass") and c.i != tok.i):
            return True  # "staged a hunger strike to demand ..."
    return False


def _governor(noun: "Token") -> "Token":
    return noun.head.head if noun.dep_ == "pobj" else noun.head


def _own_parties(b: FrameBuilder, tok: "Token") -> bool:
    """Whether a noun trigger names a participant itself."""
    for c in tok.children:
        if c.dep_ == "poss":
            return True
        if c.dep_ in ("compound", "amod", "nmod") and any(_named(m) for m in b.sm.in_phrase(c)):
            return True
        if c.dep_ == "prep" and c.lower_ in ("by", "between", "among", "from"):
            return True
    return any(_named(m) for r in b.recipient_tokens(tok, None, "noun") for m in b.sm.in_phrase(r))


def _named(m) -> bool:
    """A mention that names a party (a country or a known entity), not a bare sector word such
    as "military" in "military actions"."""
    return bool(m.country or m.kb_id)


def _noun_stands(b: FrameBuilder, tok: "Token", entry: Entry, triggers: set[int]) -> bool:
    if any(c.dep_ == "det" and c.lower_ in ("any", "every", "each") for c in tok.children):
        return False
    head = tok.head
    verb_head = head if is_verbal(head) else head.head if tok.dep_ == "pobj" and is_verbal(head.head) else None
    if verb_head is not None and verb_head.i in triggers and verb_head.i != tok.i \
            and tok.dep_ in ("dobj", "nsubjpass", "attr", "pobj", "oprd"):
        # the object of another event verb: an event only with a doer of its own
        return any(c.dep_ == "poss" or (c.dep_ == "prep" and c.lower_ == "by") for c in tok.children)
    if tok.dep_ == "pobj" and head.lower_ == "of" and lemma(head.head) in b.cues.quantity_nouns:
        tok = head.head  # "a new round of joint exercises": the exercises stand where the round does
        head = tok.head
        verb_head = head if is_verbal(head) else None
    if tok.dep_ == "attr" and lemma(head) in ("be", "remain", "become"):
        return True  # "the United States remains the largest donor"
    if tok.dep_ == "pobj" and not is_verbal(head.head) and not b.headline:
        return False  # "a date for any meeting": inside another noun phrase
    supported = verb_head is not None and tok.dep_ in ("dobj", "nsubjpass", "attr", "pobj", "oprd")
    if entry.support:  # a support verb, or any other verb the noun is the direct object of
        return supported and (lemma(verb_head) in b.cues.support_verbs
                              or (tok.dep_ in ("dobj", "nsubjpass") and verb_head.i not in triggers))
    if supported and lemma(verb_head) in b.cues.support_verbs:
        return True
    return _own_parties(b, tok) or b.headline


# ---------------------------------------------------------------- one frame


def _frame(b: FrameBuilder, tok: "Token", kind: str, entry: Entry, cue: Cue | None) -> Frame | None:
    ont = b.lex.ontology
    code, status, cls = entry.code, b.status(tok, cue), ""
    if cue is not None and cue.cls in ("intend", "threat", "request", "reject"):
        cls = cue.cls
        outer = b.governing_cue(cue.token) if cue.token.pos_ != "AUX" else None
        if outer is not None and outer.cls == "reject" and cls in ("intend", "request"):
            cls, cue = "reject", outer  # "refused to commit to any assistance"
        elif cls == "intend" and cue.token.pos_ != "AUX":
            must = b.modal_cue(_copula(cue.token), b._reported(cue.token) is not None)
            if must is not None and must.cls == "request":
                cls, cue = "request", must  # "said the US must be ready to mediate": a demand
        if cls == "intend" and ont.type_of(code) in HOSTILE_TYPES:
            cls, status = "threat", "threatened"  # CAMEO: hostile intent is a threat
        elif cls == "intend" and ont.type_of(code) == "REQUEST":
            cls = ""  # "will ask X to": the request, intended
        if cue.aux and b._negated(tok):
            cls, status = "reject", "actual"  # "will not accept" is a refusal
        if cls:
            code = _compose(b, cls, code)
        if cls in ("request", "reject") and status not in ("negated", "hypothetical"):
            status = "actual"
    frame = Frame(trigger=tok, kind=kind, code=code, weight=entry.weight, status=status,
                  cue=cue.token if cue else None, cue_class=cls or (cue.cls if cue else ""),
                  anchors=[tok] + ([cue.token] if cue is not None else []))
    if not _parties(b, frame, tok, kind, entry, cue, cls):
        return None
    return frame


def _copula(tok: "Token") -> "Token":
    """The verb carrying the auxiliaries of a predicate adjective ("must be ready")."""
    if tok.pos_ == "ADJ" and tok.dep_ == "acomp":
        return tok.head
    return tok


def _compose(b: FrameBuilder, cls: str, code: str) -> str:
    own = {"intend": "AGREE", "threat": "THREATEN", "request": "REQUEST", "reject": "REJECT"}[cls]
    if b.lex.ontology.type_of(code) == own:
        return code
    return b.lex.composed_code(cls, code) or code


def _parties(b: FrameBuilder, f: Frame, tok: "Token", kind: str, entry: Entry, cue: Cue | None, cls: str) -> bool:
    """Fill the frame's actors and recipients; False when the frame is not a political event."""
    actor_tok = _actor_token(b, tok, kind, cue, cls)
    instrument = actor_tok is not None and lemma(actor_tok) in b.cues.instruments
    if actor_tok is not None and not instrument and _non_agent(b, actor_tok):
        if f.code[:2] in VIOLENT_ROOTS or f.code[:2] == "17":
            return False  # a flood, a crash, a fire, "Cyclone Idai": not a political event
        actor_tok = None
    if instrument:
        actor_tok = None  # "a car bomb killed": the doer is unknown, not the bomb
    rec_toks = _recipient_tokens(b, tok, kind, entry, cue, cls)
    if kind == "verb" and entry.theme:  # "mobilized reservists", "sent aid": the theme, not a party
        preps = frozenset(p.split(":", 1)[-1] for p in entry.prep)
        themes = {o.i for o in b.objects(tok, preps) if b._lemma_in(o, entry.obj)}
        rec_toks = [r for r in rec_toks if r.i not in themes]
    if entry.patient_subject:
        rec_toks, actor_tok = ([actor_tok] if actor_tok is not None else []), None
    f.actors = _actor_parties(b, f, tok, kind, actor_tok, entry)
    exclude = f.actors
    recipients: list[Party] = []
    for r in rec_toks:
        for p in b.party(r, exclude=exclude):
            if p.mention is None and not _group_like(b, p):
                continue  # "the decision", "drug policy": not a party
            if all(p.key() != a.key() and not _same_country(a, p) for a in f.actors):
                recipients.append(p)
    if not recipients and b.headline and not entry.patient_subject:
        avoid = {p.token_i for p in f.actors}
        recipients = [p for p in b.linear_recipient(tok, avoid) if all(p.key() != a.key() for a in f.actors)]
    f.recipients = recipients
    if not f.actors and kind == "noun":
        between = [p for c in tok.children if c.dep_ == "prep" and c.lower_ in ("between", "among")
                   for g in c.children if g.dep_ == "pobj" for p in b.party(g)]
        if len(between) >= 2:  # "talks between Israel and Lebanon": each side acts on the other
            f.actors = between
            f.recipients = [r for r in recipients if all(r.key() != a.key() for a in between)]
    _reciprocal(b, f)
    if f.code[:2] in VIOLENT_ROOTS and not f.actors and not _violent_context(b, f):
        return False
    return _political(b, f, kind)


def _non_agent(b: FrameBuilder, tok: "Token") -> bool:
    """A natural hazard, accident or illness as the subject ("the flood", "Cyclone Idai")."""
    words = [tok] + [c for c in tok.children if c.dep_ in ("compound", "amod", "nmod")]
    return any(lemma(w) in b.cues.non_agents or w.lower_ in b.cues.non_agents for w in words)


def _actor_token(b: FrameBuilder, tok: "Token", kind: str, cue: Cue | None, cls: str) -> "Token | None":
    if cue is not None and cls == "request" and cue.aux:
        speaker = b._reported(tok)  # "Russia said Sudan must return ...": Russia asks
        return b.subject(speaker) if speaker is not None else None
    if cue is not None and cls and cue.token.pos_ != "AUX" and not cue.aux:
        g = cue.token
        if g.pos_ in ("NOUN", "PROPN"):
            return b.noun_holder(g)
        return b.subject(g)
    if kind == "noun":
        return _noun_actor(b, tok)
    return b.subject(tok)


def _noun_actor_only(b: FrameBuilder, tok: "Token") -> "Token | None":
    """The doer a noun names itself (possessor, "by"/"from" phrase, a country modifier)."""
    for c in tok.children:
        if c.dep_ == "poss":
            return c
        if c.dep_ == "prep" and c.lower_ in ("by", "from"):
            pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
            if pobj is not None:
                return pobj
    for c in tok.children:
        if c.dep_ in ("compound", "amod", "nmod") and any(_named(m) for m in b.sm.in_phrase(c)):
            return c
    return None


def _noun_actor(b: FrameBuilder, tok: "Token") -> "Token | None":
    for c in tok.children:
        if c.dep_ == "poss":
            return c
        if c.dep_ == "prep" and c.lower_ in ("by", "from"):
            pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
            if pobj is not None:
                return pobj
    for c in tok.children:
        if c.dep_ in ("compound", "amod", "nmod") and any(_named(m) for m in b.sm.in_phrase(c)) \
                and not any(t.lower_ in ("anti", "anti-") for t in c.subtree):
            return c
    return b.noun_holder(tok)


def _recipient_tokens(b: FrameBuilder, tok: "Token", kind: str, entry: Entry, cue: Cue | None, cls: str) -> list["Token"]:
    out = b.recipient_tokens(tok, entry, kind)
    if kind == "noun" and cue is not None and cls in ("reject", "intend") and cue.token.pos_ != "AUX":
        own = _noun_actor_only(b, tok)
        if own is not None:  # "rejected a U.S. request", "accepted Iran's offer"
            out = [own] + out
    if cue is not None and cls == "request" and cue.aux:
        subj = b.subject(tok)
        return ([subj] if subj is not None else []) + out
    if cue is not None and cls and cue.token.pos_ != "AUX":
        g = cue.token
        cue_objs = [c for c in g.children if c.dep_ in ("dobj", "dative") and c.i != tok.i
                    and not any(t.i == tok.i for t in c.subtree)]
        if cls == "request":
            # "urged Colombia to ...": the one asked; "demanded that X withdraw": X
            subj = b.subject(tok) if tok.dep_ == "ccomp" else None
            first = cue_objs + ([subj] if subj is not None else [])
            return first + out
        out = out + cue_objs
        for c in g.children:  # "threatened Colombia with ...", "warned Washington against ..."
            if c.dep_ == "prep" and c.lower_ in ("against", "on", "to", "toward", "towards"):
                out.extend(x for x in c.children if x.dep_ == "pobj" and not any(t.i == tok.i for t in x.subtree))
    return out


def _actor_parties(b: FrameBuilder, f: Frame, tok: "Token", kind: str, actor_tok: "Token | None", entry: Entry) -> list[Party]:
    parties = [p for p in b.party(actor_tok) if _can_act(b, p)]
    if parties:
        return parties
    passive = kind == "verb" and b.patient(tok) is not None
    if passive and f.code[:2] in EVALUATIVE_ROOTS and b._reported(tok) is not None:
        speaker = b.subject(b._reported(tok))
        parties = [p for p in b.party(speaker) if _can_act(b, p)]
        if parties:
            return parties
    if actor_tok is None and not passive and not entry.patient_subject and (kind == "verb" or b.headline or f.cue is not None):
        avoid = {r.i for r in b.recipient_tokens(tok, entry, kind) for r in r.subtree}
        f.path = "linear"
        return b.linear_actor(tok, avoid)
    return []


def _can_act(b: FrameBuilder, p: Party) -> bool:
    """A party that may be an actor: a mention, a reciprocal phrase, or an unresolved phrase that
    names a group or an entity (not "the exchange" or "the decision")."""
    if p.mention is not None or p.how == "reciprocal":
        return True
    tok = b.span.doc[p.token_i]
    if tok.ent_type_ in NE_ACTOR_LABELS or tok.pos_ == "PROPN":
        return True
    return lemma(tok) in b.cues.group_nouns


def _reciprocal(b: FrameBuilder, f: Frame) -> None:
    """"A and B agreed", "the two men traded barbs": each side acts on the other."""
    if len(f.actors) == 1 and f.actors[0].how == "reciprocal":
        f.actors = _recent_pair(b, f.trigger)
    keys = {a.key() for a in f.actors}
    if len(keys) >= 2 and not f.recipients:
        f.reciprocal = True


def _recent_pair(b: FrameBuilder, tok: "Token") -> list[Party]:
    """The two most recent distinct actors (people first) before ``tok``: who "the two men" are."""
    seen: dict[str, Party] = {}
    for kinds in (("person",), ("country", "org", "agent", "capital")):
        for m in b.sm.fm.before(b.sm.char(tok)):
            if m.kind in kinds and is_actor_mention(m) and (m.kb_id or m.country) and (m.kb_id or m.country) not in seen:
                seen[m.kb_id or m.country] = Party(mention=m, how="pronoun")
                if len(seen) == 2:
                    return list(seen.values())
        seen.clear()
    return []


def _violent_context(b: FrameBuilder, f: Frame) -> bool:
    """A violent event with no doer is kept only when the sentence speaks of violence (an attack,
    a bombing) rather than of a disaster or an accident, or the victims are armed actors."""
    words = {lemma(t) for t in b.span}
    if words & b.cues.non_agents and not words & b.cues.violence_nouns:
        return False
    if words & b.cues.violence_nouns:
        return True
    return any(p.mention is not None and p.mention.sector in ("MIL", "COP", "REB", "INS", "SPY", "UAF")
               for p in f.recipients)


def _political(b: FrameBuilder, f: Frame, kind: str) -> bool:
    """At least one party is a resolved or named political actor; protests by groups count."""
    violent = f.code[:2] in VIOLENT_ROOTS or f.code[:2] == "17"
    for p in f.actors + f.recipients:
        if p.mention is not None and (is_actor_mention(p.mention) or p.mention.kind in ("group", "org")):
            return True
        if p.mention is not None and p.mention.kind == "person" and not violent:
            return True  # a named person the KB does not know, in a verbal or diplomatic event
        if p.mention is None and p.token_i >= 0:
            tok = b.span.doc[p.token_i]
            if tok.ent_type_ in ("ORG", "NORP", "GPE") or (tok.pos_ == "PROPN" and tok.ent_type_ != "PERSON"):
                return True
            if tok.ent_type_ == "PERSON" and not violent:
                return True
            if lemma(tok) in b.cues.group_nouns and (b.sm.phrase_country(tok) is not None or b.sm.sole_country()):
                return True  # "guerrillas operating in Macedonia", "prisoners released in Tripoli"
    if b.lex.ontology.type_of(f.code) == "PROTEST" and f.actors:
        return True
    if violent and f.recipients and _violent_context(b, f) and \
            b.span.doc[f.trigger.i].sent is not None and _has_weapon(b):
        return True  # a bombing or shelling with victims and no named doer is still a conflict event
    return False


def _has_weapon(b: FrameBuilder) -> bool:
    return any(lemma(t) in b.cues.instruments and lemma(t) not in b.cues.non_agents for t in b.span)


def _group_like(b: FrameBuilder, p: Party) -> bool:
    """An unresolved phrase that names people ("refugees", "villagers") or whose complements name
    a country ("a camp for Congolese refugees")."""
    if p.token_i < 0:
        return False
    tok = b.span.doc[p.token_i]
    return lemma(tok) in b.cues.group_nouns or b.sm.phrase_country(tok) is not None


def _same_country(actor: Party, recipient: Party) -> bool:
    """A bare country named as the recipient of its own actor ("Carter's anti-U.S. ...") is a
    misreading; people and bodies of one country may still act on each other."""
    a, r = actor.mention, recipient.mention
    return a is not None and r is not None and r.kind == "country" and bool(a.country) and a.country == r.country
