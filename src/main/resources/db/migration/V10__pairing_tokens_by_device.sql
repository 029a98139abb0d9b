-- Forgetting a device (Store.forgetDevice: every node's start-up warm-up forgets each throwaway device it
-- paired) deletes its redeemed pairing tokens by device_id. Without an index that was a scan of every token
-- ever made, once per forgotten device: hundreds of scans at each node start on a table that only grows.
-- Only redeemed tokens name a device, so only they are indexed: making a QR pays nothing for it.
CREATE INDEX pairing_tokens_device_idx ON pairing_tokens (device_id) WHERE device_id IS NOT NULL;
