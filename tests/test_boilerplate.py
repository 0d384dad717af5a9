"""clean.boilerplate (the line model) and clean.render (whole-page text of HTML)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from dyadwatch.clean import boilerplate as bp
from dyadwatch.clean.render import render_html
from dyadwatch.errors import KBError
from tests import HANG_SECONDS

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared"
SEED = SHARED / "seeds" / "000_031bfc0b6110e641.txt"
FIXTURES = Path(__file__).parent / "fixtures" / "extract"

STORY = [
    "Kenyan and Ugandan ministers met in Nairobi on Monday to settle a dispute over fishing "
    "rights on Lake Victoria, after months of arrests of fishermen on both sides of the border.",
    "The talks, which officials described as frank, focused on the small rocky island of "
    "Migingo, whose ownership both countries have claimed for more than a decade.",
    "The two delegations agreed to set up a joint commission to survey the border and to "
    "release detained fishermen within two weeks, according to a statement.",
    "Uganda's delegation said it wanted the commission to finish its work before the next "
    "fishing season, while Kenyan officials said the survey would take at least six months.",
]
NAV = ["Home", "World", "Africa", "Business", "Sport", "Opinion", "Video", "Log in", "Subscribe"]
FOOT = ["Share this article", "Related stories", "Uganda names new envoy to Kenya",
        "Terms of Use | Privacy Policy | Contact", "© 2026 Lakeside Herald. All rights reserved."]


def page() -> list[str]:
    return NAV + ["Ministers meet in Nairobi to settle lake fishing dispute"] + STORY + FOOT


def test_shipped_model_loads_with_its_provenance() -> None:
    model = bp.default_model()
    assert model.stage2 is not None and 0 < model.threshold < 1
    assert model.meta["command"].startswith(".venv/bin/python bench/train_boilerplate.py")
    assert len(model.meta["data_sha256"]) == 64
    data = json.loads((ROOT / "src/dyadwatch/clean/data/boilerplate_model.json").read_text())
    assert data["features"] == bp.feature_names()


def test_model_with_other_features_is_refused() -> None:
    data = json.loads((ROOT / "src/dyadwatch/clean/data/boilerplate_model.json").read_text())
    data["features"] = data["features"][:-1]
    with pytest.raises(KBError, match="retrain"):
        bp.LineModel.from_dict(data)


def test_features_have_one_row_per_line_and_no_nan() -> None:
    x = bp.line_features(page())
    assert x.shape == (len(page()), len(bp.feature_names()))
    assert np.isfinite(x).all()
    assert bp.line_features([]).shape[0] == 0


def test_story_is_kept_and_furniture_removed() -> None:
    lines = page()
    result = bp.clean_lines(lines)
    kept = {lines[i] for i in result.kept}
    assert set(STORY) <= kept
    removed = {r.text for r in result.removals}
    assert {"Home", "Business", "Log in", "Share this article",
            "© 2026 Lakeside Herald. All rights reserved."} <= removed
    assert all(r.reason in bp.REASONS for r in result.removals)
    assert len(result.kept) + len(result.removals) == len(lines)


def test_removals_carry_line_numbers_and_reasons() -> None:
    text = "\n\n".join(page())
    result = bp.remove_furniture(text)
    by_text = {r.text: r for r in result.removals}
    assert by_text["Home"].line == 1
    assert by_text["© 2026 Lakeside Herald. All rights reserved."].reason == "copyright"
    assert by_text["Share this article"].reason == "share_prompt"
    assert by_text["Subscribe"].reason == "newsletter"


def test_reason_patterns_never_decide_a_removal() -> None:
    # a story paragraph full of words the reason labeller knows (share, comment, subscribe)
    line = ("Fishermen said they would share their catch with the commission and comment on its "
            "findings, and local leaders asked residents to subscribe to the new survey reports "
            "before the season opens next month.")
    lines = NAV + STORY[:2] + [line] + STORY[2:] + FOOT
    result = bp.clean_lines(lines)
    assert lines.index(line) in result.kept


def test_chatbot_text_is_removed_with_its_reason() -> None:
    leaks = ["I’m sorry, but I can’t help with that.",
             "As an AI language model, I cannot browse the internet.",
             "I'm sorry, but I can't assist with that request."]
    lines = STORY[:2] + leaks + STORY[2:]
    result = bp.clean_lines(lines)
    reasons = {r.text: r.reason for r in result.removals}
    assert all(reasons.get(leak) == "chatbot_text" for leak in leaks)
    assert set(STORY) <= {lines[i] for i in result.kept}


def test_reason_catalogue_covers_the_labellers() -> None:
    for rule in bp.reason_rules():
        assert rule.reason in bp.REASONS
    assert bp.label_reason("Home » World » Africa") == "breadcrumb"
    assert bp.label_reason("Adblock Detected") == "adblock"
    assert bp.label_reason("Leave a Comment") == "comment_form"


def test_one_very_long_line_is_handled() -> None:
    words = ("officials met again on tuesday to discuss the border and agreed to talk. " * 400)
    line = words.strip()  # ~5,200 words on one line
    t0 = time.perf_counter()
    result = bp.clean_lines(["Home", line, "Share this article"])
    assert time.perf_counter() - t0 < HANG_SECONDS
    assert result.kept == [1]


def test_empty_page() -> None:
    result = bp.remove_furniture("\n\n  \n")
    assert result.kept == [] and result.removals == [] and result.text == ""


# ---------------------------------------------------------------------------------- render


def test_render_puts_blocks_on_their_own_lines() -> None:
    html = ("<html><head><title>T</title><style>p{}</style></head><body>"
            "<nav><a href='/'>Home</a> <a href='/w'>World</a></nav>"
            "<h1>Head <em>line</em></h1><p>First\nparagraph <b>bold</b>.</p>"
            "<script>var x = 1;</script><p>Second<br>line</p>"
            "<table><tr><td>Date</td><td>Monday</td></tr></table>"
            "<!-- a comment -->tail text</body></html>")
    assert render_html(html).split("\n") == [
        "Home World", "Head line", "First paragraph bold.", "Second", "line", "Date Monday",
        "tail text"]


def test_render_keeps_pre_newlines_and_drops_forms() -> None:
    html = ("<body><pre>a\n  b</pre><form><select><option>One</option></select>"
            "<button>Go</button></form><p>x</p></body>")
    assert render_html(html).split("\n") == ["a", "b", "x"]


def test_render_deep_tree_without_recursion() -> None:
    html = "<html><body>" + "<div>" * 200 + "deep text" + "</div>" * 200 + "</body></html>"
    assert render_html(html) == "deep text"


def test_render_fixture_page() -> None:
    text = render_html((FIXTURES / "article.html").read_bytes())
    lines = text.split("\n")
    assert "Lima and Quito Agree to Reopen Border Crossings" in lines
    assert not any("dataLayer" in line for line in lines)


# ---------------------------------------------------------------------------------- seed


@pytest.mark.shared
def test_seed_furniture_is_removed_by_the_model() -> None:
    if not SEED.exists():
        pytest.skip("../shared/seeds is not beside the clone")
    result = bp.remove_furniture(SEED.read_text(encoding="utf-8"))
    reasons = {r.text: r.reason for r in result.removals}
    assert reasons["Share your thoughts and join the discussion below."] == "share_prompt"
    assert reasons["I’m sorry, but I can’t help with that."] == "chatbot_text"
    assert reasons["You may also like"] == "related_links"
    assert reasons["Leave a Comment"] == "comment_form"
    assert reasons["Adblock Detected"] == "adblock"
    assert reasons["This site uses Akismet to reduce spam. Learn how your comment data is "
                   "processed."] == "comment_form"
    kept = result.text
    assert "spoke on the phone on Wednesday" in kept
    assert "Direct lines of dialogue between heads of state" in kept


@pytest.mark.slow
@pytest.mark.shared
def test_cross_validated_line_model_meets_the_floor() -> None:
    """5-fold CV on the rendered dev pages (about 2 minutes): F1 >= 0.85."""
    import sys

    data = SHARED / "data" / "extraction" / "scrapinghub-dev"
    if not data.exists():
        pytest.skip("../shared/data is not beside the clone")
    sys.path.insert(0, str(ROOT / "bench"))
    import eval_extraction as ev
    import train_boilerplate as tb

    pages = tb.load_pages()
    preds = ev.run_text_cv(pages, 5)
    assert ev.score(preds, [p.truth for p in pages])["f1"] >= 0.85


def test_a_snippet_of_few_sentences_is_kept_whole() -> None:
    lines = ["Trump called Petro on Wednesday.", "The two leaders discussed drug policy."]
    result = bp.clean_lines(lines)
    assert result.kept == [0, 1]
    menu = bp.clean_lines(["Home", "World", "Log in"])
    assert menu.kept == []


def test_cjk_text_is_counted_by_characters() -> None:
    assert bp.word_count("Kindle for PCをインストールすると自動でホットキーが設定されます。") > 15
    assert bp.word_count("three plain words") == 3
    story = ["さて、このKindle for PC、Amazonがあまり力を入れていないのか操作性などあまりよくありません。"
             "設定で変更できる箇所も少なく、融通が効かない面も多々あります。",
             "Kindle for PCをインストールすると自動でホットキーが設定され、「Ctrl＋Alt＋K」で"
             "立ち上がるようになります。使わない時はタスクバーに格納しておきます。",
             "ところがKindle for PCをインストールすると、同じ操作をするたびにKindleが立ち上がって"
             "しまいます。迷惑なことこの上なし。設定で変更しました。"]
    lines = NAV + story + FOOT
    result = bp.clean_lines(lines)
    assert set(story) <= {lines[i] for i in result.kept}
