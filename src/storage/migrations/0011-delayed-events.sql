-- Delayed events (MSC4140): events a user scheduled to be sent into a room later, kept until
-- they are sent or cancelled and then, finalised, for a while longer so clients can look up
-- what became of them (the MSC's recommendation: 7 days, at most 1000 per user).
CREATE TABLE delayed_events (
  delay_id TEXT PRIMARY KEY,                 -- the unguessable capability handed to the client
  user_id TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
  device_id TEXT NOT NULL,                   -- the scheduling device (the event is sent as it)
  room_id TEXT NOT NULL,
  type TEXT NOT NULL,
  state_key TEXT,                            -- NULL for a message event
  content TEXT NOT NULL,                     -- JSON object, as the client sent it
  delay_ms INTEGER NOT NULL,
  send_ts INTEGER NOT NULL,                  -- due time: (last) start of the timer + delay_ms
  txn_scope TEXT,                            -- the endpoint and its path, and the client's
  txn_id TEXT,                               --   transaction id: a retry returns this delay_id
  created_ts INTEGER NOT NULL,
  finalised_ts INTEGER,                      -- NULL while scheduled
  outcome TEXT,                              -- 'send' or 'cancel' once finalised
  reason TEXT,                               -- 'action', 'delay' or 'error'
  error TEXT,                                -- JSON standard error response, for reason 'error'
  event_id TEXT                              -- the event it became, for outcome 'send'
) STRICT;

-- The scheduler's next due event, and the due events in order.
CREATE INDEX delayed_events_due ON delayed_events (send_ts, delay_id) WHERE finalised_ts IS NULL;
-- A user's scheduled events (count for the cap, listing) and finalised ones (listing, pruning).
CREATE INDEX delayed_events_by_user ON delayed_events (user_id, finalised_ts, send_ts);
-- Scheduled state events another user's state change cancels.
CREATE INDEX delayed_events_by_state ON delayed_events (room_id, type, state_key) WHERE finalised_ts IS NULL AND state_key IS NOT NULL;
CREATE UNIQUE INDEX delayed_events_by_txn ON delayed_events (user_id, device_id, txn_scope, txn_id) WHERE txn_id IS NOT NULL;
CREATE INDEX delayed_events_finalised ON delayed_events (finalised_ts) WHERE finalised_ts IS NOT NULL;
