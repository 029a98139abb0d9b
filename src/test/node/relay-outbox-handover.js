'use strict';
// A send is stored and acknowledged, then the database fails while the relay hands it to the phone
// (the test's control endpoint makes recording that hand-over fail, then lets it succeed again). The
// phone must still get it, by itself (no other send comes to nudge it out), and only once, even when
// a later send makes the relay hand over the phone's outbox again.
//
// Usage: node relay-outbox-handover.js <base url> <control url>
//   POST <control url>/refuse-handover?key=<tempId>   recording that command as delivered fails
//   POST <control url>/accept-handover                it succeeds again
// Prints one JSON line ({"ok":true} or {"ok":false,"error":...}); exits non-zero on failure.
const assert = require('assert');
const crypto = require('crypto');
const kit = require('./relay-kit');

const baseUrl = process.argv[2];
const controlUrl = process.argv[3];
const run = crypto.randomUUID().slice(0, 8);

async function control(path) {
  const response = await fetch(controlUrl + path, { method: 'POST', signal: AbortSignal.timeout(30000) });
  assert.strictEqual(response.status, 200, 'control ' + path + ': ' + await response.text());
}

kit.main(async () => {
  const sockets = [];
  try {
    const deviceId = 'handover-phone-' + run;
    const phone = await kit.connectPhone(baseUrl, 'websocket', 'phone', deviceId);
    sockets.push(phone);
    const token = await kit.pair(baseUrl, phone);
    const web = await kit.connectWeb(baseUrl, 'websocket', 'web', token, deviceId);
    sockets.push(web);
    const first = { phoneNumber: '+15550199', message: 'first', tempId: 'first-' + run };
    const second = { phoneNumber: '+15550199', message: 'second', tempId: 'second-' + run };
    const handed = (tempId) => phone.received('send:message').filter((e) => e.args[0].tempId === tempId).length;

    kit.log('the hand-over of the first send fails on storage after the send was acknowledged');
    await control('/refuse-handover?key=' + encodeURIComponent(first.tempId));
    kit.assertAckOk(await web.ack('web:send-message', first), 'the first send is stored');
    await kit.sleep(700);

    kit.log('storage is back: the phone gets it without anything else happening');
    await control('/accept-handover');
    await phone.waitForPayload('send:message', { tempId: first.tempId }, 'the first send, handed over again by the relay itself');

    kit.log('another send hands the outbox over again: the first is not sent twice');
    kit.assertAckOk(await web.ack('web:send-message', second), 'the second send is stored');
    await phone.waitForPayload('send:message', { tempId: second.tempId }, 'the second send');
    await kit.sleep(500);
    assert.strictEqual(handed(first.tempId), 1, 'times the first send reached the phone');
    assert.strictEqual(handed(second.tempId), 1, 'times the second send reached the phone');
    return {};
  } finally {
    sockets.forEach((s) => s.close());
  }
});
