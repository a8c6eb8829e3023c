-- Gives a reservation's capacity back.
--
-- KEYS[1] order:slot:{orderId}
-- ARGV[1] orderId
-- ARGV[2] mode: 'abort'  = Kafka did not acknowledge the order's event: only a
--                          reservation still in state 'reserved' is undone; it
--                          stays, in state 'aborted' with its event, so that a
--                          retry re-sends that same event if its slot still has
--                          room (a send that timed out may land later after all);
--               'cancel' = the consumer applied a cancellation: capacity is
--                          returned, the record stays (state 'released') so a
--                          retry of the original request still finds its order.
-- Returns 1 released, 0 nothing to release, -1 refused (state not 'reserved').
--
-- The slot keys are read from the reservation itself, so this script is meant
-- for a single Redis (not Cluster), like the rest of Ovenline's scripts.
local r = redis.call('HMGET', KEYS[1], 'slot_key', 'orders_key', 'state')
if not r[1] then
  return 0
end
if ARGV[2] == 'abort' and r[3] ~= 'reserved' then
  return -1
end
if r[3] == 'released' then
  return 0
end
local weight = redis.call('HGET', r[2], ARGV[1])
if weight then
  redis.call('HDEL', r[2], ARGV[1])
  redis.call('DECRBY', r[1], weight)
end
if ARGV[2] == 'abort' then
  redis.call('HSET', KEYS[1], 'state', 'aborted')
else
  redis.call('HSET', KEYS[1], 'state', 'released')
end
return 1
