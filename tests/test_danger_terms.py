"""The keyword safety net catches danger in every variety and ignores harmless idioms."""

import pytest

from bot.nlu.danger_terms import DangerTerms, DangerTermsError


@pytest.fixture(scope="module")
def terms() -> DangerTerms:
    return DangerTerms.load()


@pytest.mark.parametrize(
    "message",
    [
        "عتقوني",
        "راجلي عندو موس وغادي يقتلني",
        "ghadi y9telni daba",
        "ghadi yqtelni",  # spelling variant
        "bghit n9tel rassi",
        "النجدة",
        "يريد قتلي",
        "au secours",
        "il va me tuer",
        "Il a un couteau !!!",
        "je vais me suicider",
        "help me he is going to kill me",
        "il va me tuerrr",  # elongation typo
    ],
)
def test_danger_is_found(terms, message):
    assert terms.find(message) is not None


@pytest.mark.parametrize(
    "message",
    [
        "I'm dying of laughter",
        "kill the lights please",
        "je meurs de faim",
        "je meurs de rire",
        "قتلني بالضحك",
        "9telni dahk",
        "bghit la carte dyal l i3a9a",
        "fin kayn centre f Tanja",
        "زوجي كيضربني شنو ندير",  # violence, not a danger phrase: goes to the classifier
        "à l'aide sociale",
    ],
)
def test_harmless_messages_do_not_trigger(terms, message):
    assert terms.find(message) is None


def test_exception_does_not_hide_a_real_danger_in_the_same_message(terms):
    assert terms.find("je meurs de rire mais il va me tuer") is not None


def test_malformed_terms_are_reported_with_the_source():
    with pytest.raises(DangerTermsError, match=r"terms\.yml"):
        DangerTerms.from_mapping({"phrases": {"fr": "au secours"}}, "terms.yml")
    with pytest.raises(DangerTermsError, match="phrases"):
        DangerTerms.from_mapping({"exceptions": {}}, "terms.yml")


def test_round_trip_through_the_model_format(terms):
    assert DangerTerms.from_dict(terms.as_dict()) == terms


@pytest.mark.parametrize("message", ["3ndo mouss w kayjri 3liya", "راجلي سكران وعندو موس"])
def test_knife_spellings_and_glued_conjunction(terms, message):
    assert terms.find(message) is not None


@pytest.mark.parametrize(
    "message",
    [
        "راجلي كيضربني كل نهار",
        "kaydrbni rajli",
        "زوجي يعنفني",
        "j'ai été violée",
        "harcèlement de rue tous les jours",
    ],
)
def test_violence_phrases_are_found(terms, message):
    assert terms.find_violence(message) is not None


@pytest.mark.parametrize(
    "message", ["bghit la carte dyal l i3a9a", "je meurs de faim", "كيفاش نتسجل فالسجل الاجتماعي"]
)
def test_ordinary_requests_have_no_violence_phrase(terms, message):
    assert terms.find_violence(message) is None


@pytest.mark.parametrize(
    "message",
    ["زميلي في العمل يتحرش بي، ماذا أفعل؟", "واش كيضربني؟ إيه كيضربني، ديما", "شكون يعاوني؟ راجلي عنفني؛"],
)
def test_arabic_punctuation_does_not_hide_a_violence_phrase(terms, message):
    assert terms.find_violence(message) is not None


@pytest.mark.parametrize("message", ["أختنق، الغاز في كل مكان", "ri7t lgaz f dar", "il y a une fuite de gaz"])
def test_gas_and_suffocation_are_danger(terms, message):
    assert terms.find(message) is not None


@pytest.mark.parametrize(
    "message", ["3tini chi nokta", "3tini l3onwan dyal chi markaz", "واش غادي يقبلوني ف المركز؟"]
)
def test_look_alikes_of_danger_words_do_not_trigger(terms, message):
    assert terms.find(message) is None


@pytest.mark.parametrize(
    "message",
    [
        "أود معرفة الخدمات المقدمة في إطار الإدماج الاجتماعي",  # "knowing", one letter from معنفة
        "عرّفني بخدمات القرب الاجتماعية",  # "introduce me", one letter from عنفني
        "راجلي كيعرفني مزيان",  # "he knows me", one letter from كيعنفني
        "ramed sala kifach ndouz l tadamon",  # RAMED, one letter from "raped"
        "ma carte RAMED a expiré",
    ],
)
def test_look_alikes_of_violence_words_do_not_trigger(terms, message):
    assert terms.find_violence(message) is None


@pytest.mark.parametrize(
    "message", ["أنا امرأة معنفة", "راجلي كيعنفني", "عنفني زوجي", "rajli kay3enfni", "I was raped"]
)
def test_violence_words_next_to_their_look_alikes_still_match(terms, message):
    assert terms.find_violence(message) is not None


@pytest.mark.parametrize(
    "message",
    [
        "aidez moiii",
        "Aidez-moi !!!",
        "à l'aide s'il vous plaît !",
        "3awnouni 3afak",
        "ساعدوني من فضلكم",
        "عاونوني",
        "help",
    ],
)
def test_a_call_for_help_alone_is_danger(terms, message):
    assert terms.find(message) is not None


@pytest.mark.parametrize(
    "message",
    [
        "aidez-moi à remplir le formulaire",
        "accéder à l'aide directe",
        "3awnouni nl9a markaz f Fes",
        "ساعدني في التسجيل في السجل الاجتماعي",
        "svp",
        "aide",
    ],
)
def test_a_call_for_help_inside_a_request_is_not_danger(terms, message):
    assert terms.find(message) is None


@pytest.mark.parametrize(
    "message",
    [
        "قام شخص بنشر صوري على مواقع التواصل الاجتماعي دون إذني",
        "واحد نشر التصاور ديالي ف الأنترنيت",
        "wa7d nchr tsawr dyali f facebook",
        "mon ex a publié mes photos sans mon accord",
        "il menace de diffuser mes photos",
    ],
)
def test_published_private_pictures_are_violence(terms, message):
    assert terms.find_violence(message) is not None


def test_a_seller_publishing_her_own_photos_is_not_violence(terms):
    assert terms.find_violence("je veux publier mes photos de produits sur facebook") is None


def test_alone_calls_survive_the_model_format(terms):
    assert DangerTerms.from_dict(terms.as_dict()).find("aidez moi svp") == "aidez moi"


def test_being_thrown_out_of_the_house_is_not_an_attack_in_progress(terms):
    assert terms.find("rajli kaydrbni w kayjri 3lia mn dar, chno n9der ndir?") is None
    assert terms.find("rajli kayjri 3liya b lmous") is not None


@pytest.mark.parametrize(
    "message", ["ma belle-mère me maltraite et mon mari ne dit rien", "طليقي يلاحقني ويهينني أمام الناس"]
)
def test_mistreatment_and_stalking_are_violence_words(terms, message):
    assert terms.find_violence(message) is not None


@pytest.mark.parametrize(
    "message",
    [
        "واحد تابعني من الحانوت حتى للدار",  # followed now
        "chi wa7d tab3ni f tri9 w ana khayfa",
        "quelqu'un me suit depuis la gare",
        "راجلي شاد الموس و واقف ف الباب",  # a weapon now
        "rajli chad lmous f kouzina",
        "il est rentré avec un couteau",
        "قالي غادي يحرقني أنا و الدار",  # threats to burn, acid, the children
        "il menace de me jeter de l'acide",
        "سيقتل أطفالي إذا غادرت",
        "مسدودة عليا ف البيت",  # locked in
        "m9foula 3liya mn sbah",
        "je suis séquestrée chez lui",
        "الجار كيضرب مراتو دابا",  # an attack witnessed now
        "أسمع الجار يضرب زوجته الآن",
        "ma b9itch kantnfs",  # injured
        "il m'a serré le cou",
        "بغيت نجرح راسي",  # self-harm
        "j'ai envie de mourir",
    ],
)
def test_every_class_of_danger_is_found(terms, message):
    assert terms.find(message) is not None


@pytest.mark.parametrize(
    "message",
    [
        "غادي نقولك واحد الحاجة",  # "I'll tell you", one letter from نقتلك
        "ghadi n9olek chi haja",
        "خطبوني لواحد من العائلة",  # "they got me engaged", one letter from خطفوني
        "khtbouni l weld 3mmi",
        "عيطت للمركز و سد عليا التيليفون",  # hung up on me
        "زوجي يحرمني من المال",  # "deprives me", one letter from يحرقني
        "je veux de l'aide pour mon dossier",  # "l'aide", one letter from "l'acide"
        "l'assistante sociale qui me suit",  # follows a file, not a person in the street
        "la loi punit-elle un mari qui frappe sa femme ?",  # a question about the law
        "le prof frappe mon fils à l'école",  # child protection, not an attack in progress
        "iyeh tab3an",
        "واش خاصني ننتظر الجواب؟",  # "wait", one letter from ننتحر ("kill myself")
        "هل يجب أن تنتظر الرد؟",
        "l'assistante sociale m'a suivie pendant deux ans",
    ],
)
def test_look_alikes_of_the_new_danger_phrases_do_not_trigger(terms, message):
    assert terms.find(message) is None


@pytest.mark.parametrize(
    "message",
    [
        "راجلي ديما كيسبني و كيحقرني",  # psychological
        "il m'humilie devant tout le monde",
        "rajli kayakhod liya lkhalsa dyali",  # economic
        "mon mari m'interdit de travailler",
        "بغاو يزوجوني بالسيف",  # forced marriage
        "on veut me marier de force",
        "daro compte fake b smiti",  # online
    ],
)
def test_non_imminent_violence_classes_are_violence_words(terms, message):
    assert terms.find(message) is None
    assert terms.find_violence(message) is not None
