-- Pairing tokens are deleted a day after their QR expired (pairing.PairingPrune, on every node, every minute), earliest
-- expiry first and a bounded number at a time. This index is what each sweep reads: without it, every sweep on every
-- node would read every token in the table to find the few that expired a day ago.
CREATE INDEX pairing_tokens_expires_idx ON pairing_tokens (expires_at);
