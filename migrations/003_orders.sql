-- Orders, the record of every accepted order, and their status history.
--
-- Exactly once in a partitioned table
-- -----------------------------------
-- `orders` is partitioned by month of `created_at`. PostgreSQL requires every unique key of a
-- partitioned table to contain the partition key, so the primary key is (id, created_at) and
-- `INSERT ... ON CONFLICT (id)` is impossible; the consumer upserts with
-- `ON CONFLICT (id, created_at)`. That is deterministic because intake fixes `created_at` once,
-- at acceptance, and carries it in the Kafka event: a redelivered event has the same pair.
--
-- The primary key alone would still accept the same id twice under two different `created_at`
-- values (say, a buggy retry that stamped a fresh time, or two event versions that disagree).
-- `order_ids` closes that hole: a small unpartitioned table whose primary key is the id alone.
-- The consumer inserts there first (`ON CONFLICT (id) DO NOTHING RETURNING ...`, or reads the
-- row back) and uses the `created_at` found there. `orders (id, created_at)` references
-- `order_ids (id, created_at)`, so the database itself refuses a second row for an id: the only
-- `created_at` an id may have is the one registered first, and (id, created_at) is unique.
--
-- No default partition
-- --------------------
-- There is deliberately no DEFAULT partition. Once a default partition holds rows, creating a new
-- monthly partition must scan the default partition (under an ACCESS EXCLUSIVE lock) and fails
-- outright if any of its rows belong in the new range, so a default partition turns "create next
-- month ahead of time" into a blocking, possibly failing migration. Instead partitions are created
-- ahead by ensure_order_partitions() (this migration: previous month through three months ahead;
-- afterwards the services and a periodic job call it). An order outside every partition fails loudly
-- ("no partition of relation found for row") and goes to the dead-letter topic, instead of being
-- hidden in a catch-all table.

CREATE TABLE IF NOT EXISTS order_ids (
  id         uuid        PRIMARY KEY,
  created_at timestamptz NOT NULL,
  -- Redundant with the primary key; exists so that orders can reference (id, created_at).
  CONSTRAINT order_ids_id_created_at_key UNIQUE (id, created_at)
);

COMMENT ON TABLE order_ids IS
  'One row per accepted order id with the created_at it was first recorded with; guards orders against a second row for the same id under another created_at.';

CREATE TABLE IF NOT EXISTS orders (
  id                  uuid        NOT NULL,
  created_at          timestamptz NOT NULL,
  display_id          text        NOT NULL CHECK (display_id <> ''),
  display_seq         int         NOT NULL CHECK (display_seq > 0),
  business_date       date        NOT NULL,
  kitchen_id          text        NOT NULL,
  customer_id         bigint      NOT NULL,
  -- Personal data; set to NULL by anonymisation (then anonymized_at is set).
  customer_first_name text,
  customer_last_name  text,
  customer_phone      text,
  delivery_address    text,
  is_pickup           boolean     NOT NULL,
  items               jsonb       NOT NULL
                      CHECK (jsonb_typeof(items) = 'array' AND jsonb_array_length(items) > 0),
  total_price_kopecks bigint      NOT NULL CHECK (total_price_kopecks > 0),
  items_count         int         NOT NULL CHECK (items_count > 0),
  status              text        NOT NULL CHECK (status IN
                      ('pending', 'preparing', 'cooking', 'ready', 'completed', 'cancelled')),
  target_slot_id      text        NOT NULL,
  slot_start          timestamptz NOT NULL,
  slot_end            timestamptz NOT NULL,
  visible_at          timestamptz NOT NULL,
  requested_time      timestamptz,
  slot_weight         bigint      NOT NULL CHECK (slot_weight > 0),
  capacity_unit       text        NOT NULL CHECK (capacity_unit IN ('value', 'items', 'orders')),
  idempotency_key     text,
  version             int         NOT NULL DEFAULT 1 CHECK (version > 0),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  anonymized_at       timestamptz,
  CONSTRAINT orders_pkey PRIMARY KEY (id, created_at),
  CONSTRAINT orders_order_ids_fkey FOREIGN KEY (id, created_at) REFERENCES order_ids (id, created_at),
  CONSTRAINT orders_slot_check CHECK (slot_end > slot_start),
  CONSTRAINT orders_personal_data_check CHECK (
    anonymized_at IS NOT NULL OR (
      customer_first_name IS NOT NULL AND customer_last_name IS NOT NULL
      AND customer_phone IS NOT NULL AND delivery_address IS NOT NULL
    )
  )
) PARTITION BY RANGE (created_at);

COMMENT ON COLUMN orders.items IS 'JSON array of OrderItem (src/domain/order.ts), camelCase keys';
COMMENT ON COLUMN orders.created_at IS 'Fixed by intake at acceptance and carried in the Kafka event; partition key';
COMMENT ON COLUMN orders.business_date IS 'The kitchen-local business day of the slot';

-- Indexes on the parent are created on every partition, present and future.
CREATE INDEX IF NOT EXISTS orders_status_created_at_idx ON orders (status, created_at);
CREATE INDEX IF NOT EXISTS orders_kitchen_slot_start_idx ON orders (kitchen_id, slot_start);
CREATE INDEX IF NOT EXISTS orders_kitchen_business_date_idx ON orders (kitchen_id, business_date);

CREATE TABLE IF NOT EXISTS order_status_history (
  -- The id of the event that caused the change: a redelivered event conflicts here.
  event_id         uuid        PRIMARY KEY,
  order_id         uuid        NOT NULL REFERENCES order_ids (id) ON DELETE CASCADE,
  order_created_at timestamptz NOT NULL,
  from_status      text        CHECK (from_status IN
                   ('pending', 'preparing', 'cooking', 'ready', 'completed', 'cancelled')),
  to_status        text        NOT NULL CHECK (to_status IN
                   ('pending', 'preparing', 'cooking', 'ready', 'completed', 'cancelled')),
  actor            text        NOT NULL CHECK (actor <> ''),
  reason           text,
  occurred_at      timestamptz NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT order_status_history_change_check CHECK (from_status IS DISTINCT FROM to_status)
);

CREATE INDEX IF NOT EXISTS order_status_history_order_occurred_idx
  ON order_status_history (order_id, occurred_at);

-- Creates the monthly partitions orders_yYYYYmMM for p_months months starting with the month of
-- p_from (UTC month boundaries), skipping those that exist. Returns how many it created.
-- Safe to call concurrently and repeatedly: it serialises on an advisory lock, and an existing
-- partition is detected before CREATE TABLE, so the common "nothing to do" call takes no lock on
-- orders (CREATE TABLE ... PARTITION OF locks the parent ACCESS EXCLUSIVE).
CREATE OR REPLACE FUNCTION ensure_order_partitions(p_from date, p_months int)
RETURNS int
LANGUAGE plpgsql
AS $$
DECLARE
  v_parent  regclass := 'orders'::regclass;
  v_schema  text;
  v_start   date;
  v_from    date;
  v_to      date;
  v_name    text;
  v_existing regclass;
  v_created int := 0;
BEGIN
  IF p_from IS NULL OR p_months IS NULL OR p_months < 1 OR p_months > 120 THEN
    RAISE EXCEPTION 'ensure_order_partitions(%, %): need a date and 1..120 months', p_from, p_months
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT n.nspname INTO v_schema
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = v_parent;
  PERFORM pg_advisory_xact_lock(hashtext('ovenline:ensure_order_partitions'));
  v_start := date_trunc('month', p_from::timestamp)::date;
  FOR i IN 0 .. p_months - 1 LOOP
    v_from := (v_start + make_interval(months => i))::date;
    v_to := (v_from + interval '1 month')::date;
    v_name := 'orders_y' || to_char(v_from, 'YYYY') || 'm' || to_char(v_from, 'MM');
    v_existing := to_regclass(format('%I.%I', v_schema, v_name));
    IF v_existing IS NULL THEN
      EXECUTE format(
        'CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
        v_schema, v_name, v_parent,
        to_char(v_from, 'YYYY-MM-DD') || ' 00:00:00+00',
        to_char(v_to, 'YYYY-MM-DD') || ' 00:00:00+00');
      v_created := v_created + 1;
    ELSIF NOT EXISTS (
      SELECT FROM pg_inherits WHERE inhrelid = v_existing AND inhparent = v_parent
    ) THEN
      RAISE EXCEPTION 'ensure_order_partitions: % exists but is not a partition of orders', v_existing
        USING ERRCODE = 'duplicate_table';
    END IF;
  END LOOP;
  RETURN v_created;
END;
$$;

COMMENT ON FUNCTION ensure_order_partitions(date, int) IS
  'Creates monthly orders partitions (UTC months) from the month of p_from, p_months of them; idempotent; returns the number created.';

-- Previous month (late events, clock skew at a month boundary) through three months ahead.
SELECT ensure_order_partitions((date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 month')::date, 5);
