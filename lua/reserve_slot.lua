-- Books the first candidate slot that has room for the order, atomically, in
-- one call that walks the candidates from the first open slot to closing time.
-- Candidates come in time order from the domain's slot plan (TypeScript works
-- out hours, time zones and DST; this script only counts). They arrive as runs
-- of back-to-back slots, so a day of slots is a few bytes, not hundreds of keys.
--
-- KEYS[1]  order:slot:{orderId}      the reservation (hash)
-- KEYS[2]  ovenline:state:ready      absent while live state is being restored
-- KEYS[3]  order:sending             bookings with sends under way (release_slot.lua)
-- ARGV[1] orderId  ARGV[2] weight  ARGV[3] capacity  ARGV[4] createdAtMs
-- ARGV[5] seconds to keep slot keys after the slot ends
-- ARGV[6] seconds to keep a display counter
-- ARGV[7] kitchen id  ARGV[8] slot length in seconds
-- ARGV[9] runs "startSec:count:YYYY-MM-DD,..." (count slots of ARGV[8] seconds from startSec,
--         all of that business day); empty = only look for an earlier booking
-- ARGV[10] customer id  ARGV[11] phone  ARGV[12] orders allowed per window  ARGV[13] window s
--
-- The per-customer rate limit lives here, not in a separate call, so a retry of a known order is
-- never counted, a refused order counts nothing, and one round trip decides it all. Fixed
-- windows: ratelimit:customer:{id} and ratelimit:phone:{phone}, counting new bookings only.
--
-- Slot keys are derived here (slot:{kitchen}:{startSec}, its ":orders" hash,
-- display:{kitchen}:{date}) rather than passed as KEYS: Ovenline runs one Redis
-- (not Cluster), as release_slot.lua and apply_order.lua also assume.
--
-- Returns {'NOT_READY'} | {'FULL'} | {'RATE_LIMITED', subject, retryAfterMs}
--   | {'RESERVED'|'EXISTING', slotId, startMs, endMs, seq, createdAtMs, state, event, businessDate}
if redis.call('EXISTS', KEYS[2]) == 0 then
  return { 'NOT_READY' }
end

local function describe(verdict)
  local r = redis.call('HMGET', KEYS[1], 'slot_id', 'start_ms', 'end_ms', 'seq', 'created_at_ms', 'state', 'event', 'business_date')
  -- The caller sends the order's event when it is not durable yet: count that send as under
  -- way, so a failure of another send cannot release a booking this one may still write
  -- (release_slot.lua).
  if r[6] == 'reserved' or r[6] == 'held' then
    redis.call('HINCRBY', KEYS[1], 'sending', 1)
    redis.call('HSET', KEYS[1], 'sending_at', ARGV[4])
    redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
  end
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

local kitchen = ARGV[7]
local slotSec = tonumber(ARGV[8])
if ARGV[9] == '' then
  return { 'FULL' }
end

local limits = {
  { 'customer', 'ratelimit:customer:' .. ARGV[10] },
  { 'phone', 'ratelimit:phone:' .. ARGV[11] },
}
for _, limit in ipairs(limits) do
  if tonumber(redis.call('GET', limit[2]) or '0') >= tonumber(ARGV[12]) then
    return { 'RATE_LIMITED', limit[1], tostring(math.max(redis.call('PTTL', limit[2]), 1)) }
  end
end
local function countBooking()
  for _, limit in ipairs(limits) do
    if redis.call('INCR', limit[2]) == 1 then
      redis.call('EXPIRE', limit[2], ARGV[13])
    end
  end
end

for runStart, count, date in string.gmatch(ARGV[9], '(%d+):(%d+):([%d-]+)') do
  for n = 0, tonumber(count) - 1 do
    local startSec = tonumber(runStart) + n * slotSec
    local slotId = 'slot:' .. kitchen .. ':' .. startSec
    local load = tonumber(redis.call('GET', slotId) or '0')
    if load + weight <= capacity then
      local ordersKey = slotId .. ':orders'
      local displayKey = 'display:' .. kitchen .. ':' .. date
      -- Slot keys live until a day after the slot ends, never less (the seed's
      -- fixed 2-hour expiry reset the load of slots booked later in the day).
      local expireAt = startSec + slotSec + keepAfterEnd
      redis.call('INCRBY', slotId, weight)
      redis.call('EXPIREAT', slotId, expireAt)
      redis.call('HSET', ordersKey, orderId, weight)
      redis.call('EXPIREAT', ordersKey, expireAt)
      local seq = redis.call('INCR', displayKey)
      redis.call('EXPIRE', displayKey, ARGV[6])
      redis.call('HSET', KEYS[1],
        'slot_id', slotId, 'slot_key', slotId, 'orders_key', ordersKey,
        'weight', weight, 'start_ms', startSec * 1000, 'end_ms', (startSec + slotSec) * 1000,
        'business_date', date, 'seq', seq, 'created_at_ms', ARGV[4], 'state', 'reserved')
      redis.call('EXPIREAT', KEYS[1], expireAt)
      countBooking()
      return describe('RESERVED')
    end
  end
end

return { 'FULL' }
