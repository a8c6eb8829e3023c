-- Moves orders whose visible_at has come from the scheduled set to the active
-- set and publishes order.visible for each, atomically: with several promoter
-- replicas calling at once, each order is moved, and announced, exactly once.
--
-- KEYS[1] erp:orders:pending_slots   zset id -> visible_at ms
-- KEYS[2] erp:orders:active          zset id -> slot start ms
-- KEYS[3] ovenline:events            stream
-- ARGV[1] now ms  ARGV[2] most orders to move in this call
-- ARGV[3] stream max length  ARGV[4] event time (ISO)
-- ARGV[5] erp:orders:pending_slots:  ARGV[6] erp:orders:active:  (+ the order's
--         kitchen: its shares of KEYS[1] and KEYS[2], moved along with them)
--
-- The entry names the order but does not carry it: the snapshot holds the
-- customer's personal data, which the stream never does (the hub reads the
-- snapshot). Each order.visible entry carries the order's creation traceparent (kept on
-- its reservation by apply_order.lua), so the hub's delivery joins that trace.
--
-- Returns a flat list: id, visible_at ms, traceparent or '', id, ...
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, ARGV[2])
local moved = {}
for i = 1, #due, 2 do
  local id = due[i]
  redis.call('ZREM', KEYS[1], id)
  local json = redis.call('GET', 'erp:order:' .. id)
  -- No snapshot means the order is gone (terminal and expired); nothing to show. Its
  -- booking, while kept, still names the kitchen whose share must forget it too.
  if not json then
    local slotId = redis.call('HGET', 'order:slot:' .. id, 'slot_id')
    local kitchen = slotId and string.match(slotId, '^slot:(.+):%d+$')
    if kitchen then redis.call('ZREM', ARGV[5] .. kitchen, id) end
  else
    local booking = redis.call('HMGET', 'order:slot:' .. id, 'start_ms', 'traceparent')
    local startMs = booking[1] or due[i + 1]
    local traceparent = booking[2] or ''
    local order = cjson.decode(json)
    redis.call('ZREM', ARGV[5] .. order.kitchenId, id)
    redis.call('ZADD', ARGV[6] .. order.kitchenId, startMs, id)
    local stations, seen = {}, {}
    for _, item in ipairs(order.items or {}) do
      if item.station and not seen[item.station] then
        seen[item.station] = true
        stations[#stations + 1] = item.station
      end
    end
    local filterFields = { 'visible', due[i + 1], 'stations', table.concat(stations, ',') }
    if redis.call('ZADD', KEYS[2], startMs, id) == 1 then
      if traceparent ~= '' then
        redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*',
          'type', 'order.visible', 'kitchen', order.kitchenId, 'at', ARGV[4], 'id', id,
          filterFields[1], filterFields[2], filterFields[3], filterFields[4], 'traceparent', traceparent)
      else
        redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*',
          'type', 'order.visible', 'kitchen', order.kitchenId, 'at', ARGV[4], 'id', id,
          filterFields[1], filterFields[2], filterFields[3], filterFields[4])
      end
    end
    moved[#moved + 1] = id
    moved[#moved + 1] = due[i + 1]
    moved[#moved + 1] = traceparent
  end
end
return moved
