"""Rule titles have one home: the English title in each rule's SQL header, translations keyed
by rule id in the report's i18n."""

from __future__ import annotations


def test_every_rule_has_exactly_one_title_in_every_language() -> None:
    from analyzer.report.i18n import LANGUAGES, RULE_TITLES, TEXT, rule_title
    from analyzer.rules import load_rules

    rules = {rule.id: rule.title for rule in load_rules()}
    # English lives in the SQL headers only; the report's texts do not name rules again.
    assert not [key for lang in TEXT for key in TEXT[lang] if key.startswith("rule_")]
    for lang in LANGUAGES:
        if lang == "en":
            continue
        assert set(RULE_TITLES[lang]) == set(rules), lang
        titles = [rule_title(rule, lang, english) for rule, english in rules.items()]
        assert all(titles) and len(set(titles)) == len(titles)
        assert not set(titles) & set(rules.values())  # translated, not the English again
    assert [rule_title(rule, "en", title) for rule, title in rules.items()] == list(rules.values())
    assert len(set(rules.values())) == len(rules)
