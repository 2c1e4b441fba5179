import pytest

from hsc_analysis.render import questionnaire_markdown


def test_chinese_questionnaire_lists_every_item_once_with_reverse_marks(parent):
    text = questionnaire_markdown(parent, lang="zh")
    for item in parent.items:
        assert text.count(f"({item.id})") == 1
        assert item.text.zh in text
    assert text.count("（反向计分）") == len(parent.reverse_items)
    assert "9 不了解 (计为缺失)" in text
    assert "本题请选择“不同意”。" in text


def test_english_questionnaire(parent):
    text = questionnaire_markdown(parent, lang="en")
    assert text.startswith("# Home–school–community cooperation survey (parent form)")
    assert "Cooperation effectiveness (5 items, mean, at least 3 valid)" in text


def test_unknown_language_is_refused(parent):
    with pytest.raises(ValueError, match="'lang' parameter must be one of"):
        questionnaire_markdown(parent, lang="fr")
