'use strict';
// A pairing's session is handed out once, and only to the holder of the waiter token. The relay used to
// serve the QR image at /api/auth/qr/<waiter token>.png and answer every wait-pairing with that token
// with the session until the QR expired: anyone who saw the image URL (a proxy's access log, a shared
// screen's address bar, a Referer header) collected the browser's session. Here the onlooker plays
// exactly that: it takes the handle out of the image URL the browser fetched and calls wait-pairing.
//
// Usage: node relay-pairing-once.js <base url>
// Prints one JSON line ({"ok":true,...} or {"ok":false,"error":...}); exits non-zero on failure.
const assert = require('assert');
const crypto = require('crypto');
const kit = require('./relay-kit');

const { log } = kit;
const baseUrl = process.argv[2];
const run = crypto.randomUUID().slice(0, 8);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** generate-qr as a browser calls it, without the contract checks of the kit (they would stop an old relay first). */
async function newQr() {
  const r = await kit.request(baseUrl, 'GET', '/api/auth/generate-qr');
  assert.strictEqual(r.status, 200, 'generate-qr, body ' + r.text);
  return r.json.data;
}

/** The URL a page shows the QR image with: by its image handle; a relay without one served it by the token. */
function imageUrl(qr) {
  return '/api/auth/qr/' + (qr.imageId || qr.token) + '.svg';
}

/** Everything UUID-shaped an onlooker can read in a URL. */
function handlesIn(url) {
  return url.match(UUID) || [];
}

function assertNoSession(r, what) {
  assert.notStrictEqual(r.status, 200, what + ' collected a session: ' + r.text);
  assert.ok(!r.text.includes('sessionToken'), what + ' answered a session token: ' + r.text);
  assert.strictEqual(r.json && r.json.success, false, what + ': a failure envelope, got ' + r.text);
}

function assertCollected(r, what) {
  assert.strictEqual(r.status, 410, what + ': status, body ' + r.text);
  assert.deepStrictEqual(r.json, { success: false, error: 'Pairing already collected' }, what);
}

async function scan(phone, qr) {
  kit.assertAckOk(await phone.ack('mobile:scan-qr', { qrData: qr.qrData, deviceId: phone.deviceId }), 'mobile:scan-qr');
  await phone.waitForPayload('qr:paired', { success: true });
}

kit.main(async (track) => {
  const phone = track(await kit.connectPhone(baseUrl, 'websocket', 'phone', 'e2e-once-' + run));
  const result = {};

  log('a browser shows its QR as an image; an onlooker reads the image URL and waits with what it holds');
  const qr = await newQr();
  const image = await kit.request(baseUrl, 'GET', imageUrl(qr));
  assert.strictEqual(image.status, 200, 'the browser loads its QR image, body ' + image.text.slice(0, 200));
  assert.ok(image.text.includes('<svg'), 'the QR image is an SVG');
  const seen = handlesIn(imageUrl(qr));
  assert.ok(seen.length > 0, 'the image URL holds a handle');
  const browser = kit.waitPairing(baseUrl, qr.token);
  const onlookers = seen.map((handle) => kit.waitPairing(baseUrl, handle));
  await scan(phone, qr);
  const sessionToken = kit.assertSessionResponse(await kit.withTimeout(browser, 'the browser\'s wait-pairing answers after the scan'));
  await kit.verifySession(baseUrl, sessionToken, phone.deviceId);
  for (const [i, waiting] of onlookers.entries()) {
    assertNoSession(await kit.withTimeout(waiting, 'the onlooker\'s wait-pairing answers'), 'the image URL\'s handle, waiting during the scan (' + i + ')');
  }
  for (const handle of seen) {
    assertNoSession(await kit.waitPairing(baseUrl, handle), 'the image URL\'s handle, after the scan');
  }
  result.imageHandleStatus = (await kit.waitPairing(baseUrl, seen[0])).status;

  log('the session is handed out once: the same token again gets 410, not a second copy');
  assertCollected(await kit.waitPairing(baseUrl, qr.token), 'a second wait-pairing with the token');

  log('two long-polls of one token (a retry while the first is still held): exactly one gets the session');
  const twice = await newQr();
  const first = kit.waitPairing(baseUrl, twice.token);
  const second = kit.waitPairing(baseUrl, twice.token);
  await kit.sleep(300); // both registered before the scan
  await scan(phone, twice);
  const answers = await kit.withTimeout(Promise.all([first, second]), 'both long-polls answer');
  result.concurrentStatuses = answers.map((r) => r.status).sort();
  assert.deepStrictEqual(result.concurrentStatuses, [200, 410], 'one session and one refusal, got ' + answers.map((r) => r.text).join(' | '));
  await kit.verifySession(baseUrl, kit.assertSessionResponse(answers.find((r) => r.status === 200)), phone.deviceId);

  log('a long-poll dropped before the scan takes nothing: the browser\'s retry gets the session');
  const dropped = await newQr();
  const abort = new AbortController();
  const cut = fetch(baseUrl + '/api/auth/wait-pairing', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: dropped.token }), signal: abort.signal,
  }).catch((e) => e.name);
  await kit.sleep(300);
  abort.abort();
  assert.strictEqual(await cut, 'AbortError', 'the first long-poll was cut');
  await kit.sleep(300); // the relay has seen the connection go
  await scan(phone, dropped);
  const retried = kit.assertSessionResponse(await kit.withTimeout(kit.waitPairing(baseUrl, dropped.token), 'the retried wait-pairing'));
  await kit.verifySession(baseUrl, retried, phone.deviceId);

  log('an answer lost after it was handed out: the retry gets 410, the browser shows a new QR (as the web app does) and pairs');
  assertCollected(await kit.waitPairing(baseUrl, dropped.token), 'a retry after the answer went out');
  const again = await newQr();
  const waitingAgain = kit.waitPairing(baseUrl, again.token);
  await scan(phone, again);
  await kit.verifySession(baseUrl, kit.assertSessionResponse(await kit.withTimeout(waitingAgain, 'wait-pairing on the new QR')), phone.deviceId);
  return result;
});
