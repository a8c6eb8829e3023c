-- Settles a booking whose order Kafka did not acknowledge: gives its capacity
-- back only when no send of that order can still be written.
--
-- A booking counts its sends under way in `sending` (reserve_slot.lua adds one
-- for each call it hands the booking to for sending) and remembers in `doubt`
-- that some send failed in a way that may still have written it (the request
-- had left: a timeout, a connection closed under it).
--
-- KEYS[1] order:slot:{orderId}
-- KEYS[2] order:held                 bookings kept in doubt, by the time of the last doubtful send
-- KEYS[3] order:sending              bookings with sends under way, by when the last was counted
-- KEYS[4] ovenline:events            the hub's stream: a release announces the slot's new load
-- ARGV[1] orderId
-- ARGV[2] mode: 'not_written' = one send certainly failed (refused, never left);
--               'uncertain'   = one send failed but may yet be written;
--               'sweep'       = the consumer's sweep: the group has applied the topic past
--                               a point well after the last doubtful send without finding
--                               the order, so it never landed. Refused while a send is
--                               under way, unless it was counted over a minute ago (its
--                               intake died mid-send: sends give up within seconds);
--               'stale'       = the consumer's sweep: the booking's last send was counted
--                               over a minute ago and never settled, so its intake died
--                               mid-send; that send may have been written: held, as after
--                               an uncertain failure.
-- ARGV[3] now ms  ARGV[4] now as ISO time  ARGV[5] stream max length
-- ARGV[6] modes 'stale' and 'sweep': sends counted before this ms are stale (their intake died)
--
-- When the last send under way has failed: with no doubt the capacity goes
-- back (state 'aborted', event kept, so a retry re-books the same slot if it
-- still has room); with doubt it is kept (state 'held', listed in order:held)
-- until a retry's send succeeds, the consumer applies the order, or the sweep
-- releases it. Releasing a booking whose order may still land would let the
-- slot be sold twice. While another send is under way, that send settles it.
--
-- Returns 1 released, 2 held, 0 left as is (another send is under way, or the
-- order is durable already), -1 refused (sweep of a booking no longer held).
--
-- The slot keys are read from the reservation itself, so this script is meant
-- for a single Redis (not Cluster), like the rest of Ovenline's scripts.
local r = redis.call('HMGET', KEYS[1], 'slot_key', 'orders_key', 'state', 'sending', 'doubt', 'sending_at', 'slot_id')
if not r[1] then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  return 0
end
local state = r[3]
local sending = tonumber(r[4] or '0')
local doubt = r[5] == '1'
local staleSends = sending > 0 and ARGV[6] ~= nil and tonumber(r[6] or '0') < tonumber(ARGV[6])

local function hold()
  -- Listed by the time the last send failed, after every doubtful one: the sweep waits well past it.
  redis.call('HSET', KEYS[1], 'state', 'held', 'sending', 0, 'doubt', '1')
  redis.call('ZADD', KEYS[2], 'GT', ARGV[3], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  return 2
end

local function release()
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  local weight = redis.call('HGET', r[2], ARGV[1])
  if weight then
    redis.call('HDEL', r[2], ARGV[1])
    local load = redis.call('DECRBY', r[1], weight)
    -- The dashboards' slot bars: the capacity is free again.
    local kitchen = string.match(r[7] or '', '^slot:(.+):%d+$')
    if kitchen then
      redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], '*',
        'type', 'slots.updated', 'kitchen', kitchen, 'at', ARGV[4],
        'slot', cjson.encode({ id = r[7], load = load }))
    end
  end
  redis.call('HSET', KEYS[1], 'state', 'aborted')
  redis.call('HDEL', KEYS[1], 'doubt')
  return 1
end

if ARGV[2] == 'stale' then
  if state ~= 'reserved' and state ~= 'held' then
    redis.call('ZREM', KEYS[3], ARGV[1])
    return 0
  end
  if not staleSends then return -1 end -- a retry is sending right now
  return hold()
end

if ARGV[2] == 'sweep' then
  -- A send counted a minute ago and never settled belongs to an intake that died mid-send.
  if staleSends then sending = 0 end
  if state ~= 'held' or sending > 0 then
    if state ~= 'held' then redis.call('ZREM', KEYS[2], ARGV[1]) end
    return -1
  end
  return release()
end

if sending > 0 then
  sending = sending - 1
  redis.call('HSET', KEYS[1], 'sending', sending)
end
if ARGV[2] == 'uncertain' then
  doubt = true
  redis.call('HSET', KEYS[1], 'doubt', '1')
end
if state ~= 'reserved' and state ~= 'held' then
  redis.call('ZREM', KEYS[3], ARGV[1])
  return 0 -- produced or applied meanwhile (another send got through)
end
if sending > 0 then
  return 0
end
if not doubt then
  return release()
end
return hold()
