"""From a parsed sentence to event frames: triggers, their composition with cues, arguments, status.

A *frame* is one event reading of a sentence before dates, places and the knowledge base are
attached: a trigger token, a CAMEO code, the parties (actor side, recipient side) and a status.

1. Triggers: verbs and nouns of the lexicon whose constraints hold (``match_entry``).
2. Cues: a trigger governed by a cue word becomes one composed frame ("threatened to impose
   sanctions" -> THREATEN 1312, "openness to hosting Mendez" -> AGREE 036, intended); a trigger
   governed by an accusation stays an event of its own with status alleged, next to the ACCUSE.
3. Arguments from the dependency parse: actor = subject (passive: the "by" agent; controlled
   clauses: the controller), recipient = object or the object of with/to/against/on ...; a noun
   trigger takes its possessor, its "by" phrase or the subject of its support verb. When the parse
   gives no subject, the nearest actor mention on the left is taken (a weaker path).
4. Status from negation, modal auxiliaries, conditional clauses, hedging adverbs and the cue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dyadwatch.events.lexicon import Entry, Lexicon
from dyadwatch.events.mentions import FIRST_PERSON, PERSON_PRONOUNS, THING_PRONOUNS, SentenceMentions, is_actor_mention
from dyadwatch.model import Mention

if TYPE_CHECKING:  # pragma: no cover
    from spacy.tokens import Span, Token

VERBAL_TAGS = ("VB", "VBD", "VBG", "VBN", "VBP", "VBZ")
RECIPIENT_PREPS = ("with", "to", "against", "toward", "towards", "on", "upon", "into", "at", "for", "from")
NOUN_RECIPIENT_PREPS = ("with", "to", "against", "toward", "towards", "on", "upon", "into", "of", "over", "for",
                        "targeting", "between", "among")
# Verbal acts whose clausal complement names their target: appeals and demands, accusations,
# rejections and threats ("demanded that the US cancel", "warned Tehran would pay").
CLAUSE_TARGET_ROOTS = ("02", "10", "11", "12", "13")
LOCATIVE_PREPS = ("in", "at", "near", "inside", "outside", "across", "throughout", "around")
# Statuses in order of precedence: what the text commits to least wins.
STATUS_ORDER = ("negated", "hypothetical", "threatened", "intended", "alleged", "actual")
CUE_STATUS = {"intend": "intended", "threat": "threatened", "allege": "alleged", "negate": "negated"}
MAX_CLIMB = 6  # levels of clauses between a trigger and its cue ("said it was ready to consider ...")


@dataclass(slots=True)
class Party:
    """One side of an event: a mention, or the words of an unresolved noun phrase, or nothing."""

    mention: Mention | None = None
    text: str = ""
    how: str = ""  # dep | linear | pronoun | control | group | implicit | inferred
    token_i: int = -1

    @property
    def resolved(self) -> bool:
        return self.mention is not None and bool(self.mention.country or self.mention.kb_id)

    @property
    def words(self) -> str:
        return self.mention.text if self.mention is not None else self.text

    def key(self) -> str:
        """Identity of the party: its KB entity, else country, sector and words together (the
        Sudanese government and Darfur rebels are two parties of one country)."""
        m = self.mention
        if m is not None:
            return m.kb_id or f"{m.country}:{m.sector}:{m.text.lower()}"
        return self.text.lower()


@dataclass(slots=True)
class Frame:
    trigger: "Token"
    kind: str  # verb | noun
    code: str
    weight: float
    actors: list[Party] = field(default_factory=list)
    recipients: list[Party] = field(default_factory=list)
    status: str = "actual"
    cue: "Token | None" = None
    cue_class: str = ""
    path: str = "dep"  # dep | linear
    reciprocal: bool = False
    anchors: list["Token"] = field(default_factory=list)  # tokens dates and places attach to


@dataclass(slots=True)
class Cue:
    token: "Token"
    cls: str
    reported: bool = False  # a reporting verb ("said") above the trigger
    aux: str = ""  # the modal that made the cue, if any


def is_verbal(tok: "Token") -> bool:
    return tok.pos_ == "VERB" or (tok.tag_ in VERBAL_TAGS and tok.pos_ != "AUX")


def lemma(tok: "Token") -> str:
    return tok.lemma_.lower()


def better_status(a: str, b: str) -> str:
    return a if STATUS_ORDER.index(a) <= STATUS_ORDER.index(b) else b


class FrameBuilder:
    """Frames of one sentence. ``headline`` relaxes the rules for title-like text (no articles,
    verbs in the present tense, nouns standing alone)."""

    def __init__(self, lex: Lexicon, span: "Span", sm: SentenceMentions, headline: bool = False):
        self.lex = lex
        self.cues = lex.cues
        self.span = span
        self.sm = sm
        self.headline = headline
        self.consumed: set[int] = set()

    # ------------------------------------------------------------------ triggers

    def objects(self, tok: "Token", preps: frozenset[str] = frozenset()) -> list["Token"]:
        """Object heads of a verb: direct object, passive subject, the object of ``preps``; for a
        participle modifying a noun ("visas revoked"), that noun."""
        out = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass", "attr", "oprd")]
        for c in tok.children:
            if c.dep_ in ("prep", "agent", "dative", "prt") and (not preps or c.lower_ in preps):
                out.extend(g for g in c.children if g.dep_ in ("pobj", "pcomp"))
        if tok.dep_ == "acl" and tok.tag_ == "VBN":
            out.append(tok.head)
        if not out:  # "visas revoked for Mendez": a reduced passive read as subject + verb
            out = [c for c in tok.children if c.dep_ == "nsubj" and c.pos_ == "NOUN"]
        more = [c for o in out for c in o.conjuncts]
        return out + more

    def _lemma_in(self, tok: "Token", words: frozenset[str]) -> bool:
        if lemma(tok) in words or tok.lower_ in words:
            return True
        low = tok.lower_
        if low.endswith("s") and low[:-1] in words:
            return True
        if any(c.dep_ in ("compound", "amod") and (lemma(c) in words or c.lower_ in words) for c in tok.children):
            return True
        for c in tok.children:  # "700 kg of medicine", "the withdrawal of forces"
            if c.dep_ == "prep" and c.lower_ == "of":
                if any(lemma(g) in words or g.lower_ in words for g in c.children if g.dep_ == "pobj"):
                    return True
        return False

    def _lemma_in_mods(self, tok: "Token", words: frozenset[str]) -> bool:
        """A modifier of a noun trigger in ``words``: "phone call", "military aid", "withdrawal of troops"."""
        for c in tok.children:
            if c.dep_ in ("compound", "amod", "nmod") and (lemma(c) in words or c.lower_ in words):
                return True
            if c.dep_ == "prep" and c.lower_ == "of":
                if any(self._lemma_in(g, words) for g in c.children if g.dep_ == "pobj"):
                    return True
        return False

    def _has_prep(self, tok: "Token", preps: frozenset[str]) -> bool:
        want = {p.split(":", 1)[-1] for p in preps}
        return any(c.dep_ in ("prep", "prt", "agent", "advmod", "dative") and c.lower_ in want for c in tok.children)

    def _descriptor(self, tok: "Token", polarity: str) -> bool:
        words = self.lex.negative if polarity == "negative" else self.lex.positive
        stack = [c for c in tok.children if c.dep_ not in ("ccomp", "advcl", "relcl", "conj", "nsubj", "nsubjpass")]
        while stack:
            t = stack.pop()
            if lemma(t) in words or t.lower_ in words or t.lower_.split("-")[0] in words:
                return True
            stack.extend(c for c in t.children if c.dep_ not in ("ccomp", "advcl", "relcl"))
        return False

    def _obj_is_actor(self, tok: "Token") -> bool:
        for o in self.objects(tok):
            if o.pos_ == "PRON" and o.lower_ in PERSON_PRONOUNS | THING_PRONOUNS:
                return True
            if any(is_actor_mention(m) for m in self.sm.in_phrase(o)[:1]):
                return True
        return False

    def _partner(self, tok: "Token") -> bool:
        subj = self.subject(tok)
        if subj is not None and (subj.conjuncts or self._reciprocal_words(subj)):
            return True
        if self._obj_is_actor(tok):
            return True
        for c in tok.children:
            if c.dep_ == "prep" and c.lower_ in ("with", "to"):
                if any(self.sm.in_phrase(g) or g.pos_ == "PRON" for g in c.children if g.dep_ == "pobj"):
                    return True
        return False

    def _reciprocal_words(self, tok: "Token") -> bool:
        phrase = " ".join(t.lower_ for t in tok.subtree if t.dep_ not in ("relcl", "acl"))
        return any(phrase == w or phrase.startswith(w + " ") for w in self.cues.reciprocal_words) or \
            any(c.lower_ in ("both", "two") for c in tok.children if c.dep_ in ("det", "nummod", "predet", "amod"))

    def match_entry(self, tok: "Token", entries: tuple[Entry, ...], governed: bool) -> Entry | None:
        for e in entries:
            if e.prep and not self._has_prep(tok, e.prep):
                continue
            if e.obj:
                preps = frozenset(p.split(":", 1)[-1] for p in e.prep)
                if not any(self._lemma_in(o, e.obj) for o in self.objects(tok, preps)):
                    continue
            if e.obj_actor is not None and self._obj_is_actor(tok) != e.obj_actor:
                continue
            if e.needs_obj and not any(c.dep_ in ("dobj", "nsubjpass") for c in tok.children):
                continue
            if e.bare and any(c.dep_ in ("oprd", "xcomp", "ccomp", "acomp") for c in tok.children):
                continue
            if e.mod and not self._lemma_in_mods(tok, e.mod):
                continue
            if e.descriptor and not self._descriptor(tok, e.descriptor):
                continue
            if e.partner and not governed and not self._partner(tok):
                continue
            return e
        return None

    def triggers(self) -> list[tuple["Token", str, Entry]]:
        found: list[tuple["Token", str, Entry]] = []
        for tok in self.span:
            word = lemma(tok)
            if tok.pos_ in ("NOUN", "PROPN") and tok.lower_ in self.lex.verb_forms and \
                    any(c.dep_ == "nsubj" for c in tok.children):
                word = self.lex.verb_forms[tok.lower_]  # a verb the tagger read as a noun ("Carter speak by phone")
                entry = self.match_entry(tok, self.lex.verbs[word], self.governing_cue(tok) is not None)
                if entry is not None:
                    found.append((tok, "verb", entry))
                continue
            if is_verbal(tok) and word in self.lex.verbs and tok.dep_ not in ("amod", "compound", "nmod"):
                # a participle used as an adjective ("the convicted offender", "alleged victims") is no event
                entry = self.match_entry(tok, self.lex.verbs[word], self.governing_cue(tok) is not None)
                if entry is not None:
                    found.append((tok, "verb", entry))
            elif tok.pos_ in ("NOUN", "PROPN") and (word in self.lex.nouns or tok.lower_ in self.lex.nouns):
                entry = self.match_entry(tok, self.lex.nouns.get(word) or self.lex.nouns[tok.lower_], True)
                if entry is not None:
                    found.append((tok, "noun", entry))
        return found

    # ------------------------------------------------------------------ cues

    def _cue_class(self, g: "Token", via: "Token") -> str:
        word = lemma(g)
        for c in g.children:
            if c.dep_ in ("prt", "prep") and c.i > g.i and (c.i == via.i or c.i < via.i or c.dep_ == "prt"):
                cls = self.cues.particle_verbs.get(f"{word} {c.lower_}")
                if cls:
                    return cls
        if is_verbal(g) or g.pos_ == "AUX":
            cls = self.cues.verbs.get(word, "")
            if cls == "request" and word in self.cues.report_verbs and via.dep_ == "ccomp":
                return "report"  # "told reporters that ..." reports; "told X to ..." requests
            return cls
        if g.pos_ in ("NOUN", "PROPN"):
            return self.cues.nouns.get(word, "")
        if g.pos_ == "ADJ":
            return self.cues.adjectives.get(word, "")
        return ""

    def governing_cue(self, tok: "Token") -> Cue | None:
        """The nearest cue word governing ``tok`` through clausal complements, prepositional
        complements ("openness to hosting", "accused X of kidnapping") or the object position
        ("threatened sanctions"); reporting verbs on the way are passed through."""
        t, reported = tok, False
        for _ in range(MAX_CLIMB):
            head = t.head
            if head.i == t.i:
                break
            if t.dep_ == "conj":
                t = head
                continue
            if t.dep_ in ("xcomp", "ccomp", "dobj", "attr", "oprd", "acomp") or (t.dep_ == "acl" and head.pos_ == "NOUN") \
                    or (t.dep_ == "advcl" and any(c.dep_ == "aux" and c.lower_ == "to" for c in t.children)):
                g, via = head, t  # an infinitive read as adverbial ("have sworn to fight") still complements
            elif t.dep_ in ("pcomp", "pobj") and head.dep_ in ("prep", "agent"):
                g, via = head.head, head
                noun = self._object_cue(g, head)
                if noun is not None:  # "signaled openness [to hosting]" with the PP on the verb
                    g, via = noun, head
            elif t.dep_ == "acomp":
                g, via = head, t
            else:
                break
            cls = self._cue_class(g, via)
            if cls == "report":
                reported = True
                t = g
                continue
            if cls and via.dep_ == "ccomp" and cls in ("intend", "threat", "reject") and not self._future(via) \
                    and not self._same_subject(via, g):
                break  # "described X; Mendez threatened ...": a clause of its own, not what is threatened
            if cls:
                return Cue(token=g, cls=cls, reported=reported)
            if g.pos_ == "AUX" or lemma(g) in ("be", "remain", "seem", "appear", "become"):
                t = g  # "is ready to", "appeared willing to": climb through the copula
                continue
            if t.i != tok.i or tok.pos_ not in ("NOUN", "PROPN") or lemma(g) not in self.cues.support_verbs:
                break
            t = g  # "threatened to hold a general strike": through the support verb
        else:
            return None
        return None
        return None

    def _object_cue(self, verb: "Token", prep: "Token") -> "Token | None":
        """The cue noun object of ``verb`` when the parser hung the noun's complement on the verb."""
        if not (is_verbal(verb) or verb.pos_ == "AUX") or prep.lower_ not in ("to", "in", "for", "of"):
            return None
        return next((c for c in verb.children if c.dep_ == "dobj" and lemma(c) in self.cues.nouns), None)

    def _future(self, tok: "Token") -> bool:
        return any(c.dep_ == "aux" and self.cues.aux.get(c.lower_) in ("intend", "hypothetical") for c in tok.children)

    def _same_subject(self, clause: "Token", head: "Token") -> bool:
        a = next((c for c in clause.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        b = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if a is None or b is None:
            return a is None
        if a.pos_ == "PRON":
            return True  # "warned it would", "said he intended"
        ma, mb = self.sm.of(a), self.sm.of(b)
        return ma is not None and mb is not None and (ma.kb_id or ma.country) == (mb.kb_id or mb.country)

    def modal_cue(self, tok: "Token", reported: bool) -> Cue | None:
        """A future or conditional auxiliary on the trigger acts as an intent cue ("will visit" is
        CAMEO 'express intent'); "must"/"should" in reported speech acts as a request."""
        for c in tok.children:
            if c.dep_ != "aux":
                continue
            kind = self.cues.aux.get(c.lower_)
            if kind == "intend" or (c.lower_ in ("would", "'d") and reported):
                return Cue(token=c, cls="intend", reported=reported, aux=c.lower_)
            if kind == "hypothetical" and self._conditional(tok, marks=("if", "unless")):
                # "may halt mediation if ...", "would send troops if ...": an offer or a threat
                return Cue(token=c, cls="intend", reported=reported, aux=c.lower_)
            if kind == "request" and reported:
                return Cue(token=c, cls="request", reported=True, aux=c.lower_)
        if tok.dep_ == "xcomp" and lemma(tok.head) == "go" and tok.head.tag_ == "VBG":
            return Cue(token=tok.head, cls="intend", reported=reported, aux="going to")
        if tok.pos_ in ("NOUN", "PROPN") and tok.dep_ in ("dobj", "nsubjpass") and tok.head.i != tok.i \
                and not any(c.dep_ == "aux" for c in tok.children):
            return self.modal_cue(tok.head, reported)  # "would tighten the blockade"
        return None

    def _reported(self, tok: "Token") -> "Token | None":
        """The reporting verb whose complement holds ``tok`` ("said [it would ...]"), if any."""
        t = tok
        for _ in range(MAX_CLIMB):
            if t.dep_ == "conj":
                t = t.head
                continue
            if t.dep_ not in ("ccomp", "xcomp", "advcl") or t.head.i == t.i:
                return None
            if self.cues.verbs.get(lemma(t.head)) == "report":
                return t.head
            t = t.head
        return None

    def _conditional(self, tok: "Token", marks: tuple[str, ...] | None = None) -> bool:
        """Whether ``tok`` is in a conditional clause, or governs one ("will X unless Y")."""
        marks = marks or tuple(self.cues.condition_marks)
        t = tok
        for _ in range(MAX_CLIMB):
            if any(c.dep_ == "mark" and c.lower_ in marks for c in t.children):
                return True
            if any(c.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in ("if", "unless") for m in c.children)
                   for c in t.children):
                return True
            if t.head.i == t.i:
                break
            t = t.head
        return False

    # ------------------------------------------------------------------ arguments

    def subject(self, tok: "Token", depth: int = 0) -> "Token | None":
        """The token standing for the doer of ``tok``, following control and coordination."""
        if depth > MAX_CLIMB:
            return None
        subjects = [c for c in tok.children if c.dep_ in ("nsubj", "csubj")]
        if subjects:  # the one nearest the verb: "Lima — ... Mendez and Carter spoke" is not Lima
            return min(subjects, key=lambda c: abs(tok.i - c.i))
        if any(c.dep_ == "nsubjpass" for c in tok.children) or (tok.dep_ == "acl" and tok.tag_ == "VBN"):
            agent = self._agent(tok)
            if agent is None and lemma(tok) in self.cues.verbs and self.cues.verbs[lemma(tok)] != "report":
                # "Israel is opposed to", "Vietnam is committed to": a state of the subject
                return self.patient(tok)
            return agent
        head, dep = tok.head, tok.dep_
        if head.i == tok.i:
            return None
        if dep == "acomp" and tok.pos_ == "ADJ":  # "Israel is opposed to ...", "is ready to ..."
            return self.subject(head, depth + 1)
        if dep == "conj" and (is_verbal(head) or head.pos_ == "AUX"):
            if self.patient(head) is not None and not any(c.dep_ == "auxpass" for c in tok.children) \
                    and head.dep_ in ("ccomp", "xcomp") and head.head.i != head.i:
                # "said [X was appreciated] and expressed ...": an active verb joined to a passive
                # complement shares the subject of the verb above, not the passive's patient
                return self.subject(head.head, depth + 1)
            return self.subject(head, depth + 1)
        if dep in ("xcomp", "ccomp", "advcl") and (is_verbal(head) or head.pos_ in ("AUX", "ADJ")):
            if lemma(head) in self.cues.object_control:
                obj = next((c for c in head.children if c.dep_ in ("dobj", "dative")), None)
                if obj is not None:
                    return obj
            return self.subject(head, depth + 1)
        if dep in ("pcomp", "pobj") and head.dep_ in ("prep",):
            g = head.head
            if self.cues.verbs.get(lemma(g)) == "allege":
                return next((c for c in g.children if c.dep_ in ("dobj", "nsubjpass")), None)
            if g.pos_ in ("NOUN", "PROPN"):
                poss = next((c for c in g.children if c.dep_ == "poss"), None)
                return poss if poss is not None else self.noun_holder(g, depth + 1)
            if is_verbal(g) or g.pos_ in ("ADJ", "AUX"):
                return self.subject(g, depth + 1)
        if dep == "acl" and head.pos_ in ("NOUN", "PROPN"):
            if tok.tag_ == "VBG":
                return head
            if self.cues.nouns.get(lemma(head)):  # "plan to visit": the plan's holder
                poss = next((c for c in head.children if c.dep_ == "poss"), None)
                return poss if poss is not None else self.noun_holder(head, depth + 1)
        if dep == "relcl":
            if any(c.dep_ == "nsubj" for c in tok.children):
                return None
            return head
        return None

    def noun_holder(self, noun: "Token", depth: int = 0) -> "Token | None":
        """Who does what a noun names: its possessor, else the subject of the verb it is the
        object of ("Carter expressed interest in" -> Carter)."""
        poss = next((c for c in noun.children if c.dep_ == "poss"), None)
        if poss is not None:
            return poss
        if noun.dep_ in ("dobj", "attr", "nsubjpass", "oprd") and (is_verbal(noun.head) or noun.head.pos_ == "AUX"):
            return self.subject(noun.head, depth + 1)
        if noun.dep_ == "pobj" and noun.head.dep_ == "prep" and is_verbal(noun.head.head):
            return self.subject(noun.head.head, depth + 1)
        if noun.dep_ == "conj":
            return self.noun_holder(noun.head, depth + 1)
        return None

    def _agent(self, tok: "Token") -> "Token | None":
        for c in tok.children:
            if c.dep_ == "agent" or (c.dep_ == "prep" and c.lower_ == "by"):
                return next((g for g in c.children if g.dep_ == "pobj"), None)
        return None

    def patient(self, tok: "Token") -> "Token | None":
        """The passive subject; for a participle modifying a noun ("aid delivered by X", "people
        killed in the attack"), that noun."""
        found = next((c for c in tok.children if c.dep_ == "nsubjpass"), None)
        if found is None and tok.dep_ == "acl" and tok.tag_ == "VBN":
            return tok.head
        return found

    def recipient_tokens(self, tok: "Token", entry: Entry | None, kind: str) -> list["Token"]:
        """Tokens naming the recipient: the object when it is an actor, the object of a recipient
        preposition, the passive subject; for nouns, the object of on/against/with/of ..."""
        out: list["Token"] = []
        skip = {p.split(":", 1)[-1] for p in entry.prep} if entry and entry.prep else set()
        if kind == "verb":
            pas = self.patient(tok)
            if pas is not None:
                out.append(pas)
            for c in tok.children:
                if c.dep_ in ("dobj", "dative", "oprd", "nsubjpass"):
                    if c.dep_ != "nsubjpass":
                        out.append(c)
                    # "lifted sanctions on Iran", "boycott contact with the United States"
                    for obj in [c] + list(c.conjuncts):
                        for p in obj.children:
                            if p.dep_ == "prep" and p.lower_ in ("on", "against", "with", "to", "toward", "towards", "from", "by"):
                                out.extend(g for g in p.children if g.dep_ == "pobj")
            preps = RECIPIENT_PREPS
        else:
            preps = NOUN_RECIPIENT_PREPS
            for c in tok.children:
                if c.dep_ == "acl" and c.tag_ == "VBG":  # "restrictions affecting Colombian officials"
                    out.extend(g for g in c.children if g.dep_ == "dobj")
                if c.dep_ in ("amod", "compound", "nmod") and any(t.lower_ in ("anti", "anti-") for t in c.subtree):
                    out.extend(t for t in c.subtree if self.sm.of(t) is not None)  # "anti-U.S. rhetoric"
        for c in tok.children:
            if c.dep_ in ("prep", "dative") and c.lower_ in preps and c.lower_ not in skip:
                for g in c.children:
                    if g.dep_ != "pobj":
                        continue
                    out.append(g)
                    if kind == "noun" and c.lower_ == "of":  # "suspension of air links with Serbia"
                        out.extend(x for p in g.children if p.dep_ == "prep" and p.lower_ in ("with", "to", "against", "on")
                                   for x in p.children if x.dep_ == "pobj")
        out = [t for t in out if t.ent_type_ not in ("DATE", "TIME")]  # "on Tuesday" is no recipient
        named = any(self.sm.in_phrase(t) for t in out)
        if kind == "verb" and (not named or (entry is not None and entry.code[:2] in CLAUSE_TARGET_ROOTS)):
            for c in tok.children:
                if c.dep_ == "ccomp":  # "demanded that the US cancel ...": the US
                    out.extend(g for g in c.children if g.dep_ in ("nsubj", "nsubjpass"))
                if c.dep_ == "xcomp":  # "threatened to resume attacks in Israel"
                    out.extend(g for g in c.children if g.dep_ in ("dobj",))
                    for p in c.children:
                        if p.dep_ == "prep" and p.lower_ in ("with", "against", "on", "to", "toward", "towards"):
                            out.extend(g for g in p.children if g.dep_ == "pobj")
        if kind == "noun" and not out and tok.dep_ == "dobj":
            # "imposed sanctions on Iran": the preposition hangs from the verb
            for c in tok.head.children:
                if c.dep_ == "prep" and c.lower_ in ("on", "against", "with", "to", "toward", "towards", "for"):
                    out.extend(g for g in c.children if g.dep_ == "pobj")
        return out

    def party(self, tok: "Token | None", how: str = "dep", exclude: list[Party] | None = None) -> list[Party]:
        """The parties a token stands for: its mention(s), conjoined mentions, a pronoun's
        antecedent, or the words of an unresolved noun phrase."""
        if tok is None:
            return []
        heads = [tok] + [c for c in tok.conjuncts if c.i > tok.i and lemma(c) not in self.lex.nouns]
        out: list[Party] = []
        for h in heads:
            out.extend(self._party_of(h, how, exclude or []))
        return out

    def _party_of(self, tok: "Token", how: str, exclude: list[Party]) -> list[Party]:
        if tok.ent_type_ in ("DATE", "TIME", "MONEY", "PERCENT", "QUANTITY"):
            return []  # "Wednesday's attack", "the 1,500 accepted" name no party
        if tok.pos_ == "PRON" or tok.lower_ in PERSON_PRONOUNS | THING_PRONOUNS:
            if tok.lower_ in FIRST_PERSON or tok.lower_ in ("who", "which", "that", "what"):
                return []
            ante = self.sm.pronoun(tok, [p.mention for p in exclude if p.mention is not None])
            return [Party(mention=ante, how="pronoun", token_i=tok.i)] if ante else []
        if self._reciprocal_words(tok) and not any(m.country or m.kb_id for m in self.sm.in_phrase(tok)):
            return [Party(text=tok.text, how="reciprocal", token_i=tok.i)]
        ms = [m for m in self.sm.in_phrase(tok) if is_actor_mention(m) or m.kind in ("person", "org", "group")]
        if ms:
            return [Party(mention=ms[0], how=how, token_i=tok.i)]
        if lemma(tok) in self.cues.non_agents or tok.pos_ not in ("NOUN", "PROPN"):
            return []
        return [Party(text=self._phrase(tok), how=how, token_i=tok.i)]

    def _phrase(self, tok: "Token") -> str:
        left = [c for c in tok.lefts if c.dep_ in ("compound", "amod", "nmod", "poss", "nummod", "quantmod")]
        start = min([tok.i] + [t.i for c in left for t in c.subtree])
        start = max(start, tok.i - 6)
        return tok.doc[start:tok.i + 1].text

    def linear_actor(self, tok: "Token", avoid: set[int]) -> list[Party]:
        """The nearest actor mention left of the trigger in the sentence (a weaker path, for
        sentences the parser got wrong); "Mendez and Carter" gives both."""
        out: list[Party] = []
        i = tok.i - 1
        while i >= self.span.start and tok.i - i <= 15:
            t = tok.doc[i]
            m = self.sm.of(t)
            if m is not None and is_actor_mention(m) and i not in avoid and not self._locative(t):
                out.append(Party(mention=m, how="linear", token_i=i))
                j = i - 1
                while j >= self.span.start and self.sm.of(tok.doc[j]) is m:
                    j -= 1
                if j > self.span.start and tok.doc[j].lower_ in ("and", "&"):
                    k = j - 1
                    m2 = self.sm.of(tok.doc[k])
                    if m2 is not None and is_actor_mention(m2) and m2 is not m:
                        out.append(Party(mention=m2, how="linear", token_i=k))
                return out
            i -= 1
        return out

    def linear_recipient(self, tok: "Token", avoid: set[int]) -> list[Party]:
        i = tok.i + 1
        while i < self.span.end and i - tok.i <= 10:
            t = tok.doc[i]
            if t.dep_ in ("mark", "cc") or t.pos_ in ("VERB", "SCONJ") or t.text in (";", ":", "—", "–", "(", ","):
                return []  # another clause begins: "call as US threatens ..."
            m = self.sm.of(t)
            if m is not None and is_actor_mention(m) and i not in avoid and self._object_like(t):
                return [Party(mention=m, how="linear", token_i=i)]
            i += 1
        return []

    @staticmethod
    def _object_like(tok: "Token") -> bool:
        """Whether a token's noun phrase sits where a recipient can: an object, or the object of
        a recipient preposition (not "amid U.S.-Colombia tensions", not "in Colombia")."""
        t = tok
        while t.dep_ in ("compound", "amod", "poss", "nmod", "det", "case") and t.head.i != t.i:
            t = t.head
        if t.dep_ == "pobj":
            return t.head.lower_ in RECIPIENT_PREPS and t.head.lower_ not in ("at", "from")
        return t.dep_ in ("dobj", "dative", "attr", "appos", "conj", "ROOT", "npadvmod", "oprd")

    def _locative(self, tok: "Token") -> bool:
        t = tok
        while t.dep_ in ("compound", "amod", "poss", "nmod", "det") and t.head.i != t.i:
            t = t.head
        return t.dep_ == "pobj" and t.head.lower_ in LOCATIVE_PREPS

    # ------------------------------------------------------------------ status

    def status(self, tok: "Token", cue: Cue | None) -> str:
        status = "actual"
        chain = [tok] + ([cue.token] if cue is not None and cue.token.pos_ != "AUX" else [])
        for t in chain:
            if self._negated(t):
                status = "negated"
        if cue is not None and cue.cls in CUE_STATUS and status != "negated":
            status = CUE_STATUS[cue.cls]
        for c in tok.children:
            if c.dep_ == "aux" and self.cues.aux.get(c.lower_) == "hypothetical" and c.lower_ not in ("would", "'d"):
                status = better_status("hypothetical", status)
            if c.dep_ == "advmod" and c.lower_ in self.cues.adverbs:
                status = better_status(self.cues.adverbs[c.lower_], status)
            if c.dep_ in ("amod", "compound") and c.lower_ in self.cues.adjective_modifiers:
                status = better_status(self._modifier_status(c.lower_), status)
        if status == "actual" and self._conditional(tok) and (cue is None or cue.cls != "intend"):
            status = "hypothetical"
        if self._in_condition(tok):
            status = better_status("hypothetical", status)  # "... unless the president agrees to step down"
        return status

    def _in_condition(self, tok: "Token") -> bool:
        t = tok
        for _ in range(MAX_CLIMB):
            if any(c.dep_ == "mark" and c.lower_ in ("if", "unless") for c in t.children):
                return True
            if t.dep_ in ("ROOT",) or t.head.i == t.i:
                return False
            t = t.head
        return False

    def _modifier_status(self, word: str) -> str:
        kind = self.cues.adjective_modifiers[word]
        return {"intend": "intended"}.get(kind, kind)

    def _negated(self, tok: "Token") -> bool:
        for c in tok.children:
            if c.dep_ == "neg":
                return True
            if c.dep_ == "det" and c.lower_ in ("no",) and tok.pos_ == "NOUN":
                return True
        return False
