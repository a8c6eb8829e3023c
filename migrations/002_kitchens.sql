-- Kitchens: one row per kitchen, its KitchenConfig (src/domain/kitchen.ts) as JSON with the
-- camelCase keys of that interface, minus `id`, which is the primary key.
-- `version` grows by one on every save (optimistic concurrency for the configuration API).
-- The id appears inside Redis keys (slot:{kitchen}:{epoch}) and URLs: the CHECK is the domain's
-- isKitchenId() (src/domain/kitchen_config.ts), lowercase letters, digits and dashes.

CREATE TABLE IF NOT EXISTS kitchens (
  id         text        PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  config     jsonb       NOT NULL CHECK (jsonb_typeof(config) = 'object' AND NOT config ? 'id'),
  version    bigint      NOT NULL DEFAULT 1 CHECK (version > 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
