"""Near-duplicate appeals in Kazakh and Russian with known groups, for the mandate suggestions and
bench/mandate_groups.py: paraphrases, typos and both languages within a group, several groups sharing a topic and
region (so only the text tells them apart), and lone appeals that belong to no group.

Each row: (group, topic code, district code, language, text). Group None is a lone appeal.
"""

APPEALS = [
    # 1. Gas to the village of Zhanatalap (agriculture? no: housing and utilities), Almaty region, district 03.
    (
        "gas",
        "housing",
        "ALM.03",
        "ru",
        "Просим провести газ в село Жанаталап, зимой топим углём, газификация обещана давно",
    ),
    ("gas", "housing", "ALM.03", "ru", "Село Жанаталап до сих пор без газа. Когда будет газификация села?"),
    ("gas", "housing", "ALM.03", "ru", "Прошу ускорить газификацию села Жанаталап, уголь дорогой"),
    ("gas", "housing", "ALM.03", "ru", "Провести газ в с. Жанаталап, жители ждут газификацию уже 10 лет"),
    ("gas", "housing", "ALM.03", "kk", "Жаңаталап ауылына газ тартуды сұраймыз, газификация қашан болады?"),
    ("gas", "housing", "ALM.03", "kk", "Жанаталап ауылына газ жүргізу керек, қыста көмірмен жылытамыз"),
    (
        "gas",
        "housing",
        "ALM.03",
        "ru",
        "Газификация села Жанатлап (опечатка в названии у нас всех) — просим включить в план",
    ),
    # 2. Drinking water in Koktal, same topic and district as the gas group.
    ("water", "housing", "ALM.03", "ru", "В посёлке Коктал нет питьевой воды, водопровод не работает третий месяц"),
    (
        "water",
        "housing",
        "ALM.03",
        "ru",
        "Коктал: вода из водопровода идёт ржавая, а чаще её нет вообще. Просим ремонт водопровода",
    ),
    ("water", "housing", "ALM.03", "ru", "Просим отремонтировать водопровод в пос. Коктал, питьевой воды нет"),
    ("water", "housing", "ALM.03", "kk", "Көктал кентінде ауыз су жоқ, су құбыры жұмыс істемейді"),
    ("water", "housing", "ALM.03", "kk", "Көктал кентіндегі су құбырын жөндеуді сұраймыз, ауыз су жоқ"),
    ("water", "housing", "ALM.03", "ru", "нет питевой воды в Коктале, водопровод сгнил"),
    # 3. A school in the new micro-district Nurly Zhol (education), district 05.
    (
        "school",
        "education",
        "ALM.05",
        "ru",
        "В микрорайоне Нурлы Жол нет школы, дети ездят за 15 км. Просим построить школу",
    ),
    (
        "school",
        "education",
        "ALM.05",
        "ru",
        "Предлагаем построить новую школу в мкр Нурлы Жол, старая школа переполнена",
    ),
    ("school", "education", "ALM.05", "kk", "Нұрлы Жол шағын ауданында мектеп жоқ, жаңа мектеп салуды ұсынамыз"),
    ("school", "education", "ALM.05", "kk", "Нұрлы Жол шағын ауданына мектеп салу керек, балалар алысқа барады"),
    ("school", "education", "ALM.05", "ru", "Нужна школа в Нурлы Жоле! Школа в три смены, дети учатся до вечера"),
    ("school", "education", "ALM.05", "ru", "строительство школы в микрорайоне Нурлы-Жол — прошу включить в наказы"),
    # 4. A kindergarten queue, same topic and district as the school group.
    (
        "kindergarten",
        "education",
        "ALM.05",
        "ru",
        "Очередь в детский сад три года, просим открыть детский сад в нашем районе",
    ),
    ("kindergarten", "education", "ALM.05", "ru", "Нет мест в детских садах, очередь в детсад огромная"),
    ("kindergarten", "education", "ALM.05", "kk", "Балабақшаға кезек үш жыл, жаңа балабақша ашуды сұраймыз"),
    ("kindergarten", "education", "ALM.05", "kk", "Балабақшада орын жоқ, кезек өте ұзақ, балабақша салу керек"),
    ("kindergarten", "education", "ALM.05", "ru", "детский сад: очередь не двигается, предлагаем построить детсад"),
    (
        "kindergarten",
        "education",
        "ALM.05",
        "ru",
        "Просим построить детский сад, очередь в детские сады по району больше 500 детей",
    ),
    # 5. A bus route to the district hospital (transport), district 07.
    ("bus", "transport", "ALM.07", "ru", "Просим пустить автобус до районной больницы, маршрут №12 отменили"),
    ("bus", "transport", "ALM.07", "ru", "Верните автобусный маршрут 12 до районной больницы, пожилым не добраться"),
    ("bus", "transport", "ALM.07", "kk", "Аудандық ауруханаға дейін автобус жоқ, 12-маршрутты қайтаруды сұраймыз"),
    ("bus", "transport", "ALM.07", "kk", "12 маршрут автобусын аудандық ауруханаға дейін қайта ашу керек"),
    ("bus", "transport", "ALM.07", "ru", "автобус до больницы не ходит, маршрут № 12 нужно вернуть"),
    ("bus", "transport", "ALM.07", "ru", "Прошу восстановить автобус маршрута 12 (до больницы района)"),
    # 6. The road to Saty, same topic and district as the bus group.
    ("road", "transport", "ALM.07", "ru", "Дорога на Саты вся в ямах, просим капитальный ремонт дороги"),
    ("road", "transport", "ALM.07", "ru", "Отремонтируйте дорогу до села Саты, ямы, разбиваются машины"),
    ("road", "transport", "ALM.07", "kk", "Саты ауылына баратын жол ойқы-шұқыр, жолды жөндеуді сұраймыз"),
    ("road", "transport", "ALM.07", "kk", "Саты жолын күрделі жөндеу керек, жол өте нашар"),
    ("road", "transport", "ALM.07", "ru", "ремонт дороги Саты — дорога разбита полностью"),
    ("road", "transport", "ALM.07", "ru", "Дорога до Саты: просим включить ремонт дороги в план на следующий год"),
    # 7. A sports ground for young people (youth), district 03, Kazakh first.
    ("sport", "youth", "ALM.03", "kk", "Ауылда жастарға спорт алаңы жоқ, спорт алаңын салуды ұсынамыз"),
    ("sport", "youth", "ALM.03", "kk", "Жастар үшін спорт алаңы керек, футбол алаңы жоқ"),
    ("sport", "youth", "ALM.03", "kk", "Жастарға арналған спорт алаңын салу туралы ұсыныс"),
    ("sport", "youth", "ALM.03", "ru", "Предлагаем построить спортивную площадку для молодёжи, спорт алаңы нужен"),
    ("sport", "youth", "ALM.03", "ru", "Молодёжи негде заниматься спортом, нужна спортплощадка и футбольное поле"),
    ("sport", "youth", "ALM.03", "kk", "спорт алаңын салу керек жастар бос жүр"),
    # Lone appeals: each its own matter.
    (None, "housing", "ALM.03", "ru", "Сосед затопил квартиру, управляющая компания не реагирует"),
    (None, "housing", "ALM.03", "kk", "Көппәтерлі үйдің лифті жұмыс істемейді"),
    (None, "education", "ALM.05", "ru", "Учитель физики грубит детям, прошу проверить"),
    (None, "transport", "ALM.07", "ru", "Просим установить светофор у рынка на улице Абая"),
    (None, "youth", "ALM.03", "ru", "Прошу помочь с грантом на обучение для сына"),
]


def true_pairs(groups: list) -> set[frozenset[int]]:
    """The pairs of row numbers that belong together (rows of the same group)."""
    pairs = set()
    for i, a in enumerate(groups):
        for j in range(i + 1, len(groups)):
            if a is not None and a == groups[j]:
                pairs.add(frozenset((i, j)))
    return pairs


def found_pairs(clusters: list[list[int]]) -> set[frozenset[int]]:
    pairs = set()
    for cluster in clusters:
        for i, a in enumerate(cluster):
            for b in cluster[i + 1 :]:
                pairs.add(frozenset((a, b)))
    return pairs


def precision_recall(clusters: list[list[int]], appeals=None) -> tuple[float, float]:
    """Pairwise precision and recall of `clusters` (lists of row numbers) against the known groups of `appeals`
    (this file's by default)."""
    truth = true_pairs([row[0] for row in (APPEALS if appeals is None else appeals)])
    found = found_pairs(clusters)
    right = len(truth & found)
    return (right / len(found) if found else 0.0), (right / len(truth) if truth else 0.0)
