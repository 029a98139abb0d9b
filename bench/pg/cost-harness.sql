-- What append-cost.sql and fence-cost.sql both measure with, made in the schema first in the search path: the
-- resume log's and the devices' tables as the relay has them (xe, xd, with 100 devices) and cpu_ticks(), this
-- backend's CPU time so far in clock ticks (user + system: fields 14 and 15 of /proc/self/stat; Linux,
-- superuser). Read by the scripts with \ir.
CREATE TABLE xe (LIKE public.device_events INCLUDING ALL);
CREATE TABLE xd (LIKE public.devices INCLUDING ALL);
INSERT INTO xd (device_id) SELECT 'device-' || md5(g::text) FROM generate_series(0, 99) g;
CREATE FUNCTION cpu_ticks() RETURNS bigint LANGUAGE sql AS $c$
  SELECT split_part(s, ' ', 12)::bigint + split_part(s, ' ', 13)::bigint
  FROM (SELECT substr(t, strpos(t, ') ') + 2) AS s FROM pg_read_file('/proc/self/stat') AS t) x $c$;
