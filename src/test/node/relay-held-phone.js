'use strict';
// A phone held on a node until the node lets it go: it registers, pairs, sends three batches of SMS (each
// acknowledged, so stored), prints {"held":true,"deviceId":...}, and then waits for the node to close its
// connection (a drain), and prints the result line. The test stops the node and reads the database after it.
//
// Usage: node relay-held-phone.js <base url>
// Prints {"held":...} once the phone is in place, then one JSON line ({"ok":true, ...} or {"ok":false,"error":...}).
const crypto = require('crypto');
const kit = require('./relay-kit');

const baseUrl = process.argv[2];
const run = crypto.randomUUID().slice(0, 8);
const T0 = 1719000000000;
const msg = (n) => ({ id: 'held' + n + '-' + run, conversationId: 'c1', phoneNumber: '+15550100', body: 'text ' + n, timestamp: T0 + n, type: 'received', read: false });

kit.main(async (track) => {
  const deviceId = 'held-phone-' + run;
  const phone = track(await kit.connectPhone(baseUrl, 'websocket', 'phone', deviceId));
  await kit.pair(baseUrl, phone);
  for (let n = 1; n <= 3; n++) {
    kit.assertAckOk(await phone.ack('mobile:messages', { messages: [msg(n)] }), 'batch ' + n);
  }
  console.log(JSON.stringify({ held: true, deviceId }));
  await kit.withTimeout(phone.disconnected, 'the node letting the phone go', 120000);
  kit.log('disconnected: ' + phone.disconnectReason);
  return { deviceId, disconnectReason: phone.disconnectReason };
});
