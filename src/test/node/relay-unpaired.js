'use strict';
// Registered phones that no browser is paired with: a socket that registers a made-up deviceId escapes
// the identify timeout, so the unpaired-phone timeout bounds it: after it, a phone whose device has no
// live session gets `error {code:"unpaired_timeout"}` and its transport closed. A phone that registered
// and then paired (as the real app does: register, then the user scans) stays however long it is quiet.
//
// Usage: node relay-unpaired.js <base url> <unpaired timeout ms>
// Prints one JSON line ({"ok":true, ...facts} or {"ok":false,"error":...}); exits non-zero on failure.
const assert = require('assert');
const crypto = require('crypto');
const kit = require('./relay-kit');

const { log, sleep } = kit;
const baseUrl = process.argv[2];
const timeoutMs = Number(process.argv[3]);
const run = crypto.randomUUID().slice(0, 8);

kit.main(async (track) => {
  log('a phone that registers a made-up deviceId and never pairs');
  const stranger = track(await kit.connectPhone(baseUrl, 'websocket', 'made-up', 'made-up-' + run));
  const registeredAt = Date.now();

  log('a phone that registers, then pairs, as the real app does');
  const phone = track(await kit.connectPhone(baseUrl, 'websocket', 'paired', 'paired-' + run));
  await kit.pair(baseUrl, phone);

  const reason = await kit.withTimeout(stranger.disconnected, 'the unpaired phone is closed', timeoutMs + kit.STEP_TIMEOUT_MS);
  const closedAfterMs = Date.now() - registeredAt;
  const error = await stranger.waitForError('the unpaired phone is told why');
  assert.strictEqual(error.code, 'unpaired_timeout');
  assert.strictEqual(error.retryable, false);
  assert.match(error.message, /^No browser paired within \d+ s of register/);

  log('the paired phone stays well past the timeout');
  await sleep(timeoutMs * 2);
  assert.strictEqual(phone.disconnectReason, null, 'the paired phone is still connected');
  const ack = await phone.ack('mobile:conversations', { conversations: [] });
  kit.assertAckOk(ack, 'the paired phone is still served');
  return { stranger: { reason, closedAfterMs, message: error.message }, pairedStayed: true };
});
