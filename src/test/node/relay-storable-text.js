'use strict';
// Text the database cannot store is refused where input is validated, naming the field, and nothing a
// client sees quotes the database. The relay used to pass a NUL (U+0000) in a phone number, a
// conversation id or a message id on to PostgreSQL and answer with its error text ("Invalid data:
// ERROR: invalid byte sequence for encoding "UTF8": 0x00 (22021)"), and to store a lone UTF-16
// surrogate as "?", silently.
//
// Usage: node relay-storable-text.js <base url>
// Prints one JSON line ({"ok":true,...} or {"ok":false,"error":...}); exits non-zero on failure.
const assert = require('assert');
const crypto = require('crypto');
const kit = require('./relay-kit');

const { log } = kit;
const baseUrl = process.argv[2];
const run = crypto.randomUUID().slice(0, 8);
const BAD = { nul: 'a\u0000b', 'lone high surrogate': 'a\ud83db', 'lone low surrogate': 'a\ude00b' };
const STORAGE_WORDS = /ERROR:|UTF8|0x00|22021|invalid byte sequence|SQLSTATE|postgres/i;

function message(id, fields = {}) {
  return { id, conversationId: 'c-' + run, phoneNumber: '+15550100', body: 'hello', timestamp: Date.now(), type: 'received', read: false, ...fields };
}

function conversation(id, fields = {}) {
  return { id, phoneNumber: '+15550100', contactName: 'Alice', lastMessage: 'hello', lastMessageTime: Date.now(), unreadCount: 1, ...fields };
}

/** The event is refused to its sender: failing ack naming `field`, an `error` event alike, no storage words. */
async function refused(app, what, field, event, payload) {
  const ack = await app.ack(event, payload);
  kit.assertAckFailed(ack, what);
  assert.ok(ack.error.includes(field), what + ': the error names ' + field + ', got ' + kit.short(ack));
  assert.ok(!STORAGE_WORDS.test(ack.error), what + ': the error quotes storage: ' + ack.error);
  assert.strictEqual(ack.code, 'bad_request', what + ': code, got ' + kit.short(ack));
  assert.strictEqual(ack.retryable, false, what + ': retryable');
  const [error] = await app.waitFor('error', what, (p) => p && p.message === ack.error);
  assert.strictEqual(error.code, 'bad_request', what + ': error event code');
  return ack.error;
}

kit.main(async (track) => {
  const phone = track(await kit.connectPhone(baseUrl, 'websocket', 'phone', 'e2e-text-' + run));
  const web = track(await kit.connectWeb(baseUrl, 'websocket', 'web', await kit.pair(baseUrl, phone), phone.deviceId));
  const stranger = track(await new kit.AppSocket('stranger', baseUrl, 'websocket').connect());
  const errors = [];
  let n = 0;

  for (const [kind, bad] of Object.entries(BAD)) {
    log('a phone and a browser send text with a ' + kind);
    const id = () => 'm-' + run + '-' + (n++);
    for (const field of ['conversationId', 'phoneNumber', 'body', 'type', 'status']) {
      errors.push(await refused(phone, 'mobile:messages ' + field + ' with a ' + kind, 'messages[0].' + field,
        'mobile:messages', { messages: [message(id(), { [field]: bad })] }));
    }
    errors.push(await refused(phone, 'a message id with a ' + kind, 'messages[1].id',
      'mobile:messages', { messages: [message(id()), message(bad)] }));
    errors.push(await refused(phone, 'an extra field of a message with a ' + kind, 'messages[0].extra.note',
      'mobile:messages', { messages: [message(id(), { extra: { note: bad } })] }));
    errors.push(await refused(phone, 'a field name with a ' + kind, 'Invalid field name in messages[0]',
      'mobile:messages', { messages: [message(id(), { [bad]: 1 })] }));
    for (const field of ['id', 'phoneNumber', 'contactName', 'lastMessage']) {
      errors.push(await refused(phone, 'mobile:conversations ' + field + ' with a ' + kind, 'conversations[0].' + field,
        'mobile:conversations', { conversations: [conversation('c-' + run, { [field]: bad })] }));
    }
    errors.push(await refused(phone, 'a status\'s messageId with a ' + kind, 'messageId', 'mobile:message-status', { messageId: bad, status: 'sent' }));
    errors.push(await refused(phone, 'a status with a ' + kind, 'status', 'mobile:message-status', { messageId: 'm-1', status: bad }));
    errors.push(await refused(phone, 'message:sent tempId with a ' + kind, 'tempId', 'message:sent', { tempId: bad }));
    for (const field of ['phoneNumber', 'message', 'tempId']) {
      const send = { phoneNumber: '+15550100', message: 'hi', tempId: 't-' + run + '-' + (n++), [field]: bad };
      errors.push(await refused(web, 'web:send-message ' + field + ' with a ' + kind, field, 'web:send-message', send));
    }
    errors.push(await refused(web, 'web:mark-read with a ' + kind, 'conversationId', 'web:mark-read', { conversationId: bad }));
    for (const field of ['deviceId', 'deviceName', 'deviceModel']) {
      const register = { deviceId: 'e2e-text-new-' + run + '-' + (n++), deviceName: 'n', deviceModel: 'm', [field]: field === 'deviceId' ? 'x' + bad : bad };
      errors.push(await refused(stranger, 'mobile:register ' + field + ' with a ' + kind, field, 'mobile:register', register));
    }
  }

  log('nothing refused was stored or relayed; the phone got no command');
  assert.ok(!web.received('messages:sync').some((e) => e.args[0].messages.some((m) => m.id !== undefined && String(m.id).startsWith('m-' + run))),
    'a refused message reached the browser');
  assert.strictEqual(phone.received('send:message').length, 0, 'a refused send reached the phone');
  assert.strictEqual(phone.received('mark:read').length, 0, 'a refused read mark reached the phone');

  log('the connections keep working, and text beyond the BMP (a surrogate pair) is stored as sent');
  const emoji = message('m-ok-' + run, { body: 'see you \ud83d\ude00', phoneNumber: '+1555\u00a00100' });
  kit.assertAckOk(await phone.ack('mobile:messages', { messages: [emoji] }), 'a message with an emoji');
  assert.deepStrictEqual(await kit.relayedMessage(web, 'the emoji message', emoji.id), emoji, 'relayed as sent');
  web.emit('web:request-sync');
  const [stored] = await web.waitFor('messages:sync', 'the stored thread', (p) => p.messages.some((m) => m.id === emoji.id));
  assert.deepStrictEqual(stored.messages.find((m) => m.id === emoji.id), emoji, 'stored as sent');
  kit.assertAckOk(await web.ack('web:send-message', { phoneNumber: '+15550100', message: 'ok \ud83d\ude00', tempId: 't-ok-' + run }), 'a send with an emoji');
  await phone.waitForPayload('send:message', { message: 'ok \ud83d\ude00' });

  log('REST: a deviceId with a NUL is an unknown device, not a database error');
  const rest = [];
  for (const [method, path] of [['GET', '/api/devices/a%00b/sessions'], ['DELETE', '/api/devices/a%00b/sessions'],
    ['GET', '/api/devices/a%ED%A0%80b/sessions']]) {
    const r = await kit.request(baseUrl, method, path, undefined, { Authorization: 'Bearer ' + phone.deviceSecret });
    assert.strictEqual(r.status, 401, method + ' ' + path + ': status, body ' + r.text);
    assert.deepStrictEqual(r.json, { success: false, error: 'Device secret required' }, method + ' ' + path);
    rest.push(r.status);
  }
  return { refusals: errors.length, sample: errors.slice(0, 3), rest };
});
