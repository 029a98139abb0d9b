'use strict';
// The phone controls its paired browsers: it lists them and revokes one or all, over Socket.IO and
// over REST with its device secret. A revoked browser hears `error {message:"Session revoked"}` and is
// disconnected at once, on whichever node it is connected to, and its token no longer verifies.
//
// Usage: node relay-sessions.js <base url> <base url of a second node>
// Prints one JSON line ({"ok":true} or {"ok":false,"error":...}); exits non-zero on failure.
const assert = require('assert');
const crypto = require('crypto');
const kit = require('./relay-kit');

const { log } = kit;
const baseUrl = process.argv[2];
const otherUrl = process.argv[3] || baseUrl;
const run = crypto.randomUUID().slice(0, 8);
const PHONE = 'e2e-sessions-phone-' + run;
const OTHER = 'e2e-sessions-other-' + run;

/** The session id inside a session token (its `sid` claim). */
const sid = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).sid;

const api = (url, method, path, secret) =>
  kit.request(url, method, path, undefined, secret === undefined ? {} : { Authorization: 'Bearer ' + secret });

async function revokedLive(web) {
  await web.waitForError(web.name + ' is told', 'Session revoked');
  const reason = await kit.withTimeout(web.disconnected, web.name + ' is disconnected');
  assert.strictEqual(reason, 'io server disconnect', web.name + ' disconnect reason');
}

async function refusedAfterwards(token) {
  const r = await kit.request(baseUrl, 'POST', '/api/auth/verify', { sessionToken: token });
  assert.strictEqual(r.status, 401, 'verify of a revoked session: ' + r.text);
  const again = await new kit.AppSocket('web-again', otherUrl, 'websocket').connect();
  try {
    kit.assertAckFailed(await again.ack('web:authenticate', { sessionToken: token }), 'web:authenticate with a revoked session');
    await again.waitForError('revoked session refused', 'Invalid or expired session');
  } finally {
    again.close();
  }
}

kit.main(async (track) => {
  const phone = track(await kit.connectPhone(baseUrl, 'websocket', 'phone', PHONE));
  const tokens = { A: await kit.pair(baseUrl, phone), B: await kit.pair(baseUrl, phone), C: await kit.pair(baseUrl, phone) };
  const webA = track(await kit.connectWeb(baseUrl, 'websocket', 'web-A', tokens.A, PHONE));
  const webB = track(await kit.connectWeb(otherUrl, 'websocket', 'web-B', tokens.B, PHONE));
  const webC = track(await kit.connectWeb(otherUrl, 'websocket', 'web-C', tokens.C, PHONE));
  const other = track(await kit.connectPhone(baseUrl, 'websocket', 'other-phone', OTHER));

  log('the phone lists its browsers over Socket.IO');
  kit.assertAckOk(await phone.ack('mobile:list-sessions'), 'mobile:list-sessions');
  const [listed] = await phone.waitFor('sessions:list', 'the list');
  const ids = listed.sessions.map((s) => s.sessionId).sort();
  assert.deepStrictEqual(ids, [sid(tokens.A), sid(tokens.B), sid(tokens.C)].sort());
  for (const s of listed.sessions) {
    assert.deepStrictEqual(Object.keys(s).sort(), ['createdAt', 'expiresAt', 'lastSeen', 'sessionId']);
    assert.ok(Number.isInteger(s.createdAt) && Number.isInteger(s.expiresAt) && s.expiresAt > Date.now(), kit.short(s));
  }

  log('and over REST with its device secret; without it, with a wrong one or with another phone\'s, 401');
  const rest = await api(baseUrl, 'GET', '/api/devices/' + PHONE + '/sessions', phone.deviceSecret);
  assert.strictEqual(rest.status, 200, rest.text);
  assert.deepStrictEqual(rest.json.data.sessions.map((s) => s.sessionId).sort(), ids);
  for (const secret of [undefined, 'wrong', other.deviceSecret]) {
    const r = await api(baseUrl, 'GET', '/api/devices/' + PHONE + '/sessions', secret);
    assert.strictEqual(r.status, 401, 'secret ' + secret + ': ' + r.text);
    assert.deepStrictEqual(r.json, { success: false, error: 'Device secret required' });
  }
  const del = await api(baseUrl, 'DELETE', '/api/devices/' + PHONE + '/sessions', other.deviceSecret);
  assert.strictEqual(del.status, 401, 'revoke with another phone\'s secret');

  log('a browser cannot use the phone\'s events; another phone cannot revoke this phone\'s sessions');
  kit.assertAckFailed(await webA.ack('mobile:list-sessions'), 'list from a browser');
  kit.assertAckFailed(await other.ack('mobile:revoke-session', { sessionId: sid(tokens.A) }), 'revoke by another phone');
  await other.waitForError('another phone\'s session', 'Unknown session');
  kit.assertAckFailed(await phone.ack('mobile:revoke-session', { sessionId: 'not-a-session' }), 'revoke of an unknown session');
  kit.assertAckFailed(await phone.ack('mobile:revoke-session', {}), 'revoke without sessionId or all');

  log('the phone revokes browser B (on the other node) over Socket.IO: B is cut off at once, A and C are not');
  kit.assertAckOk(await phone.ack('mobile:revoke-session', { sessionId: sid(tokens.B) }), 'revoke B');
  const [revokedB] = await phone.waitFor('sessions:revoked', 'B revoked');
  assert.deepStrictEqual(revokedB, { sessionIds: [sid(tokens.B)] });
  await revokedLive(webB);
  await refusedAfterwards(tokens.B);
  const m = { id: 'after-revoke-' + run, conversationId: 'c', phoneNumber: '+1555', body: 'still here', timestamp: 1718000000000, type: 'received', read: false };
  kit.assertAckOk(await phone.ack('mobile:messages', { messages: [m] }), 'messages after the revoke');
  await kit.relayedMessage(webA, 'A still served', m.id);
  await kit.relayedMessage(webC, 'C still served', m.id);

  log('over REST: revoke A, then everything left');
  const oneA = await api(otherUrl, 'DELETE', '/api/devices/' + PHONE + '/sessions/' + sid(tokens.A), phone.deviceSecret);
  assert.strictEqual(oneA.status, 200, oneA.text);
  assert.deepStrictEqual(oneA.json, { success: true, data: { revoked: [sid(tokens.A)] } });
  await revokedLive(webA);
  await refusedAfterwards(tokens.A);
  const twice = await api(otherUrl, 'DELETE', '/api/devices/' + PHONE + '/sessions/' + sid(tokens.A), phone.deviceSecret);
  assert.strictEqual(twice.status, 404, twice.text);
  const all = await api(baseUrl, 'DELETE', '/api/devices/' + PHONE + '/sessions', phone.deviceSecret);
  assert.deepStrictEqual(all.json, { success: true, data: { revoked: [sid(tokens.C)] } });
  await revokedLive(webC);
  await refusedAfterwards(tokens.C);

  log('nothing is left; a new pairing works again and {all:true} over Socket.IO revokes it');
  const empty = await api(baseUrl, 'GET', '/api/devices/' + PHONE + '/sessions', phone.deviceSecret);
  assert.deepStrictEqual(empty.json, { success: true, data: { sessions: [] } });
  const tokenD = await kit.pair(baseUrl, phone);
  const webD = track(await kit.connectWeb(otherUrl, 'websocket', 'web-D', tokenD, PHONE));
  kit.assertAckOk(await phone.ack('mobile:revoke-session', { all: true }), 'revoke all');
  await revokedLive(webD);
  return {};
});
