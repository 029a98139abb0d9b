-- Which hand-over attempt recorded a command as delivered. A node records "delivered" before it emits
-- the command to the phone, so that a failed record never leads to a second SMS. When that record's
-- outcome is unknown (the database hung past the request timeout, then committed after all), the node
-- that made the attempt can tell, by this id, that the row is delivered by its own attempt, which it
-- never emitted, and emit it then; any other attempt's id means someone else handed it over.
ALTER TABLE outbox ADD COLUMN handover uuid;
