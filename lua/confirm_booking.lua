-- Kafka acknowledged an order's event: stores the event beside the booking and
-- settles it. Only a booking still 'reserved' or 'held' becomes 'produced'
-- (the consumer may have applied it already); either way no send of it is
-- under way any more and it is no longer held.
--
-- KEYS[1] order:slot:{orderId}  KEYS[2] order:held  KEYS[3] order:sending
-- ARGV[1] the encoded OrderPlaced event  ARGV[2] orderId
redis.call('HSET', KEYS[1], 'event', ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[2])
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'reserved' or state == 'held' then
  redis.call('HSET', KEYS[1], 'state', 'produced')
  redis.call('ZREM', KEYS[2], ARGV[2])
end
return 1
