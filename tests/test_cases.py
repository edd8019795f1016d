"""Grammatical cases for letters (reception.documents.cases): Russian dative of titles and names, Kazakh case
endings after words, numbers and dates, as an official letter writes them."""

from datetime import date

import pytest

from reception.documents import cases

# The month as Kazakh reads it, with its ablative ("... бастап"), dative ("... дейін") and locative.
MONTHS = [
    (1, "қаңтардан", "қаңтарға", "қаңтарда"),
    (2, "ақпаннан", "ақпанға", "ақпанда"),
    (3, "наурыздан", "наурызға", "наурызда"),
    (4, "сәуірден", "сәуірге", "сәуірде"),
    (5, "мамырдан", "мамырға", "мамырда"),
    (6, "маусымнан", "маусымға", "маусымда"),
    (7, "шілдеден", "шілдеге", "шілдеде"),
    (8, "тамыздан", "тамызға", "тамызда"),
    (9, "қыркүйектен", "қыркүйекке", "қыркүйекте"),
    (10, "қазаннан", "қазанға", "қазанда"),
    (11, "қарашадан", "қарашаға", "қарашада"),
    (12, "желтоқсаннан", "желтоқсанға", "желтоқсанда"),
]


@pytest.mark.parametrize(("month", "ablative", "dative", "locative"), MONTHS)
def test_every_month_takes_its_case_after_a_date(month, ablative, dative, locative):
    day = date(2026, month, 18)
    assert cases.kk_date(day, "ablative") == f"2026 жылғы 18 {ablative}"
    assert cases.kk_date(day, "dative") == f"2026 жылғы 18 {dative}"
    assert cases.kk_date(day, "locative") == f"2026 жылғы 18 {locative}"


def test_the_briefs_dates_read_as_written_in_practice():
    assert f"{cases.kk_date(date(2026, 8, 18), 'ablative')} бастап" == "2026 жылғы 18 тамыздан бастап"
    assert cases.kk_date(date(2026, 9, 15), "dative").endswith("15 қыркүйекке")
    assert cases.kk_year(2026, "ablative") == "2026 жылдан"
    assert cases.kk_year(2026) == "2026 жылғы"
    assert cases.ru_date(date(2026, 8, 18)) == "18 августа 2026 года"


# A number ending in each digit, and round ones, with dative / ablative / locative / genitive / accusative.
NUMBERS = [
    (1, "ге", "ден", "де", "дің", "ді"),
    (2, "ге", "ден", "де", "нің", "ні"),
    (3, "ке", "тен", "те", "тің", "ті"),
    (4, "ке", "тен", "те", "тің", "ті"),
    (5, "ке", "тен", "те", "тің", "ті"),
    (6, "ға", "дан", "да", "ның", "ны"),
    (7, "ге", "ден", "де", "нің", "ні"),
    (8, "ге", "ден", "де", "дің", "ді"),
    (9, "ға", "дан", "да", "дың", "ды"),
    (10, "ға", "нан", "да", "ның", "ды"),
    (11, "ге", "ден", "де", "дің", "ді"),
    (20, "ға", "дан", "да", "ның", "ны"),
    (30, "ға", "дан", "да", "дың", "ды"),
    (40, "қа", "тан", "та", "тың", "ты"),
    (50, "ге", "ден", "де", "дің", "ді"),
    (60, "қа", "тан", "та", "тың", "ты"),
    (70, "ке", "тен", "те", "тің", "ті"),
    (80, "ге", "нен", "де", "нің", "ді"),
    (90, "ға", "нан", "да", "ның", "ды"),
    (100, "ге", "ден", "де", "дің", "ді"),
    (1000, "ға", "нан", "да", "ның", "ды"),
    (2026, "ға", "дан", "да", "ның", "ны"),
    (1_000_000, "ға", "нан", "да", "ның", "ды"),
]


@pytest.mark.parametrize(("number", "dat", "abl", "loc", "gen", "acc"), NUMBERS)
def test_numbers_take_the_ending_of_their_last_spoken_word(number, dat, abl, loc, gen, acc):
    assert cases.kk_number(number, "dative") == f"{number}-{dat}"
    assert cases.kk_number(number, "ablative") == f"{number}-{abl}"
    assert cases.kk_number(number, "locative") == f"{number}-{loc}"
    assert cases.kk_number(number, "genitive") == f"{number}-{gen}"
    assert cases.kk_number(number, "accusative") == f"{number}-{acc}"


@pytest.mark.parametrize(
    ("word", "case", "expected"),
    [
        ("мектеп", "genitive", "мектептің"),
        ("адам", "ablative", "адамнан"),
        ("жер", "genitive", "жердің"),
        ("кітап", "accusative", "кітапты"),
        ("ана", "accusative", "ананы"),
        ("министр", "dative", "министрге"),
        ("Алматы", "locative", "Алматыда"),
        ("Шымкент", "locative", "Шымкентте"),
        (
            "Қазақстан Республикасының Ішкі істер министрлігі",
            "dative",
            "Қазақстан Республикасының Ішкі істер министрлігіне",
        ),
        ("Астана қаласының әкімдігі", "ablative", "Астана қаласының әкімдігінен"),
        ("Қазақстан Республикасының Үкіметі", "genitive", "Қазақстан Республикасы Үкіметінің"),
        ("Қазақстан Республикасы Парламентінің Мәжілісі", "genitive", "Қазақстан Республикасы Парламенті Мәжілісінің"),
        ("Астана қаласының мәслихаты", "genitive", "Астана қаласы мәслихатының"),
    ],
)
def test_kazakh_words_and_body_names_take_case_endings(word, case, expected):
    assert cases.kk_case(word, case) == expected


@pytest.mark.parametrize(
    ("full_name", "ru", "kk"),
    [
        ("Бектенов Олжас Абаевич", "Бектенову О.А.", "О.А. Бектеновке"),
        ("Касымова Жанар Аскаровна", "Касымовой Ж.А.", "Ж.А. Касымоваға"),
        ("Мұқанов Дәурен Ермекұлы", "Мұқанову Д.Е.", "Д.Е. Мұқановқа"),
        ("Тоқаев Қасым-Жомарт Кемелұлы", "Тоқаеву Қ.К.", "Қ.К. Тоқаевқа"),
        ("Нуркенов Айдос Бахытович", "Нуркенову А.Б.", "А.Б. Нуркеновке"),
        ("Жуковский Петр Ильич", "Жуковскому П.И.", "П.И. Жуковскийге"),
        ("Жуковская Анна Ильинична", "Жуковской А.И.", "А.И. Жуковскаяға"),
        ("Шевченко Игорь Петрович", "Шевченко И.П.", "И.П. Шевченкоға"),
        ("Черных Анна Петровна", "Черных А.П.", "А.П. Черныхқа"),
        ("Ким Елена Сергеевна", "Ким Е.С.", "Е.С. Кимге"),
        ("Ким Игорь Сергеевич", "Киму И.С.", "И.С. Кимге"),
        ("Сулейменулы Бахыт Серикулы", "Сулейменулы Б.С.", "Б.С. Сулейменулына"),
        ("Гайдай Леонид Иович", "Гайдаю Л.И.", "Л.И. Гайдайға"),
    ],
)
def test_names_are_addressed_in_the_dative(full_name, ru, kk):
    assert cases.ru_dative_name(full_name) == ru
    assert cases.kk_dative_name(full_name) == kk


@pytest.mark.parametrize(
    ("title", "body", "ru"),
    [
        (
            "Премьер-Министр Республики Казахстан",
            "Правительство Республики Казахстан",
            "Премьер-Министру Республики Казахстан",
        ),
        (
            "Министр",
            "Министерство труда и социальной защиты населения Республики Казахстан",
            "Министру труда и социальной защиты населения Республики Казахстан",
        ),
        ("Аким области", "Акимат Абайской области", "Акиму Абайской области"),
        ("Аким города", "Акимат города Астаны", "Акиму города Астаны"),
        (
            "Председатель агентства",
            "Агентство Республики Казахстан по противодействию коррупции",
            "Председателю Агентства Республики Казахстан по противодействию коррупции",
        ),
        ("Первый заместитель Премьер-Министра", "", "Первому заместителю Премьер-Министра"),
    ],
)
def test_russian_titles_are_addressed_in_the_dative(title, body, ru):
    assert cases.ru_addressee_title(title, body) == ru


@pytest.mark.parametrize(
    ("title", "body", "kk"),
    [
        (
            "Қазақстан Республикасының Премьер-Министрі",
            "Қазақстан Республикасының Үкіметі",
            "Қазақстан Республикасының Премьер-Министрі",
        ),
        (
            "Министр",
            "Қазақстан Республикасының Ішкі істер министрлігі",
            "Қазақстан Республикасының Ішкі істер министрі",
        ),
        ("Облыс әкімі", "Абай облысының әкімдігі", "Абай облысының әкімі"),
        (
            "Агенттік төрағасы",
            "Қазақстан Республикасының Сыбайлас жемқорлыққа қарсы іс-қимыл агенттігі",
            "Қазақстан Республикасының Сыбайлас жемқорлыққа қарсы іс-қимыл агенттігінің төрағасы",
        ),
    ],
)
def test_kazakh_titles_name_the_office_the_name_takes_the_case(title, body, kk):
    assert cases.kk_addressee_title(title, body) == kk


def test_short_names_for_signatures():
    assert cases.ru_short_name("Ахметов Серик Болатович") == "С. Ахметов"
    assert cases.kk_short_name("Ахметов Серік Болатұлы") == "С. Ахметов"


def test_an_unknown_case_is_refused():
    with pytest.raises(ValueError, match="unknown case"):
        cases.kk_case("жыл", "instrumental")


@pytest.mark.parametrize(
    ("number", "form"),
    [
        (1, "обращение"),
        (2, "обращения"),
        (4, "обращения"),
        (5, "обращений"),
        (11, "обращений"),
        (12, "обращений"),
        (21, "обращение"),
        (22, "обращения"),
        (25, "обращений"),
        (111, "обращений"),
        (200, "обращений"),
    ],
)
def test_russian_nouns_agree_with_numbers(number, form):
    assert cases.ru_plural(number, "обращение", "обращения", "обращений") == form


def test_a_date_as_an_attribute_and_lists_joined():
    assert cases.kk_attributive_date(date(2026, 8, 18)) == "2026 жылғы 18 тамыздағы"
    assert cases.kk_attributive_date(date(2026, 9, 5)) == "2026 жылғы 5 қыркүйектегі"
    assert cases.ru_join(["«A»", "«B»", "«C»"]) == "«A», «B» и «C»"
    assert cases.kk_join(["«A»", "«B»"]) == "«A» және «B»"
