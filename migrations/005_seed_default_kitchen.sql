-- The default kitchen: a request without a kitchen id goes here. Capacity is in kopecks of order
-- value per 15-minute slot (2 000 000 = 20 000 ₽), the seed's rule. Re-running never overwrites a
-- configuration changed through the API.

INSERT INTO kitchens (id, config) VALUES (
  'main',
  '{
    "displayName": "Ovenline — Центральная",
    "timeZone": "Europe/Moscow",
    "hours": {
      "mon": [{"open": "10:00", "close": "23:00"}],
      "tue": [{"open": "10:00", "close": "23:00"}],
      "wed": [{"open": "10:00", "close": "23:00"}],
      "thu": [{"open": "10:00", "close": "23:00"}],
      "fri": [{"open": "10:00", "close": "23:00"}],
      "sat": [{"open": "10:00", "close": "23:00"}],
      "sun": [{"open": "10:00", "close": "23:00"}]
    },
    "slotMinutes": 15,
    "leadMinutes": 30,
    "capacity": 2000000,
    "capacityUnit": "value",
    "bookingHorizonDays": 0,
    "stations": ["pizza", "dessert"],
    "acceptingOrders": true
  }'::jsonb
)
ON CONFLICT (id) DO NOTHING;
