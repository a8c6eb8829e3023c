-- Menu: pizzas with their ingredient doses, and extras.
-- Money is integer kopecks (column names say so). Names are stored in their normalised form
-- (NFC, trimmed, single inner spaces — src/domain/normalize.ts), which the name CHECKs enforce, so
-- the UNIQUE constraint also makes the normalised lookup keys unique.

CREATE TABLE IF NOT EXISTS pizzas (
  code          text        PRIMARY KEY CHECK (code ~ '^[a-z0-9][a-z0-9_-]*$'),
  name          text        NOT NULL UNIQUE CHECK (name ~ '^\S+( \S+)*$' AND name IS NFC NORMALIZED),
  price_kopecks bigint      NOT NULL CHECK (price_kopecks > 0),
  station       text        NOT NULL DEFAULT 'pizza' CHECK (station ~ '^[a-z0-9][a-z0-9_-]{0,31}$'),
  available     boolean     NOT NULL DEFAULT true,
  sort_order    int,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

COMMENT ON COLUMN pizzas.available IS 'false while on the stop-list (out of stock); intake rejects it';

CREATE TABLE IF NOT EXISTS pizza_ingredients (
  pizza_code text NOT NULL REFERENCES pizzas (code) ON DELETE CASCADE,
  position   int  NOT NULL CHECK (position >= 0),
  name       text NOT NULL CHECK (name <> ''),
  grams      int  NOT NULL CHECK (grams > 0),
  PRIMARY KEY (pizza_code, position)
);

CREATE TABLE IF NOT EXISTS extras (
  code          text        PRIMARY KEY CHECK (code ~ '^[a-z0-9][a-z0-9_-]*$'),
  name          text        NOT NULL UNIQUE CHECK (name ~ '^\S+( \S+)*$' AND name IS NFC NORMALIZED),
  price_kopecks bigint      NOT NULL CHECK (price_kopecks > 0),
  grams         int         NOT NULL CHECK (grams > 0),
  available     boolean     NOT NULL DEFAULT true,
  sort_order    int,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
