'use strict';
const assert = require('assert');
// A browser coming back after the relay restarted: its stored session still works, and while the
// phone is away it is answered from storage with everything the phone sent before the restart.
// When the phone reconnects, browser commands reach it again, even once its previous socket closes.
//
// Usage: node relay-resync.js <base url> <file with the JSON line printed by relay-flow.js>
// Prints one JSON line ({"ok":true} or {"ok":false,"error":...}); exits non-zero on failure.
const fs = require('fs');
const kit = require('./relay-kit');

const baseUrl = process.argv[2];
const before = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const { deviceId, deviceSecret, sessionToken, expected } = before;

kit.main(async (track) => {
  kit.log('the session issued before the restart still verifies');
  await kit.verifySession(baseUrl, sessionToken, deviceId);

  kit.log('a browser reconnects and asks for a sync while the phone is away');
  const web = await kit.connectWeb(baseUrl, 'websocket', 'web-after-restart', sessionToken, deviceId);
  track(web);
  kit.assertAckOk(await web.ack('web:request-sync'), 'web:request-sync');
  await kit.assertStoredSync(web, expected.messages, expected.conversations);
  const queuedHere = { phoneNumber: '+15550001', message: 'anyone?', tempId: 'after-restart' };
  kit.assertAckOk(await web.ack('web:send-message', queuedHere), 'web:send-message with the phone away is queued');

  kit.log('the phone reconnects; the browser reaches it again');
  const phone = await kit.connectPhone(baseUrl, 'websocket', 'phone-after-restart', deviceId, { deviceSecret });
  track(phone);
  const [back] = await web.waitFor('mobile:connected', 'the browser hears that its phone is back');
  assert.deepStrictEqual(back, { deviceId });

  kit.log('the returning phone gets, once each and in order, what the browsers sent while it was away (also before the restart)');
  const queued = before.queued;
  for (const send of [...queued.sends, queuedHere]) {
    await phone.waitForPayload('send:message', send);
  }
  await phone.waitForPayload('mark:read', queued.markRead);
  await kit.sleep(300);
  assert.deepStrictEqual(phone.received('send:message').map((e) => e.args[0].tempId),
    [...queued.sends.map((q) => q.tempId), queuedHere.tempId], 'queued sends, in order, none twice');
  const send = { phoneNumber: '+15550001', message: 'Back again', tempId: 'after-restart-2' };
  kit.assertAckOk(await web.ack('web:send-message', send), 'web:send-message with the phone back');
  await phone.waitForPayload('send:message', send);

  kit.log('the phone reconnects before its old socket is gone: closing the old one leaves the new one reachable');
  const newer = await kit.connectPhone(baseUrl, 'websocket', 'phone-reconnected', deviceId, { authSecret: deviceSecret });
  track(newer);
  phone.close();
  await kit.withTimeout(phone.disconnected, 'the old phone socket closes');
  await kit.sleep(200); // let the relay handle the old socket's close
  const again = { phoneNumber: '+15550001', message: 'Still there?', tempId: 'after-reconnect' };
  kit.assertAckOk(await web.ack('web:send-message', again), 'web:send-message after the old phone socket closed');
  await newer.waitForPayload('send:message', again);
  return {};
});
