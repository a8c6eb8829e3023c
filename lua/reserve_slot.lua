-- Books the first candidate slot that has room for the order, atomically.
-- Candidates come in time order from the domain's slot plan (TypeScript works
-- out hours, time zones and DST; this script only counts).
--
-- KEYS[1]  order:slot:{orderId}      the reservation (hash)
-- KEYS[2]  ovenline:state:ready      absent while live state is being restored
-- then per candidate i (0-based), three keys:
-- KEYS[3+3i] slot:{kitchen}:{epoch}          booked load (integer)
-- KEYS[4+3i] slot:{kitchen}:{epoch}:orders   orderId -> weight (hash)
-- KEYS[5+3i] display:{kitchen}:{date}        display sequence of the slot's business day
-- ARGV[1] orderId  ARGV[2] weight  ARGV[3] capacity  ARGV[4] createdAtMs
-- ARGV[5] seconds to keep slot keys after the slot ends
-- ARGV[6] seconds to keep a display counter
-- then per candidate i: ARGV[7+4i] slot id, ARGV[8+4i] start ms, ARGV[9+4i] end ms,
--   ARGV[10+4i] business date (YYYY-MM-DD)
--
-- Returns {'NOT_READY'} | {'FULL'}
--   | {'RESERVED'|'EXISTING', slotId, startMs, endMs, seq, createdAtMs, state, event, businessDate}
if redis.call('EXISTS', KEYS[2]) == 0 then
  return { 'NOT_READY' }
end

local function describe(verdict)
  local r = redis.call('HMGET', KEYS[1], 'slot_id', 'start_ms', 'end_ms', 'seq', 'created_at_ms', 'state', 'event', 'business_date')
  return { verdict, r[1], r[2], r[3], r[4], r[5], r[6], r[7] or '', r[8] or '' }
end

local orderId = ARGV[1]
local weight = tonumber(ARGV[2])
local capacity = tonumber(ARGV[3])
local keepAfterEnd = tonumber(ARGV[5])

-- A retry with the same idempotency key (same order id) gets its original booking.
if redis.call('EXISTS', KEYS[1]) == 1 then
  local r = redis.call('HMGET', KEYS[1], 'state', 'slot_key', 'orders_key', 'weight', 'end_ms')
  if r[1] ~= 'aborted' then
    return describe('EXISTING')
  end
  -- Kafka did not acknowledge this order's event in time and its capacity was given back, yet
  -- that event may still land. Booking the same slot again lets the retry re-send the very same
  -- event (same slot, display id, created_at), so the answer matches whatever is recorded. If
  -- the slot is over or full by now, the retry books afresh.
  local w = tonumber(r[4])
  if tonumber(r[5]) > tonumber(ARGV[4]) and tonumber(redis.call('GET', r[2]) or '0') + w <= capacity then
    local expireAt = math.floor(tonumber(r[5]) / 1000) + keepAfterEnd
    redis.call('INCRBY', r[2], w)
    redis.call('EXPIREAT', r[2], expireAt)
    redis.call('HSET', r[3], orderId, w)
    redis.call('EXPIREAT', r[3], expireAt)
    redis.call('HSET', KEYS[1], 'state', 'reserved')
    return describe('EXISTING')
  end
  redis.call('DEL', KEYS[1])
end

local candidates = (#KEYS - 2) / 3

for i = 0, candidates - 1 do
  local loadKey = KEYS[3 + 3 * i]
  local load = tonumber(redis.call('GET', loadKey) or '0')
  if load + weight <= capacity then
    local ordersKey = KEYS[4 + 3 * i]
    local displayKey = KEYS[5 + 3 * i]
    local slotId = ARGV[7 + 4 * i]
    local endMs = ARGV[9 + 4 * i]
    -- Slot keys live until a day after the slot ends, never less (the seed's
    -- fixed 2-hour expiry reset the load of slots booked later in the day).
    local expireAt = math.floor(tonumber(endMs) / 1000) + keepAfterEnd
    redis.call('INCRBY', loadKey, weight)
    redis.call('EXPIREAT', loadKey, expireAt)
    redis.call('HSET', ordersKey, orderId, weight)
    redis.call('EXPIREAT', ordersKey, expireAt)
    local seq = redis.call('INCR', displayKey)
    redis.call('EXPIRE', displayKey, ARGV[6])
    redis.call('HSET', KEYS[1],
      'slot_id', slotId, 'slot_key', loadKey, 'orders_key', ordersKey,
      'weight', weight, 'start_ms', ARGV[8 + 4 * i], 'end_ms', endMs,
      'business_date', ARGV[10 + 4 * i], 'seq', seq, 'created_at_ms', ARGV[4], 'state', 'reserved')
    redis.call('EXPIREAT', KEYS[1], expireAt)
    return describe('RESERVED')
  end
end

return { 'FULL' }
