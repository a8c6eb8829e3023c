-- The starting menu. Prices in kopecks (96200 = 962 ₽). "Пицца Классическая" at 962 ₽ is the seed
-- document's example, so its example request works as written. Managers change prices and the
-- stop-list afterwards through the API; re-running this file never overwrites their changes.

INSERT INTO pizzas (code, name, price_kopecks, station, sort_order) VALUES
  ('classic',       'Пицца Классическая',       96200, 'pizza',  10),
  ('margherita',    'Маргарита',                64900, 'pizza',  20),
  ('pepperoni',     'Пепперони',                79900, 'pizza',  30),
  ('four-cheese',   'Четыре сыра',              89900, 'pizza',  40),
  ('hawaiian',      'Гавайская',                74900, 'pizza',  50),
  ('meat',          'Мясная',                   99900, 'pizza',  60),
  ('bbq',           'Барбекю',                  92900, 'pizza',  70),
  ('mushroom',      'Грибная',                  69900, 'pizza',  80),
  ('vegetarian',    'Вегетарианская',           72900, 'pizza',  90),
  ('diablo',        'Дьябло',                   84900, 'pizza', 100),
  ('caesar',        'Цезарь',                   87900, 'pizza', 110),
  ('carbonara',     'Карбонара',                86900, 'pizza', 120),
  ('choco-banana',  'Шоколадная с бананом',     54900, 'dessert', 130)
ON CONFLICT (code) DO NOTHING;

INSERT INTO pizza_ingredients (pizza_code, position, name, grams) VALUES
  ('classic', 1, 'Томатный соус', 80),
  ('classic', 2, 'Моцарелла', 150),
  ('classic', 3, 'Ветчина', 90),
  ('classic', 4, 'Шампиньоны', 70),
  ('classic', 5, 'Пепперони', 50),
  ('classic', 6, 'Орегано', 2),

  ('margherita', 1, 'Томатный соус', 80),
  ('margherita', 2, 'Моцарелла', 180),
  ('margherita', 3, 'Томаты', 100),
  ('margherita', 4, 'Базилик', 5),
  ('margherita', 5, 'Оливковое масло', 10),

  ('pepperoni', 1, 'Томатный соус', 80),
  ('pepperoni', 2, 'Моцарелла', 160),
  ('pepperoni', 3, 'Пепперони', 90),
  ('pepperoni', 4, 'Орегано', 2),

  ('four-cheese', 1, 'Сливочный соус', 70),
  ('four-cheese', 2, 'Моцарелла', 120),
  ('four-cheese', 3, 'Пармезан', 30),
  ('four-cheese', 4, 'Чеддер', 40),
  ('four-cheese', 5, 'Дор блю', 35),

  ('hawaiian', 1, 'Томатный соус', 70),
  ('hawaiian', 2, 'Моцарелла', 150),
  ('hawaiian', 3, 'Ветчина', 90),
  ('hawaiian', 4, 'Ананасы', 90),

  ('meat', 1, 'Томатный соус', 80),
  ('meat', 2, 'Моцарелла', 150),
  ('meat', 3, 'Пепперони', 50),
  ('meat', 4, 'Ветчина', 60),
  ('meat', 5, 'Бекон', 40),
  ('meat', 6, 'Говядина', 60),
  ('meat', 7, 'Охотничьи колбаски', 50),

  ('bbq', 1, 'Соус барбекю', 70),
  ('bbq', 2, 'Моцарелла', 150),
  ('bbq', 3, 'Цыплёнок', 90),
  ('bbq', 4, 'Бекон', 40),
  ('bbq', 5, 'Красный лук', 30),

  ('mushroom', 1, 'Сливочный соус', 70),
  ('mushroom', 2, 'Моцарелла', 150),
  ('mushroom', 3, 'Шампиньоны', 120),
  ('mushroom', 4, 'Чеснок', 5),
  ('mushroom', 5, 'Петрушка', 3),

  ('vegetarian', 1, 'Томатный соус', 80),
  ('vegetarian', 2, 'Моцарелла', 140),
  ('vegetarian', 3, 'Болгарский перец', 60),
  ('vegetarian', 4, 'Томаты', 70),
  ('vegetarian', 5, 'Шампиньоны', 60),
  ('vegetarian', 6, 'Маслины', 30),
  ('vegetarian', 7, 'Красный лук', 25),

  ('diablo', 1, 'Острый томатный соус', 80),
  ('diablo', 2, 'Моцарелла', 150),
  ('diablo', 3, 'Пепперони', 70),
  ('diablo', 4, 'Охотничьи колбаски', 50),
  ('diablo', 5, 'Халапеньо', 30),
  ('diablo', 6, 'Перец чили', 5),

  ('caesar', 1, 'Соус цезарь', 70),
  ('caesar', 2, 'Моцарелла', 130),
  ('caesar', 3, 'Цыплёнок', 100),
  ('caesar', 4, 'Салат романо', 40),
  ('caesar', 5, 'Томаты черри', 50),
  ('caesar', 6, 'Пармезан', 20),

  ('carbonara', 1, 'Сливочный соус', 70),
  ('carbonara', 2, 'Моцарелла', 140),
  ('carbonara', 3, 'Бекон', 70),
  ('carbonara', 4, 'Пармезан', 25),
  ('carbonara', 5, 'Красный лук', 25),
  ('carbonara', 6, 'Чеснок', 5),

  ('choco-banana', 1, 'Шоколадная паста', 70),
  ('choco-banana', 2, 'Сливочный сыр', 50),
  ('choco-banana', 3, 'Банан', 90),
  ('choco-banana', 4, 'Миндальные лепестки', 15)
ON CONFLICT (pizza_code, position) DO NOTHING;

INSERT INTO extras (code, name, price_kopecks, grams, sort_order) VALUES
  ('double-cheese', 'Двойной сыр',   9900, 50,  10),
  ('cheese-crust',  'Сырный бортик', 14900, 80, 20),
  ('mozzarella',    'Моцарелла',      8900, 50,  30),
  ('bacon',         'Бекон',          9900, 40,  40),
  ('jalapeno',      'Халапеньо',      5900, 20,  50),
  ('champignons',   'Шампиньоны',     6900, 50,  60),
  ('olives',        'Оливки',         6900, 30,  70),
  ('tomatoes',      'Томаты',         5900, 50,  80),
  ('red-onion',     'Красный лук',    3900, 25,  90),
  ('bbq-sauce',     'Соус барбекю',   4900, 30, 100)
ON CONFLICT (code) DO NOTHING;
