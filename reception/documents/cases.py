"""Grammatical cases for official letters: the Russian dative of titles and names, Kazakh case endings.

Official letters address people in the dative ("Министру ... Касымовой Ж.А.", "... О.А. Бектеновке") and
govern dates and numbers by case ("2026 жылғы 18 тамыздан бастап", "15 қыркүйекке дейін", "5-ке").
These are the standard rules of the two grammars; where a rule cannot be trusted (a foreign surname, an
unusual title) the directory stores an edited form, and these functions only give the first guess.
"""

import re
from datetime import date

# ----------------------------------------------------------------------------------------------- Russian

_RU_VOWELS = set("аеёиоуыэюяАЕЁИОУЫЭЮЯ")
#: Surnames that never decline whatever their gender: Kazakh and Ukrainian ones in -о/-ко, -ых/-их, and
#: those ending in a vowel other than -а/-я (Шевченко, Черных, Гёте, Бекжанулы).
_RU_INDECLINABLE_ENDINGS = ("о", "е", "и", "у", "ю", "ых", "их", "улы", "ұлы", "кызы", "қызы", "уа", "иа")
_MALE_PATRONYMIC = ("вич", "ьич", "ич", "улы", "ұлы", "оглы", "угли", "уулу")
_FEMALE_PATRONYMIC = ("вна", "чна", "кызы", "қызы", "гызы", "кизи", "ызы")


def ru_gender(full_name: str) -> str:
    """ "m" or "f" from a "Surname Name Patronymic" name: the patronymic, else the surname's ending."""
    parts = full_name.split()
    if len(parts) >= 3:
        last = parts[-1].lower()
        if last.endswith(_FEMALE_PATRONYMIC):
            return "f"
        if last.endswith(_MALE_PATRONYMIC):
            return "m"
    surname = parts[0].lower() if parts else ""
    if surname.endswith(("ова", "ева", "ёва", "ина", "ына", "ская", "цкая", "ая")):
        return "f"
    return "m"


def _keep_case(source: str, result: str) -> str:
    return result.upper() if source.isupper() and len(source) > 1 else result


def ru_dative_surname(surname: str, gender: str) -> str:
    """The dative of a Russian-style surname: Бектенов -> Бектенову, Касымова -> Касымовой, Шевченко stays."""
    if "-" in surname:  # a double surname declines in each part: Петров-Водкин -> Петрову-Водкину
        return "-".join(ru_dative_surname(part, gender) for part in surname.split("-"))
    low = surname.lower()
    if not low or low.endswith(_RU_INDECLINABLE_ENDINGS):
        return surname
    if gender == "f":
        for ending, replacement in (
            ("ова", "овой"),
            ("ева", "евой"),
            ("ёва", "ёвой"),
            ("ина", "иной"),
            ("ына", "ыной"),
        ):
            if low.endswith(ending):
                return _keep_case(surname, surname[: -len(ending)] + replacement)
        for ending, replacement in (("ская", "ской"), ("цкая", "цкой"), ("ая", "ой")):
            if low.endswith(ending):
                return _keep_case(surname, surname[: -len(ending)] + replacement)
        if low.endswith(("а", "я")) and len(low) > 2 and low[-2] not in _RU_VOWELS:
            return _keep_case(surname, surname[:-1] + "е")
        return surname  # a woman's surname ending in a consonant does not decline (Ким, Петрович)
    for ending, replacement in (("ский", "скому"), ("цкий", "цкому"), ("ый", "ому"), ("ой", "ому")):
        if low.endswith(ending):
            return _keep_case(surname, surname[: -len(ending)] + replacement)
    if low.endswith("ий"):
        return _keep_case(surname, surname[:-2] + "ию")
    if low.endswith(("ь", "й")):
        return _keep_case(surname, surname[:-1] + "ю")
    if low.endswith(("а", "я")) and len(low) > 2 and low[-2] not in _RU_VOWELS:
        return _keep_case(surname, surname[:-1] + "е")
    if low[-1] in _RU_VOWELS:
        return surname
    return _keep_case(surname, surname + "у")


def initials(full_name: str) -> str:
    """ "Касымова Жанар Аскаровна" -> "Ж.А." (the names after the surname)."""
    return "".join(f"{part[0].upper()}." for part in full_name.split()[1:] if part)


def ru_dative_name(full_name: str) -> str:
    """How a Russian letter addresses the person: "Бектенов Олжас Абаевич" -> "Бектенову О.А."."""
    parts = full_name.split()
    if not parts:
        return ""
    if len(parts) == 1:
        return ru_dative_surname(parts[0], ru_gender(full_name))
    return f"{ru_dative_surname(parts[0], ru_gender(full_name))} {initials(full_name)}"


def ru_short_name(full_name: str) -> str:
    """A signature's name: "Ахметов Серик Болатович" -> "С. Ахметов"."""
    parts = full_name.split()
    if len(parts) < 2:
        return full_name
    return f"{parts[1][0].upper()}. {parts[0]}"


#: Adjective endings and their dative (Первый -> Первому, Генеральный -> Генеральному, Высший -> Высшему).
_RU_ADJ_DATIVE = (("ый", "ому"), ("ой", "ому"), ("кий", "кому"), ("гий", "гому"), ("хий", "хому"), ("ий", "ему"))
#: Nouns whose dative does not follow the plain rules below.
_RU_NOUN_EXCEPTIONS = {"заместитель": "заместителю", "председатель": "председателю"}


def _ru_dative_noun(word: str) -> str:
    if "-" in word:  # Премьер-Министр: only the last part declines
        head, _, tail = word.rpartition("-")
        return f"{head}-{_ru_dative_noun(tail)}"
    low = word.lower()
    if low in _RU_NOUN_EXCEPTIONS:
        return _match_capital(word, _RU_NOUN_EXCEPTIONS[low])
    if low.endswith("ия"):
        return word[:-1] + "и"
    if low.endswith(("ь", "й")):
        return word[:-1] + "ю"
    if low.endswith(("а", "я")):
        return word[:-1] + "е"
    if low.endswith(("о", "е")):
        return word[:-1] + "у"
    return word + "у"


def _match_capital(source: str, word: str) -> str:
    return word[:1].upper() + word[1:] if source[:1].isupper() else word


def _is_adjective(word: str) -> bool:
    return word.lower().endswith(("ый", "ий", "ой")) and len(word) > 3


def ru_dative_title(title: str) -> str:
    """The dative of a title: the head phrase declines (adjectives, then the first noun), what follows stays.

    "Премьер-Министр Республики Казахстан" -> "Премьер-Министру Республики Казахстан",
    "Первый заместитель Премьер-Министра" -> "Первому заместителю Премьер-Министра".
    """
    words = title.split(" ")
    out = []
    for index, word in enumerate(words):
        if _is_adjective(word):
            for ending, replacement in _RU_ADJ_DATIVE:
                if word.lower().endswith(ending):
                    out.append(word[: -len(ending)] + replacement)
                    break
            continue
        out.append(_ru_dative_noun(word) if word else word)
        out.extend(words[index + 1 :])
        break
    return " ".join(out)


def ru_genitive_body(name: str) -> str:
    """The genitive of an institution's name, its first noun declining: "Агентство ..." -> "Агентства ..."."""
    first, _, rest = name.partition(" ")
    low = first.lower()
    if low.endswith("ство") or low.endswith("о"):
        first = first[:-1] + "а"
    elif low.endswith("ия"):
        first = first[:-1] + "и"
    elif low.endswith("а"):
        first = first[:-1] + "ы"
    elif low.endswith(("ь", "й")):
        first = first[:-1] + "я"
    elif low[-1:] not in _RU_VOWELS:
        first = first + "а"
    return f"{first} {rest}".strip()


def ru_addressee_title(title: str, body_name: str) -> str:
    """The letter's first addressee line in Russian, from the head's title and the body's name.

    "Министр" + "Министерство труда ... Республики Казахстан" -> "Министру труда ... Республики Казахстан";
    "Аким области" + "Акимат Абайской области" -> "Акиму Абайской области";
    "Председатель агентства" + "Агентство Республики Казахстан по ..." -> "Председателю Агентства ...".
    A title that already names its body ("Премьер-Министр Республики Казахстан") only declines.
    """
    title, body_name = title.strip(), body_name.strip()
    words = title.split()
    if len(words) == 1 and body_name.lower().startswith("министерство "):
        return f"{ru_dative_title(title)} {body_name.split(' ', 1)[1]}"
    if words and words[0].lower() == "аким" and body_name.lower().startswith("акимат "):
        return f"{ru_dative_title(words[0])} {body_name.split(' ', 1)[1]}"
    if len(words) == 2 and body_name and body_name.split()[0].lower() == _ru_nominative_of_genitive(words[1]):
        return f"{ru_dative_title(words[0])} {ru_genitive_body(body_name)}"
    if len(words) == 1 and body_name:
        return f"{ru_dative_title(title)} {ru_genitive_body(body_name)}"
    return ru_dative_title(title)


def _ru_nominative_of_genitive(word: str) -> str:
    """ "агентства" -> "агентство", "комитета" -> "комитет": enough to recognise a body named in a title."""
    low = word.lower()
    if low.endswith("ства"):
        return low[:-1] + "о"
    if low.endswith("а"):
        return low[:-1]
    return low


# ------------------------------------------------------------------------------------------------ Kazakh

_KK_BACK = set("аоұыяАОҰЫЯ")
_KK_FRONT = set("әөүіеэиӘӨҮІЕЭИ")
#: Letters after which a suffix starts with a voiceless consonant (б, в, г, д end loanwords voiceless).
_KK_VOICELESS = set("пфкқтсшщхһцчбвгд")
_KK_NASAL = set("мнң")
_KK_VOWELS = set("аәеэиоөұүыіуюяё")
#: Russian-style surname suffixes: vowel harmony follows the Kazakh root before them (Бектенов -> Бектеновке);
#: a woman's -ова/-ева ends in its own back vowel (Әлиева -> Әлиеваға).
_KK_SURNAME_SUFFIXES = ("ов", "ев", "ин")
#: Surnames that are "son of"/"daughter of" (Сүлейменұлы): possessive words, so "Сүлейменұлына".
_KK_POSSESSIVE_SURNAMES = ("ұлы", "улы", "қызы", "кызы")

CASES = ("dative", "ablative", "locative", "genitive", "accusative")


def kk_is_back(word: str) -> bool:
    """Whether a suffix after `word` takes back vowels (а, ы) rather than front (е, і): the last vowel decides;
    у and ю are neutral and look further back; и counts as front, as in loanwords (Кимге, таксиге)."""
    for letter in reversed(word.lower()):
        if letter in _KK_BACK:
            return True
        if letter in _KK_FRONT:
            return False
    return False


def _harmony_stem(word: str) -> str:
    low = word.lower()
    for suffix in _KK_SURNAME_SUFFIXES:
        if low.endswith(suffix) and len(low) > len(suffix) + 1:
            stem = low[: -len(suffix)]
            if any(ch in _KK_BACK or ch in _KK_FRONT for ch in stem):
                return stem
    return low


def _last_letter(word: str) -> str:
    letters = [ch for ch in word.lower() if ch.isalpha()]
    return letters[-1] if letters else ""


def kk_suffix(word: str, case: str, *, possessive: bool = False) -> str:
    """The case ending `word` takes (without the word): "ға", "ке", "нан", "тің", "ды" ...

    `possessive`: the word ends in the 3rd-person possessive (министрлігі, әкімі), which takes the
    pronominal n: -на/-не, -нан/-нен, -нда/-нде, -н.
    """
    if case not in CASES:
        raise ValueError(f"unknown case {case!r}")
    back = kk_is_back(_harmony_stem(word))
    last = _last_letter(word)
    vowel_end = last in _KK_VOWELS and last not in "уй"
    a, y = ("а", "ы") if back else ("е", "і")
    if possessive:
        return {"dative": "н" + a, "ablative": "н" + a + "н", "locative": "нд" + a, "genitive": "н" + y + "ң",
                "accusative": "н"}[case]  # fmt: skip
    if case == "dative":
        if vowel_end or last not in _KK_VOICELESS:
            return ("ғ" if back else "г") + a
        return ("қ" if back else "к") + a
    if case == "ablative":
        if last in _KK_NASAL:
            return "н" + a + "н"
        return ("т" if last in _KK_VOICELESS else "д") + a + "н"
    if case == "locative":
        return ("т" if last in _KK_VOICELESS else "д") + a
    if case == "genitive":
        if vowel_end or last in _KK_NASAL:
            return "н" + y + "ң"
        return ("т" if last in _KK_VOICELESS else "д") + y + "ң"
    # accusative
    if vowel_end:
        return "н" + y
    return ("т" if last in _KK_VOICELESS else "д") + y


def kk_case(word: str, case: str, *, possessive: bool | None = None) -> str:
    """`word` (or a phrase: its last word takes the ending) in `case`.

    A phrase of two or more words ending in -ы/-і after a consonant is read as possessive (izafet:
    "Ішкі істер министрлігі" -> "министрлігіне"), unless `possessive` says otherwise.
    """
    word = word.rstrip()
    if not word:
        return word
    if possessive is None:
        low = word.lower()
        possessive = (
            " " in word and low[-1:] in "ыі" and len(low) > 2 and low[-2] not in _KK_VOWELS and not low.endswith("ұлы")
        )
    if case == "genitive" and possessive and " " in word:
        # Genitives do not chain: "Республикасының Үкіметі" -> "Республикасы Үкіметінің" (the inner one drops).
        words = word.split(" ")
        if len(words) >= 2 and re.search(r"(н|д|т)(ы|і)ң$", words[-2]):
            words[-2] = words[-2][:-3]
            word = " ".join(words)
    return word + kk_suffix(word, case, possessive=possessive)


_KK_UNITS = ["нөл", "бір", "екі", "үш", "төрт", "бес", "алты", "жеті", "сегіз", "тоғыз"]
_KK_TENS = ["", "он", "жиырма", "отыз", "қырық", "елу", "алпыс", "жетпіс", "сексен", "тоқсан"]

#: The months in Kazakh, January first.
KK_MONTHS = (
    "қаңтар",
    "ақпан",
    "наурыз",
    "сәуір",
    "мамыр",
    "маусым",
    "шілде",
    "тамыз",
    "қыркүйек",
    "қазан",
    "қараша",
    "желтоқсан",
)
#: The months in Russian, genitive ("18 августа"), January first.
RU_MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


def kk_number_last_word(number: int) -> str:
    """The last word of `number` read aloud in Kazakh, the one a case ending attaches to: 25 -> "бес",
    40 -> "қырық", 300 -> "жүз", 2000 -> "мың", 0 -> "нөл"."""
    number = abs(number)
    if number == 0:
        return "нөл"
    if number % 10:
        return _KK_UNITS[number % 10]
    if number % 100:
        return _KK_TENS[(number % 100) // 10]
    if number % 1000:
        return "жүз"
    for power, word in ((10**6, "мың"), (10**9, "миллион"), (10**12, "миллиард")):
        if number % power:
            return word
    return "триллион"


def kk_number(number: int, case: str) -> str:
    """A number in digits with its case ending after a hyphen, as Kazakh writes it: "5-ке", "10-нан"."""
    return f"{number}-{kk_suffix(kk_number_last_word(number), case)}"


def kk_year(year: int, case: str | None = None) -> str:
    """ "2026 жыл" in `case` ("2026 жылдан"), or the attributive "2026 жылғы" when `case` is None."""
    return f"{year} жылғы" if case is None else f"{year} {kk_case('жыл', case)}"


def kk_date(day: date, case: str | None = None) -> str:
    """A date as Kazakh reads it, the month taking the case: "2026 жылғы 18 тамыздан" (ablative),
    "2026 жылғы 15 қыркүйекке" (dative), "2026 жылғы 18 тамыз" (no case)."""
    month = KK_MONTHS[day.month - 1]
    return f"{day.year} жылғы {day.day} {kk_case(month, case) if case else month}"


def ru_date(day: date) -> str:
    """ "18 августа 2026 года", as a Russian letter writes a date in words."""
    return f"{day.day} {RU_MONTHS_GENITIVE[day.month - 1]} {day.year} года"


def kk_dative_name(full_name: str) -> str:
    """How a Kazakh letter addresses the person: initials first, the surname in the dative:
    "Бектенов Олжас Абайұлы" -> "О.А. Бектеновке", "Қасымова Жанар Асқарқызы" -> "Ж.А. Қасымоваға"."""
    parts = full_name.split()
    if not parts:
        return ""
    surname = kk_case(parts[0], "dative", possessive=parts[0].lower().endswith(_KK_POSSESSIVE_SURNAMES))
    marks = initials(full_name)
    return f"{marks} {surname}" if marks else surname


def kk_short_name(full_name: str) -> str:
    """A signature's name in Kazakh: "Ахметов Серік Болатұлы" -> "С. Ахметов"."""
    return ru_short_name(full_name)


def kk_addressee_title(title: str, body_name: str) -> str:
    """The letter's addressee title in Kazakh, in the nominative (the name after it takes the dative).

    "Министр" + "Қазақстан Республикасының Ішкі істер министрлігі" -> "... Ішкі істер министрі";
    "Облыс әкімі" + "Абай облысының әкімдігі" -> "Абай облысының әкімі";
    "Агенттік төрағасы" + "... агенттігі" -> "... агенттігінің төрағасы".
    A title that already names its body ("Қазақстан Республикасының Премьер-Министрі") stays.
    """
    title, body_name = title.strip(), body_name.strip()
    low = body_name.lower()
    if not body_name or len(title.split()) >= 3:
        return title
    if low.endswith("министрлігі") and title.lower() in {"министр", "министрі"}:
        return body_name[: -len("министрлігі")] + "министрі"
    if low.endswith("әкімдігі") and title.lower().endswith(("әкімі", "әкім")):
        return body_name[: -len("әкімдігі")] + "әкімі"
    head = title.split()[-1]
    head = head[:1].lower() + head[1:]
    return f"{kk_case(body_name, 'genitive')} {head}"


def kk_plain(text: str) -> str:
    """Collapse spaces, so a template's line breaks never leave doubled blanks in a sentence."""
    return re.sub(r"\s+", " ", text).strip()


def ru_plural(number: int, one: str, few: str, many: str) -> str:
    """The Russian noun form after `number`: 1 обращение, 3 обращения, 5 обращений, 21 обращение, 12 обращений."""
    number = abs(number)
    if number % 10 == 1 and number % 100 != 11:
        return one
    if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14:
        return few
    return many


def kk_attributive_date(day: date) -> str:
    """A date as the attribute of a noun: "2026 жылғы 18 тамыздағы" (№ 5 өтініш)."""
    located = kk_date(day, "locative")
    return located + ("ғы" if kk_is_back(located) else "гі")


def ru_join(items: list[str]) -> str:
    """ "«A», «B» и «C»"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} и {items[-1]}"


def kk_join(items: list[str]) -> str:
    """ "«A», «B» және «C»"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} және {items[-1]}"
