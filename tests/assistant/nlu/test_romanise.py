"""Bengali and Panjabi words read as people type them in Latin letters: the script and the Latin
spelling meet."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from assistant.nlu.folding import FoldingTokenizer
from assistant.nlu.romanise import romanise
from assistant.understanding.text import normalise

TOKENIZER = FoldingTokenizer(FoldingTokenizer.get_default_config())


# Each word as a Bengali speaker types it in Latin letters (the spelling people use most).
@pytest.mark.parametrize(("bengali", "banglish"), [
    ("আমার", "amar"), ("আমি", "ami"), ("আপনার", "apnar"), ("আবেদন", "abedon"),
    ("কোথায়", "kothay"), ("কবে", "kobe"), ("কী", "ki"), ("কি", "ki"), ("কেমন", "kemon"),
    ("খবর", "khobor"), ("অবস্থা", "obostha"), ("অভিযোগ", "obhijog"), ("পুলিশ", "pulish"),
    ("দরকার", "dorkar"), ("করছি", "korchi"), ("বলতে", "bolte"), ("শুনবে", "shunbe"),
    ("হয়", "hoy"), ("হয়েছে", "hoyeche"), ("ঠিক", "thik"), ("আছে", "ache"), ("জানি", "jani"),
    ("না", "na"), ("বাংলা", "bangla"), ("কথা", "kotha"), ("ভাড়াটে", "bharate"),
    ("বদলালে", "bodlale"), ("প্রতিবেশী", "protibeshi"), ("সাহায্য", "sahajyo"),
])
def test_a_bengali_word_is_spelt_as_banglish_writers_spell_it(bengali, banglish):
    assert romanise(normalise(bengali)) == banglish


# Each word as a Panjabi speaker types it in Latin letters.
@pytest.mark.parametrize(("gurmukhi", "typed"), [
    ("ਮੇਰੀ", "meri"), ("ਅਰਜ਼ੀ", "arzi"), ("ਕੀ", "ki"), ("ਹਾਲ", "hal"), ("ਹੈ", "hai"),
    ("ਬਹੁਤ", "bahut"), ("ਮਦਦ", "madad"), ("ਮਤਲਬ", "matlab"), ("ਪੰਜਾਬੀ", "panjabi"),
    ("ਹੁੰਦਾ", "hunda"), ("ਮੈਂ", "main"), ("ਸਕਦਾ", "sakda"), ("ਪਤਾ", "pata"), ("ਫੇਰ", "fer"),
    ("ਲਈ", "lai"), ("ਮੈਨੂੰ", "mainun"), ("ਕਿੱਥੇ", "kitthe"), ("ਪੁਲਿਸ", "pulis"),
])
def test_a_panjabi_word_is_spelt_as_it_is_typed_in_latin_letters(gurmukhi, typed):
    assert romanise(normalise(gurmukhi)) == typed


def test_the_nukta_typed_apart_reads_as_the_gurmukhi_letter_with_it():
    # ਜ਼ (U+0A5B) and ਜ + ਼ are one letter.
    assert romanise("\u0a05\u0a30\u0a5b\u0a40") == romanise("\u0a05\u0a30\u0a1c\u0a3c\u0a40") == "arzi"


@pytest.mark.parametrize("typed", ["amar abedon", "Cyngor", "میری درخواست", "12", "znaleźć"])
def test_other_scripts_are_left_alone(typed):
    assert romanise(typed) == typed


def test_bengali_and_gurmukhi_digits_are_digits():
    assert romanise("৩") == "3" and romanise("২০২৬") == "2026" and romanise("੨੦੨੬") == "2026"


def test_the_nukta_typed_apart_reads_as_the_letter_with_it():
    # ড় (U+09DC) and ড + ় (U+09A1 U+09BC) are the same letter, typed two ways.
    assert romanise("\u09ad\u09be\u09dc\u09be") == romanise("\u09ad\u09be\u09a1\u09bc\u09be") == "bhara"


def test_a_sentence_in_either_script_gives_the_classifier_the_same_words():
    def lemmas(text):
        return [t.lemma for t in TOKENIZER.tokenize(Message(data={TEXT: text}), TEXT)]

    assert lemmas("আমার আবেদন কোথায়") == lemmas("Amar abedon kothay") == ["amar", "abedon", "kothay"]
    assert lemmas("ঠিক আছে") == lemmas("thik ache")
