-- Phone credentials. A phone's first mobile:register is handed a random device secret; afterwards
-- that deviceId registers only with the secret. Only its SHA-256 is kept (the secret has 256 random
-- bits, so a fast hash is enough): a database leak does not let anyone impersonate a phone.
-- NULL until the device first registers (rows created before this migration, or by a QR scan).
ALTER TABLE devices ADD COLUMN secret_hash bytea;
