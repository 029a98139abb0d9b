'use strict';
// Nothing a browser sends is lost while its phone is away: sends and read marks wait in the relay's
// outbox and reach the phone, once each and in order, when it comes back; a retried send (same
// tempId) is not sent twice; a phone that never comes back within the outbox TTL makes the browser
// hear that its message failed.
//
// Usage: node relay-outbox.js <base url>   (against a relay whose outbox TTL is a second or two)
// Prints one JSON line ({"ok":true} or {"ok":false,"error":...}); exits non-zero on failure.
const assert = require('assert');
const crypto = require('crypto');
const kit = require('./relay-kit');

const baseUrl = process.argv[2];
const run = crypto.randomUUID().slice(0, 8);
const SENDS = 100;

kit.main(async (track) => {
  kit.log('a phone pairs a browser, then goes away');
  const deviceId = 'outbox-phone-' + run;
  const phone = track(await kit.connectPhone(baseUrl, 'websocket', 'phone', deviceId));
  const token = await kit.pair(baseUrl, phone);
  const web = track(await kit.connectWeb(baseUrl, 'websocket', 'web', token, deviceId));
  phone.close();
  await web.waitFor('mobile:disconnected', 'the phone went away');

  kit.log('the browser sends ' + SENDS + ' messages and a read mark while the phone is away: each acknowledged once stored');
  const sends = [];
  for (let i = 0; i < SENDS; i++) {
    sends.push({ phoneNumber: '+1555000' + (i % 10), message: 'queued ' + i, tempId: 'q-' + run + '-' + i });
  }
  const acks = await Promise.all(sends.map((s) => web.ack('web:send-message', s)));
  acks.forEach((ack, i) => kit.assertAckOk(ack, 'queued send ' + i));
  kit.log('a retry of some sends (same tempId), as a browser does after a reconnect, is accepted but not queued twice');
  for (const s of sends.slice(0, 5)) {
    kit.assertAckOk(await web.ack('web:send-message', s), 'retried send ' + s.tempId);
  }
  kit.assertAckOk(await web.ack('web:mark-read', { conversationId: 'conv-' + run }), 'queued mark-read');
  assert.strictEqual(web.received('error').length, 0, 'no error while queueing: ' + kit.short(web.received('error')));

  kit.log('the phone comes back: every send arrives once, in the order sent, then the read mark');
  const back = track(await kit.connectPhone(baseUrl, 'websocket', 'phone-back', deviceId, { deviceSecret: phone.deviceSecret }));
  await back.waitForPayload('mark:read', { conversationId: 'conv-' + run });
  const got = back.received('send:message').map((e) => e.args[0]);
  assert.deepStrictEqual(got, sends, 'all ' + SENDS + ' sends, in order, none twice');

  kit.log('the phone reports a send as sent with its tempId; nothing is handed over again after a reconnect');
  kit.assertAckOk(await back.ack('message:sent', { phoneNumber: sends[0].phoneNumber, messageId: 'sms-1', tempId: sends[0].tempId }), 'message:sent');
  back.close();
  await web.waitFor('mobile:disconnected', 'the phone went away');
  const again = track(await kit.connectPhone(baseUrl, 'websocket', 'phone-again', deviceId, { deviceSecret: phone.deviceSecret }));
  await kit.sleep(500);
  assert.strictEqual(again.received('send:message').length, 0, 'delivered commands are not sent to the original app again');

  kit.log('a send the phone never comes back for expires: the browser hears message:status failed');
  again.close();
  await web.waitFor('mobile:disconnected', 'the phone went away again');
  const doomed = { phoneNumber: '+15550009', message: 'too late', tempId: 'doomed-' + run };
  kit.assertAckOk(await web.ack('web:send-message', doomed), 'queued send that will expire');
  const [failed] = await web.waitFor('message:status', 'the expired send is reported failed',
    (p) => p && p.tempId === doomed.tempId);
  assert.strictEqual(failed.status, 'failed');
  assert.strictEqual(failed.messageId, doomed.tempId);
  const late = track(await kit.connectPhone(baseUrl, 'websocket', 'phone-late', deviceId, { deviceSecret: phone.deviceSecret }));
  await kit.sleep(500);
  assert.strictEqual(late.received('send:message').length, 0, 'an expired send is never handed to the phone');
  return {};
});
