'use strict';
// Relay first, write behind: a phone event reaches the browsers before it is stored, and the phone's ack
// waits for the write. Run against a node whose write-behind window is long (seconds), so that the
// order of what happens is visible from outside:
//   1. the live browser gets the event while the phone still waits for its ack;
//   2. a browser that resumes in that window (from a number before the event) still gets it: its
//      node makes the phone's node settle the writes behind what it relayed before reading the log;
//   3. the phone's ack comes once the event is stored, and then a resume finds it too.
//
// Usage: node relay-write-behind.js <base url>
// Prints one JSON line ({"ok":true} or {"ok":false,"error":...}); exits non-zero on failure.
const assert = require('assert');
const crypto = require('crypto');
const kit = require('./relay-kit');

const baseUrl = process.argv[2];
const run = crypto.randomUUID().slice(0, 8);
const T0 = 1719000000000;
const msg = (n) => ({ id: 'wb' + n + '-' + run, conversationId: 'c1', phoneNumber: '+15550100', body: 'text ' + n, timestamp: T0 + n, type: 'received', read: false });

kit.main(async (track) => {
  const deviceId = 'write-behind-phone-' + run;
  const phone = track(await kit.connectPhone(baseUrl, 'websocket', 'phone', deviceId));
  const token = await kit.pair(baseUrl, phone);
  const live = track(await kit.connectWeb(baseUrl, 'websocket', 'live', token, deviceId));

  kit.log('a first event, acknowledged (stored): where the resuming browser will start from');
  kit.assertAckOk(await phone.ack('mobile:messages', { messages: [msg(1)] }), 'first batch');
  const [first] = await live.waitFor('messages:sync', 'the first batch');

  kit.log('the second event reaches the live browser before the phone is acknowledged');
  let ackedAt = null;
  const acked = phone.ack('mobile:messages', { messages: [msg(2)] }).then((a) => { ackedAt = Date.now(); return a; });
  const [second] = await live.waitFor('messages:sync', 'the second batch, live');
  const liveAt = Date.now();
  assert.strictEqual(ackedAt, null, 'the phone was acknowledged before the browser got the event: not relayed first');
  assert.ok(second.seq > first.seq, 'numbered after the first: ' + kit.short(second));
  assert.strictEqual(second.prevSeq, first.seq, 'names the first as the one before it: ' + kit.short(second));

  kit.log('a browser resuming now, before the write landed, still gets it');
  const resumer = track(await kit.connectWeb(baseUrl, 'websocket', 'resumer', token, deviceId));
  kit.assertAckOk(await resumer.ack('web:request-sync', { since: first.seq }), 'web:request-sync {since}');
  const [replayed] = await resumer.waitFor('messages:sync', 'the second batch, replayed');
  assert.deepStrictEqual(replayed.messages.map((m) => m.id), [msg(2).id], 'the replay holds the event relayed before it was stored');
  assert.strictEqual(replayed.seq, second.seq);
  const [done] = await resumer.waitFor('sync:complete', 'the end of the replay');
  assert.strictEqual(done.seq, second.seq);

  kit.log('the phone is acknowledged once the event is stored');
  kit.assertAckOk(await acked, 'second batch');
  assert.ok(ackedAt - liveAt >= 300, `acknowledged ${ackedAt - liveAt} ms after the live delivery: expected the write-behind window`);
});
