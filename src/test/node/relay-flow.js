'use strict';
// The whole life of a paired phone, played by the real client library as the Android and web apps
// use it: pairing by QR, then every event of the wire contract in both directions, two browsers on
// one phone, a browser of another phone that must hear nothing of it, the phone going away, and
// what the browsers get from storage once it has.
//
// Usage: node relay-flow.js <base url> <websocket|default> [<base url of a second node>]
//   websocket: transports ['websocket'], exactly like the apps; default: the client's polling + upgrade.
//   With a second node, phone one and browser B use the first, browser A (and its REST calls) the
//   second, phone two the second and browser C the first: every route then crosses nodes.
// Prints one JSON line: {"ok":true, sessionToken, deviceId, expected:{messages, conversations}, queued} for a
// later resync check, or {"ok":false,"error":...}; exits non-zero on failure.
const assert = require('assert');
const crypto = require('crypto');
const kit = require('./relay-kit');

const { log, sleep } = kit;
const baseUrl = process.argv[2];
const mode = process.argv[3] || 'websocket';
const otherUrl = process.argv[4] || baseUrl;
const sameMessages = kit.sameMessages;
const sameConversations = kit.sameConversations;

const run = crypto.randomUUID().slice(0, 8);
const PHONE_1 = 'e2e-phone-one-' + run;
const PHONE_2 = 'e2e-phone-two-' + run;
const T0 = 1718000000123; // ms timestamps beyond 32 bits: must stay integers end to end

// What the phone app sends. Key order, integers and text exactly as an app would produce them.
const C1 = 'conv-one-' + run;
const C2 = 'conv-two-' + run;
const m1 = { id: 'm1-' + run, conversationId: C1, phoneNumber: '+15550001', body: 'Hello from the phone', timestamp: T0, type: 'received', read: true, subscriptionId: 1 };
const m2 = { id: 'm2-' + run, conversationId: C1, phoneNumber: '+15550001', body: 'Réponse "quoted"\nsecond line 👍', timestamp: T0 + 1000, type: 'sent', status: 'delivered', read: true };
const m3 = { id: 'm3-' + run, conversationId: C2, phoneNumber: '+15550002', body: 'Are you coming?', timestamp: T0 + 2000, type: 'received', read: false, subscriptionId: 2 };
const m4 = { id: 'm4-' + run, conversationId: C1, phoneNumber: '+15550001', body: 'A new SMS just arrived', timestamp: T0 + 3000, type: 'received', read: false };
const m5 = { id: 'm5-' + run, conversationId: C1, phoneNumber: '+15550001', body: 'On my way', timestamp: T0 + 4000, type: 'sent', status: 'sending', read: true };
const c1 = { id: C1, phoneNumber: '+15550001', contactName: 'Alice', lastMessage: 'A new SMS just arrived', lastMessageTime: T0 + 3000, unreadCount: 1 };
const c2 = { id: C2, phoneNumber: '+15550002', lastMessage: 'Are you coming?', lastMessageTime: T0 + 2000, unreadCount: 1 };
const c1Read = { ...c1, lastMessage: 'On my way', lastMessageTime: T0 + 4000, unreadCount: 0 };
const other = { id: 'p2-' + run, conversationId: 'x1', phoneNumber: '+15559999', body: 'For the other phone only', timestamp: T0 + 5000, type: 'received', read: false };

/** The relayed array arrives exactly as sent: same values, key order, and integers written as integers. */
function assertRelayedVerbatim(web, payload, key, sent) {
  assert.deepStrictEqual(payload[key], sent);
  assert.strictEqual(JSON.stringify(payload[key]), JSON.stringify(sent), web.name + ': key order of ' + key);
  const literal = JSON.stringify(sent);
  assert.ok(web.rawFrames.some((f) => f.includes(literal)),
    web.name + ': a frame carries ' + key + ' byte for byte as the phone wrote them; frames: ' + kit.short(web.rawFrames.slice(-3)));
}

main();

function main() {
  kit.main(async () => {
    const sockets = [];
    try {
      return await flow(sockets);
    } finally {
      sockets.forEach((s) => s.close());
    }
  });
}

async function flow(sockets) {
  const track = (s) => {
    sockets.push(s);
    return s;
  };

  log('phone one connects, registers and pairs browser A, then browser B');
  const phone1 = track(await kit.connectPhone(baseUrl, mode, 'phone-one', PHONE_1));
  const tokenA = await kit.pair(otherUrl, phone1);
  const tokenB = await kit.pair(baseUrl, phone1);
  assert.notStrictEqual(tokenA, tokenB, 'each pairing is its own session');
  const webA = track(await kit.connectWeb(otherUrl, mode, 'web-A', tokenA, PHONE_1));
  const webB = track(await kit.connectWeb(baseUrl, mode, 'web-B', tokenB, PHONE_1));
  const webs = [webA, webB];

  log('phone two pairs browser C');
  const phone2 = track(await kit.connectPhone(otherUrl, mode, 'phone-two', PHONE_2));
  const webC = track(await kit.connectWeb(baseUrl, mode, 'web-C', await kit.pair(baseUrl, phone2), PHONE_2));

  log('presence: a browser that authenticates while its phone is online is told so at once');
  for (const web of [...webs, webC]) {
    const [online] = await web.waitFor('mobile:connected', 'the phone is online when the browser authenticates');
    assert.deepStrictEqual(online, { deviceId: web === webC ? PHONE_2 : PHONE_1 });
  }

  log('a batch of messages reaches both browsers as messages:sync, verbatim');
  const batch = [m1, m2, m3];
  phone1.emit('mobile:messages', { messages: batch });
  for (const web of webs) {
    const [sync] = await web.waitFor('messages:sync', 'the batch', sameMessages(batch));
    assertRelayedVerbatim(web, sync, 'messages', batch);
  }

  log('a single new message arrives as messages:sync, as the phone sent it; the phone gets {success:true}');
  kit.assertAckOk(await phone1.ack('mobile:messages', { messages: [m4] }), 'mobile:messages');
  for (const web of webs) {
    const [sync] = await web.waitFor('messages:sync', 'the single message', sameMessages([m4]));
    assertRelayedVerbatim(web, sync, 'messages', [m4]);
  }

  log('the conversation list reaches both browsers as conversations:sync');
  kit.assertAckOk(await phone1.ack('mobile:conversations', { conversations: [c1, c2] }), 'mobile:conversations');
  for (const web of webs) {
    const [sync] = await web.waitFor('conversations:sync', 'first list', sameConversations([c1, c2]));
    assertRelayedVerbatim(web, sync, 'conversations', [c1, c2]);
  }

  log('browser A sends an SMS: the phone gets send:message');
  const send = { phoneNumber: '+15550001', message: 'On my way', tempId: 'temp-' + run };
  webA.emit('web:send-message', send);
  await phone1.waitForPayload('send:message', send);

  log('the phone reports the SMS it is sending, then its status');
  phone1.emit('mobile:messages', { messages: [m5] });
  for (const web of webs) {
    await web.waitFor('messages:sync', 'the sent message', sameMessages([m5]));
  }
  kit.assertAckOk(await phone1.ack('mobile:message-status', { messageId: m5.id, status: 'sent' }), 'mobile:message-status');
  for (const web of webs) {
    await web.waitForPayload('message:status', { messageId: m5.id, status: 'sent' });
  }

  log('browser B sends with an acknowledgement, marks a conversation read and asks for a sync');
  const sendB = { phoneNumber: '+15550002', message: 'Yes, five minutes', tempId: 'temp-b-' + run };
  kit.assertAckOk(await webB.ack('web:send-message', sendB), 'web:send-message');
  await phone1.waitForPayload('send:message', sendB);
  kit.assertAckOk(await webB.ack('web:mark-read', { conversationId: C1 }), 'web:mark-read');
  await phone1.waitForPayload('mark:read', { conversationId: C1 });
  kit.assertAckOk(await webB.ack('web:request-sync'), 'web:request-sync');
  await phone1.waitFor('request:sync', 'asked by browser B');

  log('the phone answers request:sync with its conversations, as the app does');
  phone1.emit('mobile:conversations', { conversations: [c1Read, c2] });
  for (const web of webs) {
    const [sync] = await web.waitFor('conversations:sync', 'list after mark-read', sameConversations([c1Read, c2]));
    assertRelayedVerbatim(web, sync, 'conversations', [c1Read, c2]);
  }

  log('events the original ignored are still acknowledged');
  kit.assertAckOk(await phone1.ack('message:sent', { phoneNumber: '+15550001', messageId: m5.id }), 'message:sent');
  kit.assertAckOk(await phone1.ack('message:deleted', { phoneNumber: '+15550001', messageId: m1.id }), 'message:deleted');

  log('phone two and browser C talk only to each other');
  phone2.emit('mobile:messages', { messages: [other] });
  await webC.waitFor('messages:sync', 'phone two message', sameMessages([other]));
  const sendC = { phoneNumber: '+15559999', message: 'Only for phone two', tempId: 'temp-c-' + run };
  webC.emit('web:send-message', sendC);
  await phone2.waitForPayload('send:message', sendC);

  log('phone one goes away: its browsers get mobile:disconnected');
  phone1.close();
  for (const web of webs) {
    await web.waitFor('mobile:disconnected', 'phone one closed its socket');
  }

  log('offline: request-sync is answered from storage with what the phone last sent');
  const storedMessages = [m1, m2, m3, m4, { ...m5, status: 'sent' }];
  const storedConversations = [c1Read, c2];
  kit.assertAckOk(await webA.ack('web:request-sync'), 'web:request-sync while the phone is offline');
  await kit.assertStoredSync(webA, storedMessages, storedConversations);

  log('offline: send-message and mark-read go to the outbox and are acknowledged once stored');
  const offlineA = { phoneNumber: '+15550001', message: 'Lost?', tempId: 'temp-off-' + run };
  const offlineB = { phoneNumber: '+15550001', message: 'Still lost?', tempId: 'temp-off2-' + run };
  kit.assertAckOk(await webA.ack('web:send-message', offlineA), 'web:send-message while the phone is offline');
  kit.assertAckOk(await webB.ack('web:send-message', offlineB), 'web:send-message while the phone is offline');
  kit.assertAckOk(await webA.ack('web:send-message', offlineA), 'a retried send (same tempId) is accepted, not queued twice');
  kit.assertAckOk(await webA.ack('web:mark-read', { conversationId: C2 }), 'web:mark-read while the phone is offline');
  for (const web of webs) {
    assert.strictEqual(web.received('error').length, 0, web.name + ' got no error for queued commands: ' + kit.short(web.received('error')));
  }

  log('a browser that reloads while the phone is offline is told the phone is away, and gets everything from storage');
  const reloaded = track(await kit.connectWeb(otherUrl, mode, 'web-B-reloaded', tokenB, PHONE_1));
  await reloaded.waitFor('mobile:disconnected', 'the phone is offline when the browser authenticates');
  assert.strictEqual(reloaded.received('mobile:connected').length, 0, 'no mobile:connected while the phone is away');
  reloaded.emit('web:request-sync');
  await kit.assertStoredSync(reloaded, storedMessages, storedConversations);

  log('nothing crossed between the two phones');
  await sleep(300); // let anything misrouted arrive before looking
  const phoneOneIds = [m1, m2, m3, m4, m5, c1, c2].map((m) => m.id);
  for (const entry of webC.log) {
    const text = JSON.stringify(entry.args);
    assert.ok(!phoneOneIds.some((id) => text.includes(id)), 'web-C got phone one data: ' + entry.event + ' ' + kit.short(entry.args));
    assert.ok(!['mobile:disconnected', 'message:status'].includes(entry.event), 'web-C got ' + entry.event);
  }
  for (const web of [webA, webB, reloaded]) {
    assert.ok(!web.log.some((e) => JSON.stringify(e.args).includes(other.id)), web.name + ' got a message of phone two');
  }
  assert.deepStrictEqual(phone2.received('send:message').map((e) => e.args[0].tempId), [sendC.tempId], 'phone two got only browser C sends');
  assert.strictEqual(phone2.received('mark:read').length + phone2.received('request:sync').length, 0, 'phone two got phone one commands');
  assert.ok(!phone1.received('send:message').some((e) => e.args[0].tempId === sendC.tempId), 'phone one got a send of browser C');

  log('nothing the phone did not send is announced (no message:new), and nothing was relayed twice');
  for (const web of [...webs, webC]) {
    assert.strictEqual(web.received('message:new').length, 0, web.name + ' got message:new');
  }
  assert.deepStrictEqual(phone1.received('send:message').map((e) => e.args[0].tempId), [send.tempId, sendB.tempId], 'phone one sends');

  const transports = {};
  for (const s of [webA, webB, webC, phone2, reloaded]) {
    if (mode === 'default') {
      await s.upgraded();
    }
    transports[s.name] = s.transport();
  }
  return {
    mode, transports, deviceId: PHONE_1, deviceSecret: phone1.deviceSecret, sessionToken: tokenB,
    expected: { messages: storedMessages, conversations: storedConversations },
    queued: { sends: [offlineA, offlineB], markRead: { conversationId: C2 } },
  };
}
