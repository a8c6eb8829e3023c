-- Brings the kitchens' shares of a whole live set (erp:orders:active or
-- erp:orders:pending_slots) in line with it, for the ids given. Only the consumer
-- calls it, at start-up: on Redis state written before the shares existed, and
-- after writers of that earlier release (during an upgrade) changed the whole set
-- alone. Each id is checked and fixed in this one atomic step, against the whole
-- set as it is now, so an order that apply_order.lua or promote_due.lua moves
-- meanwhile (they change both at once) is never put back or lost.
--
-- KEYS[1] the whole set
-- ARGV[1] 'add': ARGV[2] the prefix of a kitchen's share (the order's kitchen id
--         completes the key), ARGV[3...] ids of the whole set: each still in it
--         is put in its kitchen's share with the same score
-- ARGV[1] 'prune': KEYS[2] one kitchen's share, ARGV[2...] its ids: each no longer
--         in the whole set leaves the share
--
-- Returns how many ids were added or removed.
local changed = 0
if ARGV[1] == 'add' then
  for i = 3, #ARGV do
    local id = ARGV[i]
    local score = redis.call('ZSCORE', KEYS[1], id)
    local json = score and redis.call('GET', 'erp:order:' .. id)
    -- An order without a snapshot is skipped by every reader; its kitchen is unknown here.
    if json then
      changed = changed + redis.call('ZADD', ARGV[2] .. cjson.decode(json).kitchenId, score, id)
    end
  end
else
  for i = 2, #ARGV do
    if not redis.call('ZSCORE', KEYS[1], ARGV[i]) then
      changed = changed + redis.call('ZREM', KEYS[2], ARGV[i])
    end
  end
end
return changed
