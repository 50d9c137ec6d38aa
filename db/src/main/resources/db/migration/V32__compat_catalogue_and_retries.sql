-- Issue 18, the compatible APIs' catalogue and retries.
--
-- 1. Country names in Russian and Chinese, as sms-activate's getCountries (rus, chn) and 5sim's
--    guest countries (text_ru) give them. Taken from CLDR when this migration was written, through
--    the JDK: Locale.of("", iso2).getDisplayCountry(Locale.forLanguageTag("ru") / ("zh")).
alter table country add column name_ru varchar(64), add column name_zh varchar(64);

update country set name_ru = n.ru, name_zh = n.zh
from (values
    (0, 'Россия', '俄罗斯'),  -- RU Russia
    (1, 'Украина', '乌克兰'),  -- UA Ukraine
    (2, 'Казахстан', '哈萨克斯坦'),  -- KZ Kazakhstan
    (3, 'Китай', '中国'),  -- CN China
    (4, 'Филиппины', '菲律宾'),  -- PH Philippines
    (5, 'Мьянма (Бирма)', '缅甸'),  -- MM Myanmar
    (6, 'Индонезия', '印度尼西亚'),  -- ID Indonesia
    (7, 'Малайзия', '马来西亚'),  -- MY Malaysia
    (8, 'Кения', '肯尼亚'),  -- KE Kenya
    (9, 'Танзания', '坦桑尼亚'),  -- TZ Tanzania
    (10, 'Вьетнам', '越南'),  -- VN Vietnam
    (11, 'Киргизия', '吉尔吉斯斯坦'),  -- KG Kyrgyzstan
    (13, 'Израиль', '以色列'),  -- IL Israel
    (14, 'Гонконг (САР)', '中国香港特别行政区'),  -- HK Hong Kong
    (15, 'Польша', '波兰'),  -- PL Poland
    (16, 'Великобритания', '英国'),  -- GB United Kingdom
    (19, 'Нигерия', '尼日利亚'),  -- NG Nigeria
    (21, 'Египет', '埃及'),  -- EG Egypt
    (22, 'Индия', '印度'),  -- IN India
    (23, 'Ирландия', '爱尔兰'),  -- IE Ireland
    (24, 'Камбоджа', '柬埔寨'),  -- KH Cambodia
    (25, 'Лаос', '老挝'),  -- LA Laos
    (29, 'Сербия', '塞尔维亚'),  -- RS Serbia
    (31, 'Южно-Африканская Республика', '南非'),  -- ZA South Africa
    (32, 'Румыния', '罗马尼亚'),  -- RO Romania
    (33, 'Колумбия', '哥伦比亚'),  -- CO Colombia
    (34, 'Эстония', '爱沙尼亚'),  -- EE Estonia
    (35, 'Азербайджан', '阿塞拜疆'),  -- AZ Azerbaijan
    (36, 'Канада', '加拿大'),  -- CA Canada
    (37, 'Марокко', '摩洛哥'),  -- MA Morocco
    (38, 'Гана', '加纳'),  -- GH Ghana
    (39, 'Аргентина', '阿根廷'),  -- AR Argentina
    (40, 'Узбекистан', '乌兹别克斯坦'),  -- UZ Uzbekistan
    (41, 'Камерун', '喀麦隆'),  -- CM Cameroon
    (43, 'Германия', '德国'),  -- DE Germany
    (44, 'Литва', '立陶宛'),  -- LT Lithuania
    (45, 'Хорватия', '克罗地亚'),  -- HR Croatia
    (46, 'Швеция', '瑞典'),  -- SE Sweden
    (47, 'Ирак', '伊拉克'),  -- IQ Iraq
    (48, 'Нидерланды', '荷兰'),  -- NL Netherlands
    (49, 'Латвия', '拉脱维亚'),  -- LV Latvia
    (50, 'Австрия', '奥地利'),  -- AT Austria
    (51, 'Беларусь', '白俄罗斯'),  -- BY Belarus
    (52, 'Таиланд', '泰国'),  -- TH Thailand
    (53, 'Саудовская Аравия', '沙特阿拉伯'),  -- SA Saudi Arabia
    (54, 'Мексика', '墨西哥'),  -- MX Mexico
    (55, 'Тайвань', '台湾'),  -- TW Taiwan
    (56, 'Испания', '西班牙'),  -- ES Spain
    (58, 'Алжир', '阿尔及利亚'),  -- DZ Algeria
    (59, 'Словения', '斯洛文尼亚'),  -- SI Slovenia
    (60, 'Бангладеш', '孟加拉国'),  -- BD Bangladesh
    (61, 'Сенегал', '塞内加尔'),  -- SN Senegal
    (62, 'Турция', '土耳其'),  -- TR Turkey
    (63, 'Чехия', '捷克'),  -- CZ Czech Republic
    (64, 'Шри-Ланка', '斯里兰卡'),  -- LK Sri Lanka
    (65, 'Перу', '秘鲁'),  -- PE Peru
    (66, 'Пакистан', '巴基斯坦'),  -- PK Pakistan
    (67, 'Новая Зеландия', '新西兰'),  -- NZ New Zealand
    (70, 'Венесуэла', '委内瑞拉'),  -- VE Venezuela
    (71, 'Эфиопия', '埃塞俄比亚'),  -- ET Ethiopia
    (72, 'Монголия', '蒙古'),  -- MN Mongolia
    (73, 'Бразилия', '巴西'),  -- BR Brazil
    (78, 'Франция', '法国'),  -- FR France
    (82, 'Бельгия', '比利时'),  -- BE Belgium
    (83, 'Болгария', '保加利亚'),  -- BG Bulgaria
    (84, 'Венгрия', '匈牙利'),  -- HU Hungary
    (85, 'Молдова', '摩尔多瓦'),  -- MD Moldova
    (86, 'Италия', '意大利'),  -- IT Italy
    (117, 'Португалия', '葡萄牙'),  -- PT Portugal
    (128, 'Грузия', '格鲁吉亚'),  -- GE Georgia
    (129, 'Греция', '希腊'),  -- GR Greece
    (187, 'Соединенные Штаты', '美国')   -- US United States
) as n (id, ru, zh)
where country.id = n.id;

-- Every country has its names: a country added later must bring them.
alter table country alter column name_ru set not null, alter column name_zh set not null;

-- 2. The duplicate window of the compatible APIs: a getNumber or 5sim buy repeated with the same
--    key for the same offer within compat.duplicate-window-seconds answers the activation the
--    first one bought (see the README, "Retries that never buy twice"). On for every key unless
--    its owner turns it off for that key (a bot that buys several numbers of one offer at once,
--    or a marketplace reselling Numpool's numbers).
alter table api_key add column duplicate_window boolean not null default true;
