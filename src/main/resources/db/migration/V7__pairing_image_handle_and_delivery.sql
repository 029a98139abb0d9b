-- The QR image used to be fetched as /api/auth/qr/<token>.png: the very token that wait-pairing
-- redeems, in a URL that proxies log, screens show and Referer headers carry. The image now has a
-- handle of its own (128 random bits) that redeems nothing; the waiter token travels only in JSON
-- bodies. Rows made before this migration have no image (they expire within minutes anyway).
ALTER TABLE pairing_tokens ADD COLUMN image_id uuid;
CREATE UNIQUE INDEX pairing_tokens_image_id_idx ON pairing_tokens (image_id);

-- A redeemed pairing's session is handed to a browser once: the first wait-pairing that answers sets
-- delivered_at atomically, on whichever node it waits; every later one is refused.
ALTER TABLE pairing_tokens ADD COLUMN delivered_at timestamptz;
