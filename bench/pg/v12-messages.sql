-- The messages table as V12 left it, as table xm of the schema first in the search path: what the cost scripts
-- measured the flush statement against before V13 (a database past V13 keeps a message's rows by event, not
-- upserted by id, so its own table no longer serves). Read by the scripts with \ir.
CREATE TABLE xm (device_id text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, conversation_id text COLLATE "C",
  phone_number text COLLATE "C", ts bigint, type text, status text, read boolean, doc json NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (device_id, id));
CREATE INDEX ON xm (device_id, (COALESCE(conversation_id, phone_number)), ts DESC NULLS LAST, id DESC);
