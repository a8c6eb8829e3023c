-- Adds orders of a whole live set (erp:orders:active or erp:orders:pending_slots)
-- to their kitchen's share of it, with the same score. Only the consumer calls it,
-- once, on Redis state written before the kitchens' shares existed; each order is
-- checked and added in this one atomic step, so an order that apply_order.lua or
-- promote_due.lua moved meanwhile is not put back.
--
-- KEYS[1] the whole set
-- ARGV[1] the prefix of a kitchen's share (the kitchen id completes the key)
-- ARGV[2...] order ids
--
-- Returns how many were added.
local added = 0
for i = 2, #ARGV do
  local id = ARGV[i]
  local score = redis.call('ZSCORE', KEYS[1], id)
  local json = score and redis.call('GET', 'erp:order:' .. id)
  -- An order without a snapshot is skipped by every reader; its kitchen is unknown here.
  if json then
    added = added + redis.call('ZADD', ARGV[1] .. cjson.decode(json).kitchenId, score, id)
  end
end
return added
