-- Projects one order's state, as PostgreSQL now records it, into Redis and
-- publishes what changed on the event stream, in one atomic step. Only the
-- consumer calls it: it is the single writer of order state. A snapshot that
-- is not newer than the one stored changes nothing, so replays are harmless
-- and every event is published exactly once.
--
-- KEYS[1]  erp:order:{id}               order JSON
-- KEYS[2]  erp:orders:active            zset id -> slot start ms
-- KEYS[3]  erp:orders:pending_slots     zset id -> visible_at ms
-- KEYS[4]  order:slot:{id}              reservation
-- KEYS[5]  slot:{kitchen}:{epoch}       booked load of the order's slot
-- KEYS[6]  slot:{kitchen}:{epoch}:orders
-- KEYS[7]  display:{kitchen}:{date}     display sequence of the order's day
-- KEYS[8]  orders:total
-- KEYS[9]  erp:orders:pending
-- KEYS[10] erp:orders:by_status         status -> count
-- KEYS[11] ovenline:events              stream read by every hub replica
-- KEYS[12] erp:orders:active:{kitchen}  the order's kitchen's share of KEYS[2]
-- KEYS[13] erp:orders:pending_slots:{kitchen}  its share of KEYS[3]
-- ARGV[1] id  ARGV[2] version  ARGV[3] order JSON  ARGV[4] status
-- ARGV[5] visibleAt ms  ARGV[6] slot start ms  ARGV[7] now ms  ARGV[8] weight
-- ARGV[9] slot id  ARGV[10] slot keys expire at (unix s)
-- ARGV[11] snapshot expires at (unix s)  ARGV[12] display seq
-- ARGV[13] kitchen id  ARGV[14] stream max length  ARGV[15] event time (ISO)
-- ARGV[17] the stations of the order's items, comma-separated (for the hub's station filter)
-- ARGV[18] the order JSON without personal data (customer, address): what the stream carries
-- ARGV[16] traceparent of the consumer's span for this event ('' when not traced):
--          written on each stream entry, and on the reservation the first time the
--          order is projected (its creation trace: promote_due.lua announces with it)
--
-- Returns {applied 0|1, previous status or '', published event types...}
local id = ARGV[1]
local version = tonumber(ARGV[2])
local status = ARGV[4]

local prev = false
local current = redis.call('GET', KEYS[1])
if current then
  local snapshot = cjson.decode(current)
  if tonumber(snapshot.version) >= version then
    return { 0, snapshot.status }
  end
  prev = snapshot.status
end

redis.call('SET', KEYS[1], ARGV[3])
-- Recorded: a booking held after an uncertain Kafka send, or with a send under way, is settled.
redis.call('ZREM', 'order:held', id)
redis.call('ZREM', 'order:sending', id)
redis.call('EXPIREAT', KEYS[1], ARGV[11])

local live = status == 'pending' or status == 'preparing' or status == 'cooking' or status == 'ready'
local becameVisible = false

local function unbook(ordersKey, loadKey)
  local w = redis.call('HGET', ordersKey, id)
  if w then
    redis.call('HDEL', ordersKey, id)
    redis.call('DECRBY', loadKey, w)
  end
end

local booking = redis.call('HMGET', KEYS[4], 'slot_id', 'slot_key', 'orders_key')
if live then
  -- The kitchen's sets follow the whole ones, so the hub reads one kitchen only.
  if tonumber(ARGV[5]) > tonumber(ARGV[7]) then
    redis.call('ZADD', KEYS[3], ARGV[5], id)
    redis.call('ZREM', KEYS[2], id)
    redis.call('ZADD', KEYS[13], ARGV[5], id)
    redis.call('ZREM', KEYS[12], id)
  else
    redis.call('ZREM', KEYS[3], id)
    becameVisible = redis.call('ZADD', KEYS[2], ARGV[6], id) == 1
    redis.call('ZREM', KEYS[13], id)
    redis.call('ZADD', KEYS[12], ARGV[6], id)
  end
  -- An ambiguous Kafka timeout can leave a retry booked in another slot than
  -- the order that won: move the booking to the order's real slot.
  if booking[1] and booking[1] ~= ARGV[9] then
    unbook(booking[3], booking[2])
  end
  -- After Redis lost its data, or after such a retry, the booking may be
  -- missing: count it, so the slot load always equals its live orders.
  if redis.call('HEXISTS', KEYS[6], id) == 0 then
    redis.call('HSET', KEYS[6], id, ARGV[8])
    redis.call('INCRBY', KEYS[5], ARGV[8])
  end
  redis.call('EXPIREAT', KEYS[5], ARGV[10])
  redis.call('EXPIREAT', KEYS[6], ARGV[10])
else
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZREM', KEYS[12], id)
  redis.call('ZREM', KEYS[13], id)
  if status == 'cancelled' then
    unbook(KEYS[6], KEYS[5])
    if booking[1] and booking[1] ~= ARGV[9] then
      unbook(booking[3], booking[2])
    end
  end
end

-- The status on the booking tells reserve_slot.lua which of a customer's orders are still open.
redis.call('HSET', KEYS[4], 'slot_id', ARGV[9], 'slot_key', KEYS[5], 'orders_key', KEYS[6],
  'weight', ARGV[8], 'state', status == 'cancelled' and 'released' or 'applied', 'status', status)
local traceparent = ARGV[16] or ''
if not prev and traceparent ~= '' then
  redis.call('HSETNX', KEYS[4], 'traceparent', traceparent)
end
redis.call('EXPIREAT', KEYS[4], ARGV[10])

local seq = tonumber(ARGV[12])
if seq > tonumber(redis.call('GET', KEYS[7]) or '0') then
  redis.call('SET', KEYS[7], seq, 'EX', 172800)
end

if not prev then
  redis.call('INCR', KEYS[8])
end
if prev ~= status then
  if prev == 'pending' then redis.call('DECR', KEYS[9]) end
  if status == 'pending' then redis.call('INCR', KEYS[9]) end
  if prev then redis.call('HINCRBY', KEYS[10], prev, -1) end
  redis.call('HINCRBY', KEYS[10], status, 1)
end

local published = {}
local function publish(kind)
  -- visible and stations spare every hub replica from parsing the order to filter it.
  if traceparent ~= '' then
    redis.call('XADD', KEYS[11], 'MAXLEN', '~', ARGV[14], '*',
      'type', kind, 'kitchen', ARGV[13], 'at', ARGV[15], 'id', id, 'order', ARGV[18],
      'visible', ARGV[5], 'stations', ARGV[17] or '', 'traceparent', traceparent)
  else
    redis.call('XADD', KEYS[11], 'MAXLEN', '~', ARGV[14], '*',
      'type', kind, 'kitchen', ARGV[13], 'at', ARGV[15], 'id', id, 'order', ARGV[18],
      'visible', ARGV[5], 'stations', ARGV[17] or '')
  end
  published[#published + 1] = kind
end

if not prev then
  publish('order.created')
elseif prev ~= status then
  publish(status == 'cancelled' and 'order.cancelled' or 'order.status_changed')
end
if becameVisible then
  publish('order.visible')
end
-- The dashboard's slot bars: a new order (booked by intake just before) or a
-- cancellation changes its slot's load.
if not prev or (status == 'cancelled' and prev ~= status) then
  local load = redis.call('GET', KEYS[5]) or '0'
  redis.call('XADD', KEYS[11], 'MAXLEN', '~', ARGV[14], '*',
    'type', 'slots.updated', 'kitchen', ARGV[13], 'at', ARGV[15],
    'slot', cjson.encode({ id = ARGV[9], load = tonumber(load) }))
  published[#published + 1] = 'slots.updated'
end

local result = { 1, prev or '' }
for _, kind in ipairs(published) do result[#result + 1] = kind end
return result
