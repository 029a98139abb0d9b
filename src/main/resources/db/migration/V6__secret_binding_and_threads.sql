-- The phone-secret policy (see PhoneCredentials). The original phone app never keeps the secret it is
-- handed, so a secret that was issued proves nothing until the phone presents it once: from then on
-- the device is bound to it. A device that keeps registering without it is a legacy device, noted
-- once (cluster-wide) so that operators can see how many are left.
ALTER TABLE devices ADD COLUMN secret_bound_at timestamptz;
ALTER TABLE devices ADD COLUMN legacy_noted_at timestamptz;

-- A sync from storage answers one thread (conversation) at a time, as the web app files them: the
-- latest messages of each of the most recently active threads. A message belongs to its
-- conversationId's thread, or to its phone number's when it has none (the web app's own rule).
CREATE INDEX messages_device_thread_ts_idx ON messages (device_id, (COALESCE(conversation_id, phone_number)), ts DESC NULLS LAST, id DESC);
