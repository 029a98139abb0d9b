'use strict';
// A browser that was away resumes exactly where it left off: every event the phone's browsers were
// sent carries an increasing sequence number and the number of the event before it (`prevSeq`; one
// phone connection on one node numbers without gaps), and `web:request-sync {since}` replays what came after it,
// in order, ending with `sync:complete {seq}`; a browser whose number the relay cannot resume from
// is told (`sync:reset`) and gets a full sync from storage. What the phone wrote is what browsers get: live, byte
// for byte (the relay adds its numbering to the phone's own text and encodes nothing again), and replayed, value for value.
//
// Usage: node relay-resume.js <base url>
// Prints one JSON line ({"ok":true} or {"ok":false,"error":...}); exits non-zero on failure.
const assert = require('assert');
const crypto = require('crypto');
const kit = require('./relay-kit');

const baseUrl = process.argv[2];
const run = crypto.randomUUID().slice(0, 8);
const T0 = 1719000000000;
const msg = (n, conv) => ({ id: 'r' + n + '-' + run, conversationId: conv, phoneNumber: '+15550100', body: 'text ' + n, timestamp: T0 + n, type: 'received', read: false });

kit.main(async (track) => {
  const deviceId = 'resume-phone-' + run;
  const phone = track(await kit.connectPhone(baseUrl, 'websocket', 'phone', deviceId));
  const token = await kit.pair(baseUrl, phone);
  const web = track(await kit.connectWeb(baseUrl, 'websocket', 'web', token, deviceId));

  kit.log('live events carry the sequence number');
  kit.assertAckOk(await phone.ack('mobile:messages', { messages: [msg(1, 'c1'), msg(2, 'c1')] }), 'first batch');
  const [first] = await web.waitFor('messages:sync', 'the first batch');
  assert.ok(Number.isInteger(first.seq) && first.seq >= 1, 'seq on messages:sync: ' + kit.short(first));
  const seen = first.seq;

  kit.log('the browser goes away; the phone goes on');
  web.close();
  const missed = [
    ['mobile:messages', { messages: [msg(3, 'c1'), msg(4, 'c2')] }, 'messages:sync'],
    ['mobile:messages', { messages: [msg(5, 'c2')] }, 'messages:sync'],
    ['mobile:message-status', { messageId: msg(5, 'c2').id, status: 'delivered' }, 'message:status'],
    ['mobile:conversations', { conversations: [{ id: 'c1', phoneNumber: '+15550100', lastMessage: 'x', lastMessageTime: T0 + 4, unreadCount: 2 }] }, 'conversations:sync'],
  ];
  for (const [event, payload] of missed) {
    kit.assertAckOk(await phone.ack(event, payload), event);
  }

  kit.log('back, it resumes from the last number it saw: exactly what it missed, in order, then sync:complete');
  const back = track(await kit.connectWeb(baseUrl, 'websocket', 'web-back', token, deviceId));
  kit.assertAckOk(await back.ack('web:request-sync', { since: seen }), 'web:request-sync {since}');
  const [done] = await back.waitFor('sync:complete', 'the end of the replay');
  assert.deepStrictEqual(done, { seq: seen + missed.length });
  const replayed = back.log.filter((e) => ['messages:sync', 'message:status', 'conversations:sync', 'message:new'].includes(e.event));
  assert.deepStrictEqual(replayed.map((e) => e.event), missed.map((m) => m[2]), 'events in the order the phone sent them, no message:new replayed');
  replayed.forEach((e, i) => {
    const { seq, prevSeq, ...rest } = e.args[0];
    assert.strictEqual(seq, seen + 1 + i, 'one connection numbers without gaps');
    assert.strictEqual(prevSeq, seq - 1, 'each names the one before it');
    assert.deepStrictEqual(rest, missed[i][1], 'replayed as the phone sent it');
  });

  kit.log('resuming from the current number replays nothing');
  kit.assertAckOk(await back.ack('web:request-sync', { since: done.seq }), 'resume when current');
  const [again] = await back.waitFor('sync:complete', 'an empty replay');
  assert.deepStrictEqual(again, { seq: done.seq });

  kit.log('a number the relay never gave (a browser from another database) gets sync:reset and a full sync');
  kit.assertAckOk(await back.ack('web:request-sync', { since: done.seq + 1000 }), 'resume from an unknown number');
  const [reset] = await back.waitFor('sync:reset', 'the reset');
  assert.strictEqual(reset.seq, done.seq);
  await back.waitFor('sync:complete', 'the end of the full sync', (p) => p && p.seq === done.seq);
  const afterReset = back.log.slice(back.log.findIndex((e) => e.event === 'sync:reset'));
  const full = afterReset.filter((e) => e.event === 'messages:sync').map((e) => e.args[0]);
  assert.deepStrictEqual(full.map((p) => p.seq), [done.seq, done.seq], 'one thread per conversation, each current to the reset');
  assert.deepStrictEqual(full.map((p) => p.messages.length).sort(), [2, 3], 'the two threads hold all 5 messages');

  kit.log('a phone event written by hand (spaces, 1e2, 2.50, escapes) reaches a browser live as the phone wrote it, byte for byte, and from the log alike');
  const handId = 'hand-' + run;
  const handText = '{ "messages" : [ {"id":"' + handId + '", "body":"caf\\u00e9 \\"1e2\\" [ok] {}", "count":1e2, "price":2.50, '
    + '"timestamp":' + (T0 + 9) + ', "nested":{"a":[1, {}, []]} } ] }';
  phone.socket.io.engine.send('2["mobile:messages", ' + handText + ']');
  const [hand] = await back.waitFor('messages:sync', 'the hand-written event', (p) => p.messages.some((m) => m.id === handId));
  assert.strictEqual(hand.messages[0].body, 'caf\u00e9 "1e2" [ok] {}');
  assert.strictEqual(hand.messages[0].count, 100);
  const framed = (seq, prev) => '2["messages:sync",' + handText.slice(0, -1) + ',"seq":' + seq + ',"prevSeq":' + prev + '}]';
  const live = framed(hand.seq, hand.prevSeq);
  assert.ok(back.rawFrames.includes(live), 'live: the phone\'s text and the numbering, byte for byte; got '
    + kit.short(back.rawFrames.filter((f) => f.includes(handId))));
  kit.assertAckOk(await back.ack('web:request-sync', { since: hand.prevSeq }), 'resume before the hand-written event');
  const [replayedHand] = await back.waitFor('messages:sync', 'the hand-written event replayed', (p) => p.messages.some((m) => m.id === handId));
  assert.deepStrictEqual(replayedHand, hand, 'from the log: what the phone wrote, numbered as it was live');
  await back.waitFor('sync:complete', 'the end of that replay', (p) => p && p.seq === hand.seq);

  kit.log('a malformed since is refused with an error');
  kit.assertAckFailed(await back.ack('web:request-sync', { since: 'yesterday' }), 'since must be a number');
  await back.waitForError('a malformed since');
  return {};
});
