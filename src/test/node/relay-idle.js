'use strict';
// Connections that never say who they are: a socket that sends neither `mobile:register` nor
// `web:authenticate` within the identify timeout gets `error {message}` and its transport closed
// (the official client sees "transport close" and reconnects by itself), while identified phones
// and browsers stay connected however quiet they are.
//
// Usage: node relay-idle.js <base url> <identify timeout ms>
// Prints one JSON line ({"ok":true, ...facts} or {"ok":false,"error":...}); exits non-zero on failure.
const assert = require('assert');
const crypto = require('crypto');
const { io } = require('socket.io-client');
const kit = require('./relay-kit');

const { log, sleep } = kit;
const baseUrl = process.argv[2];
const timeoutMs = Number(process.argv[3]);
const run = crypto.randomUUID().slice(0, 8);
const PHONE = 'e2e-idle-phone-' + run;
const NOT_IDENTIFIED = /^Not identified within \d+ s: send mobile:register or web:authenticate after connecting$/;

/** Connects and stays silent; resolves with how long the relay let it live, and what it was told. */
async function silentStranger(mode) {
  const stranger = await new kit.AppSocket('stranger-' + mode, baseUrl, mode).connect();
  const connectedAt = Date.now();
  const reason = await kit.withTimeout(stranger.disconnected, stranger.name + ' is closed', timeoutMs + kit.STEP_TIMEOUT_MS);
  const closedAfterMs = Date.now() - connectedAt;
  const error = await stranger.waitForError(stranger.name + ' is told why');
  assert.match(error.message, NOT_IDENTIFIED);
  assert.strictEqual(error.code, 'identify_timeout');
  assert.strictEqual(error.retryable, false);
  return { mode, reason, closedAfterMs, message: error.message };
}

kit.main(async (track) => {
  log('an identified phone and browser, then silence longer than the timeout');
  const phone = track(await kit.connectPhone(baseUrl, 'websocket', 'phone', PHONE));
  const token = await kit.pair(baseUrl, phone);
  const web = track(await kit.connectWeb(baseUrl, 'websocket', 'web', token, PHONE));

  log('strangers that never identify, over websocket and over polling');
  const strangers = await Promise.all([silentStranger('websocket'), silentStranger('polling')]);

  log('an app whose first connect did not register: closed, reconnects by itself, registers, and stays');
  const app = io(baseUrl, { transports: ['websocket'], forceNew: true, reconnectionDelay: 200, reconnectionDelayMax: 200 });
  track({ close: () => app.close() });
  const appFacts = { connects: 0, disconnects: [], registered: false };
  const registered = new Promise((resolve) => {
    app.on('connect', () => {
      appFacts.connects++;
      if (appFacts.connects > 1) {
        app.emit('mobile:register', { deviceId: PHONE + '-app', deviceName: 'app', deviceModel: 'Pixel 8' }, (ack) => {
          appFacts.registered = Boolean(ack && ack.success);
          resolve();
        });
      }
    });
  });
  app.on('disconnect', (reason) => appFacts.disconnects.push(reason));
  await kit.withTimeout(registered, 'the app registers after its reconnect', timeoutMs + kit.STEP_TIMEOUT_MS);
  await sleep(timeoutMs * 2);
  assert.ok(app.connected, 'the registered app is still connected after twice the timeout');

  assert.strictEqual(phone.disconnectReason, null, 'the quiet phone was not closed');
  assert.strictEqual(web.disconnectReason, null, 'the quiet browser was not closed');
  log('and they still relay');
  const message = { id: 'idle-' + run, conversationId: 'conv-' + run, phoneNumber: '+15550100', body: 'still here',
    timestamp: 1718000000000, type: 'received', read: false };
  kit.assertAckOk(await phone.ack('mobile:messages', { messages: [message] }), 'phone sends after the quiet');
  await kit.relayedMessage(web, 'the message after the quiet', message.id);

  const metrics = await (await fetch(baseUrl + '/metrics')).text();
  const counted = metrics.split('\n').find((line) => line.startsWith('relay_errors_total{') && line.includes('reason="identify_timeout"'));
  return {
    strangers,
    app: { ...appFacts, disconnects: [...appFacts.disconnects] }, // before the closing below adds its own
    identifyTimeoutsCounted: counted ? Number(counted.trim().split(/\s+/).pop()) : 0,
  };
});
