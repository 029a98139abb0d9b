'use strict';
// What an operator tries by hand right after a deploy, with the official socket.io-client: a phone
// and a browser pair by QR, the phone's SMS reaches the browser, and the browser's reply reaches the
// phone. The phone uses websocket only, as the Android app does; the browser starts on polling and
// upgrades, as the web app's default transports do, so both transports are exercised.
//
// Usage: node image-smoke.js <base url>
// Prints one JSON line ({"ok":true, deviceId} or {"ok":false,"error":...}); exits non-zero on failure.
const assert = require('assert');
const crypto = require('crypto');
const kit = require('./relay-kit');

const { log } = kit;
const baseUrl = process.argv[2];
const run = crypto.randomUUID().slice(0, 8);
const deviceId = 'image-phone-' + run;

kit.main(async (track) => {
  log('the phone connects and registers');
  const phone = track(await kit.connectPhone(baseUrl, 'websocket', 'phone', deviceId));

  log('a browser asks for a QR, the phone scans it, the browser gets a session');
  const sessionToken = await kit.pair(baseUrl, phone);
  const web = track(await kit.connectWeb(baseUrl, 'default', 'browser', sessionToken, deviceId));
  await web.upgraded();

  log('an SMS arrives on the phone and reaches the browser');
  const sms = {
    id: 'image-m1-' + run, conversationId: 'image-c1-' + run, phoneNumber: '+15550100',
    body: 'Deployed?', timestamp: 1718000000123, type: 'received', read: false,
  };
  kit.assertAckOk(await phone.ack('mobile:messages', { messages: [sms] }), 'mobile:messages');
  assert.deepStrictEqual(await kit.relayedMessage(web, 'the phone\'s SMS', sms.id), sms);

  log('the browser replies and the phone is asked to send it');
  const reply = { phoneNumber: sms.phoneNumber, message: 'Yes, all green', tempId: 'image-t1-' + run };
  kit.assertAckOk(await web.ack('web:send-message', reply), 'web:send-message');
  await phone.waitForPayload('send:message', reply);

  return { deviceId };
});
