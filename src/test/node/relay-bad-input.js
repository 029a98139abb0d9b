'use strict';
// What the relay does with input the apps never send: wrong types, missing fields, unknown events,
// browser commands before authentication or from a phone socket, forged session tokens and
// oversized messages. Each refusal is an `error {message}` to the sender plus a failing ack, nothing
// reaches anyone else, and the same connection (or, after an oversized frame, every other one)
// keeps working.
//
// Usage: node relay-bad-input.js <base url> <max payload bytes>
// Prints one JSON line ({"ok":true} or {"ok":false,"error":...}); exits non-zero on failure.
const assert = require('assert');
const crypto = require('crypto');
const kit = require('./relay-kit');

const { log, sleep } = kit;
const baseUrl = process.argv[2];
const maxPayload = Number(process.argv[3] || 1000000);
const run = crypto.randomUUID().slice(0, 8);
const PHONE = 'e2e-bad-input-phone-' + run;

const message = (id, body) => ({ id, conversationId: 'conv-' + run, phoneNumber: '+15550100', body, timestamp: 1718000000000, type: 'received', read: false });

/** The event is refused: a failing ack, and an `error {message}` event to the sender. */
async function refused(socket, event, ...args) {
  const what = socket.name + ' ' + event + ' ' + kit.short(args);
  kit.assertAckFailed(await socket.ack(event, ...args), what);
  await socket.waitForError(what);
}

/** The same, for a client that asks no ack (as the apps do). */
async function refusedWithoutAck(socket, event, ...args) {
  socket.emit(event, ...args);
  await socket.waitForError(socket.name + ' ' + event + ' ' + kit.short(args) + ' without ack');
}

kit.main(async (track) => {
  const phone = track(await kit.connectPhone(baseUrl, 'websocket', 'phone', PHONE));
  const token = await kit.pair(baseUrl, phone);
  const web = track(await kit.connectWeb(baseUrl, 'websocket', 'web', token, PHONE));

  log('phone events with wrong types or missing fields are refused');
  await refused(phone, 'mobile:messages', { messages: 'not an array' });
  await refused(phone, 'mobile:messages', {});
  await refused(phone, 'mobile:messages', 'just a string');
  await refused(phone, 'mobile:messages', { messages: [42, 'x'] });
  await refused(phone, 'mobile:messages');
  await refused(phone, 'mobile:conversations', { conversations: { id: 'c' } });
  await refused(phone, 'mobile:conversations', null);
  await refused(phone, 'mobile:message-status', { status: 'sent' });
  await refused(phone, 'mobile:message-status', { messageId: 'm', status: { nested: true } });
  await refused(phone, 'mobile:scan-qr', { deviceId: PHONE });
  await refused(phone, 'mobile:scan-qr', { qrData: 12345, deviceId: PHONE });
  await refusedWithoutAck(phone, 'mobile:messages', { messages: 7 });
  await refusedWithoutAck(phone, 'mobile:conversations', []);

  log('unknown events are refused');
  await refused(phone, 'mobile:teleport', { to: 'mars' });
  await refused(web, 'web:teleport', { to: 'mars' });
  await refusedWithoutAck(web, 'something-else');

  log('a phone socket cannot act as a browser');
  await refused(phone, 'web:send-message', { phoneNumber: '+15550100', message: 'from the phone socket', tempId: 't-phone' });
  await refused(phone, 'web:request-sync');

  log('browser commands with wrong types or missing fields are refused');
  await refused(web, 'web:send-message', {});
  await refused(web, 'web:send-message', { message: 'no number', tempId: 't1' });
  await refused(web, 'web:send-message', { phoneNumber: '+15550100', message: { text: 'not a string' }, tempId: 't2' });
  await refused(web, 'web:send-message', { phoneNumber: ['+15550100'], message: 'number is a list', tempId: 't3' });
  await refused(web, 'web:send-message', 'just a string');
  await refused(web, 'web:mark-read', {});
  await refused(web, 'web:mark-read', { conversationId: { id: 'c' } });
  await refusedWithoutAck(web, 'web:send-message', { phoneNumber: 15550100 });

  log('nothing refused reached the other side');
  await sleep(200);
  for (const event of ['send:message', 'mark:read', 'request:sync']) {
    assert.deepStrictEqual(phone.received(event), [], 'phone got ' + event + ' from a refused command');
  }
  for (const event of ['message:new', 'message:status']) {
    assert.deepStrictEqual(web.received(event), [], 'web got ' + event + ' from a refused phone event');
  }
  // A sync the relay may push on its own carries nothing yet: the phone has sent nothing valid.
  for (const e of [...web.received('messages:sync'), ...web.received('conversations:sync')]) {
    assert.ok(Object.values(e.args[0] || {}).every((v) => !Array.isArray(v) || v.length === 0), 'web got refused data: ' + e.event + ' ' + kit.short(e.args));
  }

  log('both connections still work, and good events are acknowledged without errors');
  const errorsBefore = phone.received('error').length + web.received('error').length;
  const good = message('good-' + run, 'still here');
  kit.assertAckOk(await phone.ack('mobile:messages', { messages: [good] }), 'good mobile:messages');
  assert.deepStrictEqual(await kit.relayedMessage(web, 'good message', good.id), good);
  const send = { phoneNumber: '+15550100', message: 'still here too', tempId: 't-good' };
  kit.assertAckOk(await web.ack('web:send-message', send), 'good web:send-message');
  await phone.waitForPayload('send:message', send);
  await sleep(100);
  assert.strictEqual(phone.received('error').length + web.received('error').length, errorsBefore, 'no error for good events');

  log('browser events before web:authenticate are refused, and bad credentials do not authenticate');
  const stranger = track(await new kit.AppSocket('stranger', baseUrl, 'websocket').connect());
  await refused(stranger, 'web:send-message', { phoneNumber: '+15550100', message: 'sneaky', tempId: 't-sneaky' });
  await refused(stranger, 'web:mark-read', { conversationId: 'conv-' + run });
  await refused(stranger, 'web:request-sync');
  await refusedWithoutAck(stranger, 'web:request-sync');
  await refused(stranger, 'web:authenticate', {});
  await refused(stranger, 'web:authenticate', { sessionToken: 12345 });
  await refused(stranger, 'web:authenticate', { sessionToken: 'not-a-jwt' });
  // An unsigned token naming the phone: a server that trusts "alg":"none" would let anyone in.
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = b64({ alg: 'none', typ: 'JWT' }) + '.' + b64({ sub: crypto.randomUUID(), deviceId: PHONE, iss: 'relay', aud: 'relay-web', exp: 9999999999 }) + '.';
  await refused(stranger, 'web:authenticate', { sessionToken: unsigned });
  // The real token with its signature changed.
  const parts = token.split('.');
  if (parts.length === 3) {
    const sig = parts[2];
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    await refused(stranger, 'web:authenticate', { sessionToken: parts[0] + '.' + parts[1] + '.' + flipped });
  }
  await refused(stranger, 'web:send-message', { phoneNumber: '+15550100', message: 'still not in', tempId: 't-sneaky-2' });
  assert.ok(!stranger.received('authenticated').length, 'stranger was never authenticated');
  await sleep(100);
  assert.ok(!phone.received('send:message').some((e) => String(e.args[0].tempId).startsWith('t-sneaky')), 'an unauthenticated send reached the phone');
  assert.ok(!stranger.received('messages:sync').length && !stranger.received('message:new').length, 'stranger got phone data');

  log('after all that, the same socket authenticates with the real token and works');
  kit.assertAckOk(await stranger.ack('web:authenticate', { sessionToken: token }), 'web:authenticate with the real token');
  await stranger.waitForPayload('authenticated', { success: true, deviceId: PHONE });
  const afterAuth = message('after-auth-' + run, 'welcome');
  phone.emit('mobile:messages', { messages: [afterAuth] });
  assert.deepStrictEqual(await kit.relayedMessage(stranger, 'after authenticating', afterAuth.id), afterAuth);

  log('a message just under the size limit is relayed');
  const big = message('big-' + run, 'b'.repeat(maxPayload - 4096));
  kit.assertAckOk(await phone.ack('mobile:messages', { messages: [big] }), 'message near the limit');
  const bigNew = await kit.relayedMessage(web, 'message near the limit', big.id);
  assert.strictEqual(bigNew.body.length, big.body.length);

  log('an oversized message from a browser closes that browser only');
  const second = track(await kit.connectWeb(baseUrl, 'websocket', 'web-2', token, PHONE));
  second.emit('web:send-message', { phoneNumber: '+15550100', message: 'w'.repeat(maxPayload + 1000), tempId: 't-huge' });
  const reason = await kit.withTimeout(second.disconnected, 'the oversized browser is disconnected');
  assert.ok(['transport close', 'transport error', 'io server disconnect'].includes(reason), 'disconnect reason ' + reason);
  const afterHugeWeb = message('after-huge-web-' + run, 'others unaffected');
  phone.emit('mobile:messages', { messages: [afterHugeWeb] });
  await kit.relayedMessage(web, 'after the oversized browser', afterHugeWeb.id);
  assert.ok(!phone.received('send:message').some((e) => e.args[0].tempId === 't-huge'), 'the oversized send reached the phone');

  log('an oversized message from the phone closes the phone only; it reconnects and works');
  phone.emit('mobile:messages', { messages: [message('huge-' + run, 'h'.repeat(maxPayload + 1000))] });
  const phoneReason = await kit.withTimeout(phone.disconnected, 'the oversized phone is disconnected');
  assert.ok(['transport close', 'transport error', 'io server disconnect'].includes(phoneReason), 'disconnect reason ' + phoneReason);
  await web.waitFor('mobile:disconnected', 'the oversized phone was closed');
  assert.ok(!web.received('messages:sync').some((e) => JSON.stringify(e.args).includes('huge-' + run)), 'the oversized message was relayed');
  kit.assertAckOk(await web.ack('web:request-sync'), 'the browser still works while the phone is away');
  const back = track(await new kit.AppSocket('phone-back', baseUrl, 'websocket').connect());
  await refused(back, 'mobile:register', { deviceName: 'no id', deviceModel: 'Pixel 8' });
  await refused(back, 'mobile:register', { deviceId: { id: PHONE }, deviceName: 'id is an object', deviceModel: 'Pixel 8' });
  kit.assertAckOk(await back.ack('mobile:register', { deviceId: PHONE, deviceName: 'phone-back', deviceModel: 'Pixel 8', deviceSecret: phone.deviceSecret }), 'mobile:register');
  await back.waitForPayload('authenticated', { success: true });
  const sendBack = { phoneNumber: '+15550100', message: 'welcome back', tempId: 't-back' };
  kit.assertAckOk(await web.ack('web:send-message', sendBack), 'send to the returned phone');
  await back.waitForPayload('send:message', sendBack);

  log('an oversized message over HTTP long-polling closes that connection only');
  const polling = track(await new kit.AppSocket('polling-phone', baseUrl, 'polling').connect());
  polling.emit('mobile:register', { deviceId: 'e2e-polling-phone-' + run, deviceName: 'polling', deviceModel: 'Pixel 8' });
  await polling.waitForPayload('authenticated', { success: true });
  polling.emit('mobile:messages', { messages: [message('huge-poll-' + run, 'p'.repeat(maxPayload + 1000))] });
  const pollReason = await kit.withTimeout(polling.disconnected, 'the oversized polling client is disconnected');
  assert.ok(['transport close', 'transport error', 'io server disconnect'].includes(pollReason), 'disconnect reason ' + pollReason);
  const last = message('last-' + run, 'the end');
  kit.assertAckOk(await back.ack('mobile:messages', { messages: [last] }), 'phone after the polling client was closed');
  await kit.relayedMessage(web, 'last message', last.id);
  return {};
});
