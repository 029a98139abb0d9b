'use strict';
// QR pairing against a relay whose QR codes live only a second or two. The original trusted the
// timestamp inside the scanned qrData, so any forged or replayed QR paired a phone with a stranger's
// browser; here only the QR the relay issued pairs, only once, and only before it expires.
//
// Usage: node relay-qr.js <base url> <QR lifetime ms>
// Prints one JSON line ({"ok":true} or {"ok":false,"error":...}); exits non-zero on failure.
const assert = require('assert');
const crypto = require('crypto');
const kit = require('./relay-kit');

const { log, sleep } = kit;
const baseUrl = process.argv[2];
const ttl = Number(process.argv[3]);
const run = crypto.randomUUID().slice(0, 8);

/** The scan is refused: failing ack, `error {message}`, and no `qr:paired`. */
async function scanRefused(phone, qrData, what) {
  const paired = phone.received('qr:paired').length;
  kit.assertAckFailed(await phone.ack('mobile:scan-qr', { qrData, deviceId: phone.deviceId }), what);
  await phone.waitForError(what);
  assert.strictEqual(phone.received('qr:paired').length, paired, what + ': no qr:paired');
}

/** Resolves 'pending' if the promise has not settled within `ms`. */
async function stillPending(promise, ms = 200) {
  return Promise.race([promise.then(() => 'settled', () => 'settled'), sleep(ms).then(() => 'pending')]);
}

function assertPairingTimeout(r, what) {
  assert.strictEqual(r.status, 408, what + ': status, body ' + r.text);
  assert.ok(r.contentType && r.contentType.startsWith('application/json'), what + ': content type ' + r.contentType);
  assert.deepStrictEqual(r.json, { success: false, error: 'Pairing timeout' }, what);
}

kit.main(async (track) => {
  const phone = await kit.connectPhone(baseUrl, 'websocket', 'phone', 'e2e-qr-phone-' + run);
  const intruder = await kit.connectPhone(baseUrl, 'websocket', 'intruder', 'e2e-qr-intruder-' + run);
  track(phone);
  track(intruder);

  log('a browser asks for a QR and waits');
  const qr = await kit.generateQr(baseUrl, ttl);
  const waiting = kit.waitPairing(baseUrl, qr.token);

  log('forged QR data is refused and the browser keeps waiting');
  const now = Date.now();
  const issued = JSON.parse(qr.qrData);
  // The original's format with the browser's own token: it is not what the QR carries.
  await scanRefused(intruder, JSON.stringify({ token: qr.token, timestamp: now, expiresIn: 300000 }), 'qrData forged from the waiter token');
  await scanRefused(intruder, JSON.stringify({ token: crypto.randomUUID(), timestamp: now, expiresIn: 300000 }), 'qrData with a made-up token');
  if (issued && typeof issued.token === 'string') {
    const t = issued.token;
    const altered = t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A');
    await scanRefused(intruder, JSON.stringify({ ...issued, token: altered }), 'qrData with one character of the secret changed');
  }
  await scanRefused(intruder, 'definitely not a QR of ours', 'garbage qrData');
  await scanRefused(intruder, '{"token":', 'truncated JSON qrData');
  await scanRefused(intruder, JSON.stringify({ token: 'x'.repeat(20000), timestamp: now, expiresIn: 300000 }), 'huge qrData');
  // The genuine QR, but claimed for another phone than the one that registered on this socket.
  kit.assertAckFailed(await intruder.ack('mobile:scan-qr', { qrData: qr.qrData, deviceId: phone.deviceId }), 'scan for another deviceId');
  await intruder.waitForError('scan for another deviceId');
  assert.strictEqual(await stillPending(waiting), 'pending', 'a forged scan must not answer the waiting browser');

  log('the issued QR pairs once');
  phone.emit('mobile:scan-qr', { qrData: qr.qrData, deviceId: phone.deviceId });
  await phone.waitForPayload('qr:paired', { success: true });
  const sessionToken = kit.assertSessionResponse(await kit.withTimeout(waiting, 'wait-pairing answers after the scan'));
  await kit.verifySession(baseUrl, sessionToken, phone.deviceId);

  log('replaying the scanned QR is refused, by the same phone or another');
  await scanRefused(phone, qr.qrData, 'replay by the same phone');
  await scanRefused(intruder, qr.qrData, 'replay by another phone');
  await kit.verifySession(baseUrl, sessionToken, phone.deviceId);
  const web = await kit.connectWeb(baseUrl, 'websocket', 'web', sessionToken, phone.deviceId);
  track(web);
  intruder.emit('mobile:messages', { messages: [{ id: 'intruder-' + run, conversationId: 'c', phoneNumber: '+1', body: 'hijack', timestamp: now, type: 'received', read: false }] });
  await sleep(200);
  assert.ok(!web.received('messages:sync').some((e) => JSON.stringify(e.args).includes('intruder-' + run)), 'the replaying phone reached the browser');

  log('an expired QR cannot be scanned, and waiting on it times out at once');
  const stale = await kit.generateQr(baseUrl, ttl);
  await sleep(ttl + 500);
  await scanRefused(phone, stale.qrData, 'scan after the QR expired');
  const t0 = Date.now();
  assertPairingTimeout(await kit.waitPairing(baseUrl, stale.token), 'wait-pairing on an expired QR');
  assert.ok(Date.now() - t0 < 2000, 'wait-pairing on an expired QR answers promptly, took ' + (Date.now() - t0) + ' ms');

  log('a browser waiting on a QR nobody scans gets 408 Pairing timeout when it expires');
  const unscanned = await kit.generateQr(baseUrl, ttl);
  const t1 = Date.now();
  assertPairingTimeout(await kit.waitPairing(baseUrl, unscanned.token), 'wait-pairing until the QR expires');
  const waited = Date.now() - t1;
  assert.ok(waited >= ttl - 300 && waited < ttl + 3000, 'wait-pairing held until about the QR lifetime (' + ttl + ' ms), took ' + waited + ' ms');
  await scanRefused(phone, unscanned.qrData, 'scan after the wait timed out');

  log('the web app then asks for a new QR, and that one pairs');
  const fresh = await kit.generateQr(baseUrl, ttl);
  const freshWait = kit.waitPairing(baseUrl, fresh.token);
  kit.assertAckOk(await phone.ack('mobile:scan-qr', { qrData: fresh.qrData, deviceId: phone.deviceId }), 'mobile:scan-qr');
  await phone.waitForPayload('qr:paired', { success: true });
  await kit.verifySession(baseUrl, kit.assertSessionResponse(await kit.withTimeout(freshWait, 'wait-pairing on the fresh QR')), phone.deviceId);
  return {};
});
