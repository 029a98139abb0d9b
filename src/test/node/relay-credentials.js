'use strict';
// Phone credentials: a deviceId's first register is handed a device secret, presented back in the
// register payload or in the handshake's `auth`. A wrong secret is always refused and the real phone
// keeps its route. Without a secret:
//   required: (PHONE_SECRET_POLICY=required) refused;
//   default:  (bind-on-first-use) admitted as a legacy device until the phone has presented its secret
//             once; refused from then on.
//
// Usage: node relay-credentials.js <base url> <required|default>
// Prints one JSON line ({"ok":true} or {"ok":false,"error":...}); exits non-zero on failure.
const assert = require('assert');
const crypto = require('crypto');
const kit = require('./relay-kit');

const { log } = kit;
const baseUrl = process.argv[2];
const mode = process.argv[3] || 'default';
const run = crypto.randomUUID().slice(0, 8);
const PHONE = 'e2e-cred-phone-' + run;
const REFUSED = 'Device credentials missing or invalid';

/** A fresh socket (optionally with a handshake `auth`) that sends mobile:register with an ack. */
async function tryRegister(name, register, auth) {
  const socket = await new kit.AppSocket(name, baseUrl, 'websocket', auth).connect();
  const ack = await socket.ack('mobile:register', { deviceId: PHONE, deviceName: name, deviceModel: 'Pixel 8', ...register });
  return { socket, ack };
}

async function refusedRegister(track, name, register, auth, expected = REFUSED) {
  const { socket, ack } = await tryRegister(name, register, auth);
  track(socket);
  kit.assertAckFailed(ack, name);
  assert.strictEqual(ack.error, expected, name + ': ack error');
  await socket.waitForError(name, expected);
  assert.strictEqual(socket.received('authenticated').length, 0, name + ' was told it is authenticated');
  return socket;
}

/** A browser command reaches `phone` and not `intruder`. */
async function reaches(web, phone, intruder, tempId) {
  const send = { phoneNumber: '+15550100', message: 'for the real phone', tempId };
  kit.assertAckOk(await web.ack('web:send-message', send), 'web:send-message ' + tempId);
  await phone.waitForPayload('send:message', send);
  if (intruder) {
    await kit.sleep(100);
    assert.ok(!intruder.received('send:message').some((e) => e.args[0].tempId === tempId), intruder.name + ' got ' + tempId);
  }
}

kit.main(async (track) => {
  log('the first register of a fresh deviceId is handed a device secret');
  const phone = track(await kit.connectPhone(baseUrl, 'websocket', 'phone', PHONE));
  assert.strictEqual(typeof phone.deviceSecret, 'string', 'authenticated carries deviceSecret');
  assert.ok(phone.deviceSecret.length >= 40, 'the secret has at least 256 bits: ' + phone.deviceSecret.length + ' chars');
  const web = track(await kit.connectWeb(baseUrl, 'websocket', 'web', await kit.pair(baseUrl, phone), PHONE));

  log('a wrong secret is refused, in the payload or in auth, whatever the mode');
  const wrong = crypto.randomBytes(32).toString('base64url');
  const wrongPayload = await refusedRegister(track, 'intruder-wrong-payload', { deviceSecret: wrong });
  const wrongAuth = await refusedRegister(track, 'intruder-wrong-auth', {}, { deviceSecret: wrong });
  await reaches(web, phone, wrongPayload, 't-after-wrong');
  assert.ok(!wrongAuth.received('send:message').length, 'the intruder with a wrong auth secret got a command');
  await refusedRegister(track, 'intruder-not-a-string', { deviceSecret: 12345 }, undefined,
    'Invalid field: deviceSecret (expected a non-empty string)');

  if (mode === 'required') {
    log('a takeover without the secret is refused; the real phone keeps its route');
    const bare = await refusedRegister(track, 'intruder-no-secret', {});
    await reaches(web, phone, bare, 't-after-bare');

    log('the phone comes back with its secret in the register payload, then in auth; it gets no new secret');
    phone.close();
    const back = track(await kit.connectPhone(baseUrl, 'websocket', 'phone-back', PHONE, { deviceSecret: phone.deviceSecret }));
    assert.deepStrictEqual(back.received('authenticated').map((e) => e.args[0]), [{ success: true }]);
    await reaches(web, back, null, 't-back-payload');
    back.close();
    const viaAuth = track(await kit.connectPhone(baseUrl, 'websocket', 'phone-auth', PHONE, { authSecret: phone.deviceSecret }));
    assert.deepStrictEqual(viaAuth.received('authenticated').map((e) => e.args[0]), [{ success: true }]);
    await reaches(web, viaAuth, null, 't-back-auth');
  } else {
    log('before the phone ever presented its secret, a register without it is admitted (the original app), twice');
    phone.close();
    for (const round of [1, 2]) {
      const { socket: legacy, ack } = await tryRegister('legacy-phone-' + round, {});
      track(legacy);
      kit.assertAckOk(ack, 'legacy register ' + round);
      const [answer] = await legacy.waitFor('authenticated', 'legacy phone authenticated');
      assert.deepStrictEqual(answer, { success: true }, 'no second secret for a legacy register');
      await reaches(web, legacy, null, 't-legacy-' + round);
      legacy.close();
    }

    log('the phone presents its secret (in auth): it is admitted and from now on bound to it');
    const viaAuth = track(await kit.connectPhone(baseUrl, 'websocket', 'phone-auth', PHONE, { authSecret: phone.deviceSecret }));
    assert.deepStrictEqual(viaAuth.received('authenticated').map((e) => e.args[0]), [{ success: true }]);
    await reaches(web, viaAuth, null, 't-bound');

    log('bound: a register without the secret is refused now, and the phone keeps its route');
    const bare = await refusedRegister(track, 'intruder-after-binding', {});
    await reaches(web, viaAuth, bare, 't-after-binding');
    viaAuth.close();
    const back = track(await kit.connectPhone(baseUrl, 'websocket', 'phone-back', PHONE, { deviceSecret: phone.deviceSecret }));
    await reaches(web, back, null, 't-back-payload');

    log('registers are counted by credential in /metrics');
    const metrics = await kit.request(baseUrl, 'GET', '/metrics');
    for (const credential of ['issued', 'secret', 'legacy']) {
      const line = metrics.text.split('\n').find((l) => l.startsWith('relay_phone_registers_total{credential="' + credential + '"'));
      assert.ok(line && Number(line.split(' ').pop()) >= 1, 'metric for ' + credential + ': ' + line);
    }
  }

  log('two sockets racing for a fresh deviceId: exactly one is handed a secret');
  const RACED = 'e2e-cred-race-' + run;
  const racers = await Promise.all([1, 2, 3].map((i) => new kit.AppSocket('racer-' + i, baseUrl, 'websocket').connect()));
  racers.forEach(track);
  const acks = await Promise.all(racers.map((r) => r.ack('mobile:register', { deviceId: RACED, deviceName: r.name, deviceModel: 'x' })));
  await kit.sleep(200);
  const secrets = racers.flatMap((r) => r.received('authenticated').map((e) => e.args[0].deviceSecret).filter(Boolean));
  assert.strictEqual(secrets.length, 1, 'secrets handed out: ' + kit.short(secrets) + '; acks ' + kit.short(acks));
  if (mode === 'required') {
    assert.strictEqual(acks.filter((a) => a.success).length, 1, 'racers admitted: ' + kit.short(acks));
  }
  return { mode, phone: PHONE, racersWithSecret: secrets.length, racersAdmitted: acks.filter((a) => a.success).length };
});
