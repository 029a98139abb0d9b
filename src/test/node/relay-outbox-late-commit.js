'use strict';
// The record that a send was handed to the phone hangs in the database past the relay's storage
// timeout (the test's control endpoint holds it uncommitted), the phone goes away meanwhile, and the
// record then commits after all: the row says "delivered" although the relay never emitted it. When the
// phone comes back (an app that does not confirm commands), it must still get that send, once.
// The phone is online when the browser sends, so the record is the one-hop insert of the phone's node:
// the browser is acknowledged only once the send is stored, that is once the database answered (the
// browser's node, given no answer by the phone's node, queues it by key, which waits for the held insert).
//
// Usage: node relay-outbox-late-commit.js <base url> <control url>
//   POST <control url>/hold-handover?key=<tempId>   recording that command as delivered waits, uncommitted
//   POST <control url>/release-handover             it commits
// Prints one JSON line ({"ok":true} or {"ok":false,"error":...}); exits non-zero on failure.
const assert = require('assert');
const crypto = require('crypto');
const kit = require('./relay-kit');

const baseUrl = process.argv[2];
const controlUrl = process.argv[3];
const run = crypto.randomUUID().slice(0, 8);
// The relay's storage requests time out after 10 s; the record must commit only after that.
const HELD_MS = 11500;

async function control(path) {
  const response = await fetch(controlUrl + path, { method: 'POST', signal: AbortSignal.timeout(30000) });
  assert.strictEqual(response.status, 200, 'control ' + path + ': ' + await response.text());
}

kit.main(async (track) => {
  const deviceId = 'late-commit-phone-' + run;
  const phone = track(await kit.connectPhone(baseUrl, 'websocket', 'phone', deviceId));
  const token = await kit.pair(baseUrl, phone);
  const web = track(await kit.connectWeb(baseUrl, 'websocket', 'web', token, deviceId));
  const held = { phoneNumber: '+15550199', message: 'held', tempId: 'held-' + run };
  const next = { phoneNumber: '+15550199', message: 'next', tempId: 'next-' + run };

  kit.log('recording the hand-over of the send will hang');
  await control('/hold-handover?key=' + encodeURIComponent(held.tempId));
  const sentAt = Date.now();
  const stored = new Promise((resolve) => web.socket.emit('web:send-message', held, (ack) => resolve(ack)));
  await kit.sleep(1000);
  assert.strictEqual(phone.received('send:message').length, 0, 'nothing emitted while its record hangs');
  kit.log('the phone goes away while the record hangs');
  phone.close();

  await kit.sleep(Math.max(0, sentAt + HELD_MS - Date.now()));
  kit.log('the record commits now, after the relay gave up on it');
  await control('/release-handover');
  kit.assertAckOk(await kit.withTimeout(stored, 'the ack of the held send', 10000), 'the send is stored');

  kit.log('the phone comes back and must get the send, once');
  const back = track(await kit.connectPhone(baseUrl, 'websocket', 'phone-back', deviceId, { deviceSecret: phone.deviceSecret }));
  await back.waitForPayload('send:message', { tempId: held.tempId }, 'the held send, after the phone came back');
  kit.assertAckOk(await web.ack('web:send-message', next), 'a later send is stored');
  await back.waitForPayload('send:message', { tempId: next.tempId }, 'the later send');
  await kit.sleep(500);
  const times = (tempId) => back.received('send:message').filter((e) => e.args[0].tempId === tempId).length;
  assert.strictEqual(times(held.tempId), 1, 'times the held send reached the phone');
  assert.strictEqual(times(next.tempId), 1, 'times the later send reached the phone');
  return {};
});
