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
-- ARGV[14] fingerprint of the request ('' = none): a retry must carry the one its key was booked with
-- ARGV[15] peer ('' = no per-peer limit)  ARGV[16] orders allowed per peer per window
-- ARGV[17] the peer's window s
-- ARGV[18] open orders a customer may hold (0 = no cap; then customer:{id}:open is not kept)
-- ARGV[19] load one customer's open orders may hold in one slot (with ARGV[18] > 0)
--
-- The limits live here, not in separate calls, so a retry of a known order is never counted, a
-- refused order counts and writes nothing, and one round trip decides it all. Fixed windows:
-- ratelimit:customer:{id}, ratelimit:phone:{phone} and ratelimit:peer:{peer}, counting new
-- bookings only. customer:{id}:open lists the customer's bookings by slot end; one counts while
-- its slot has not ended and it is neither cancelled, given back, ready nor completed (the status
-- apply_order.lua keeps on the booking).
--
-- Slot keys are derived here (slot:{kitchen}:{startSec}, its ":orders" hash,
-- display:{kitchen}:{date}) rather than passed as KEYS: Ovenline runs one Redis
-- (not Cluster), as release_slot.lua and apply_order.lua also assume.
--
-- Returns {'NOT_READY'} | {'FULL'} | {'RATE_LIMITED', subject, retryAfterMs} | {'KEY_REUSED'}
--   | {'OPEN_LIMIT', limit, retryAfterMs}
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
  local r = redis.call('HMGET', KEYS[1], 'state', 'slot_key', 'orders_key', 'weight', 'end_ms', 'fingerprint')
  -- The same key with another request is not a retry: refused before anything is written.
  if r[6] and r[6] ~= '' and ARGV[14] ~= '' and r[6] ~= ARGV[14] then
    return { 'KEY_REUSED' }
  end
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
  { 'customer', 'ratelimit:customer:' .. ARGV[10], ARGV[12], ARGV[13] },
  { 'phone', 'ratelimit:phone:' .. ARGV[11], ARGV[12], ARGV[13] },
}
if ARGV[15] ~= '' then
  limits[3] = { 'peer', 'ratelimit:peer:' .. ARGV[15], ARGV[16], ARGV[17] }
end
for _, limit in ipairs(limits) do
  if tonumber(redis.call('GET', limit[2]) or '0') >= tonumber(limit[3]) then
    return { 'RATE_LIMITED', limit[1], tostring(math.max(redis.call('PTTL', limit[2]), 1)) }
  end
end

-- The customer's open orders: how many, and how much of each slot they hold.
local nowMs = tonumber(ARGV[4])
local openLimit = tonumber(ARGV[18])
local openKey = 'customer:' .. ARGV[10] .. ':open'
local heldInSlot = {}
local settled = {}
local lastEnd = 0
if openLimit > 0 then
  local open = 0
  local firstEnd = nil
  local members = redis.call('ZRANGEBYSCORE', openKey, '(' .. nowMs, '+inf', 'WITHSCORES')
  for i = 1, #members, 2 do
    lastEnd = math.max(lastEnd, tonumber(members[i + 1]))
    local b = redis.call('HMGET', 'order:slot:' .. members[i], 'state', 'status', 'slot_id', 'weight')
    local done = not b[1] or b[1] == 'released' or b[1] == 'aborted'
      or b[2] == 'ready' or b[2] == 'completed' or b[2] == 'cancelled'
    if done then
      settled[#settled + 1] = members[i]
    else
      open = open + 1
      heldInSlot[b[3]] = (heldInSlot[b[3]] or 0) + tonumber(b[4])
      local endMs = tonumber(members[i + 1])
      if not firstEnd or endMs < firstEnd then firstEnd = endMs end
    end
  end
  if open >= openLimit then
    return { 'OPEN_LIMIT', tostring(openLimit), tostring(math.max(firstEnd - nowMs, 1)) }
  end
end
local customerSlotCap = tonumber(ARGV[19])

local function countBooking(endMs)
  for _, limit in ipairs(limits) do
    if redis.call('INCR', limit[2]) == 1 then
      redis.call('EXPIRE', limit[2], limit[4])
    end
  end
  if openLimit > 0 then
    redis.call('ZREMRANGEBYSCORE', openKey, '-inf', nowMs)
    if #settled > 0 then redis.call('ZREM', openKey, unpack(settled)) end
    redis.call('ZADD', openKey, endMs, orderId)
    -- Kept until the last of its bookings' slots has ended.
    redis.call('EXPIREAT', openKey, math.floor(math.max(lastEnd, endMs) / 1000) + 1)
  end
end

for runStart, count, date in string.gmatch(ARGV[9], '(%d+):(%d+):([%d-]+)') do
  for n = 0, tonumber(count) - 1 do
    local startSec = tonumber(runStart) + n * slotSec
    local slotId = 'slot:' .. kitchen .. ':' .. startSec
    local load = tonumber(redis.call('GET', slotId) or '0')
    if load + weight <= capacity
      and (openLimit == 0 or (heldInSlot[slotId] or 0) + weight <= customerSlotCap) then
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
        'business_date', date, 'seq', seq, 'created_at_ms', ARGV[4], 'state', 'reserved',
        'fingerprint', ARGV[14])
      redis.call('EXPIREAT', KEYS[1], expireAt)
      countBooking((startSec + slotSec) * 1000)
      return describe('RESERVED')
    end
  end
end

return { 'FULL' }
