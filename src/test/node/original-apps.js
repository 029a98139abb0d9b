'use strict';
// The original phone and web apps, unchanged, against the relay with its default configuration: each
// scenario is one thing the apps were seen to break on, played event by event (original-apps-kit.js),
// with the web app's own rules (thread replacement, unread counting) as assertions on what it shows.
//
// Usage: node original-apps.js <scenario> <phone node url> [<web node url>]
//   reconnect  the phone loses its network twice and registers again, without a secret, each time
//   planting   nobody can scan a QR for a phone without being registered as that phone
//   sync       a reloaded browser gets one messages:sync per conversation, phone offline or online
//   unread     a new SMS is relayed as the phone sent it: no invented message:new, no extra unread
//   order      a browser's mark-read and request-sync reach a busy phone in the order sent
// Prints one JSON line ({"ok":true,...} or {"ok":false,"error":...}); exits non-zero on failure.
const assert = require('assert');
const crypto = require('crypto');
const kit = require('./relay-kit');
const { OriginalPhone, OriginalWebApp, conversation, pairOriginal, thread } = require('./original-apps-kit');

const { log } = kit;
const [scenario, phoneUrl, webUrl = phoneUrl] = process.argv.slice(2);
const run = crypto.randomUUID().slice(0, 8);

/** A paired phone (the original app) and an open web app. */
async function paired(track, name) {
  const phone = track(await new OriginalPhone(name + '-phone', phoneUrl, 'orig-' + name + '-' + run).start());
  const token = await pairOriginal(webUrl, phone);
  const web = track(await new OriginalWebApp(name + '-web', webUrl, token).start());
  return { phone, web, token };
}

async function eventually(what, check, ms = kit.STEP_TIMEOUT_MS) {
  await kit.withTimeout((async () => {
    for (;;) {
      try {
        check();
        return;
      } catch (e) {
        await kit.sleep(25);
      }
    }
  })(), what, ms).catch((e) => {
    check(); // fail with the assertion's own message
    throw e;
  });
}

const scenarios = {
  async reconnect(track) {
    const { phone, web } = await paired(track, 'reconnect');
    for (const round of [1, 2]) {
      log('the phone loses its network (round ' + round + ') and registers again with its deviceId alone');
      await phone.loseNetwork();
      assert.deepStrictEqual(phone.errors, [], 'errors the relay sent the phone after its register');
      assert.strictEqual(phone.registrations, round + 1, 'authenticated answers');
      const tempId = 'after-reconnect-' + round;
      kit.assertAckOk(await web.send('+15550100', 'hello again ' + round, tempId), 'web:send-message ' + tempId);
      await eventually('the phone gets the send after reconnect ' + round,
        () => assert.ok(phone.commands.some((c) => c.event === 'send:message' && c.payload.tempId === tempId), 'send:message ' + tempId));
    }
    return { registrations: phone.registrations };
  },

  async planting(track) {
    const victim = 'orig-never-seen-' + run;
    log('a socket that never registered scans a QR for a deviceId never seen');
    const qr = await kit.generateQr(webUrl);
    const waiting = kit.waitPairing(webUrl, qr.token);
    const stranger = track(await new kit.AppSocket('stranger', phoneUrl, 'websocket').connect());
    const scan = await stranger.ack('mobile:scan-qr', { qrData: qr.qrData, deviceId: victim });
    kit.assertAckFailed(scan, 'scan without registering');
    await stranger.waitForError('the stranger is told why', scan.error);
    assert.match(scan.error, /register/i, 'the refusal says to register first');

    log('a socket registered as another phone cannot scan for the victim either');
    const other = track(await new OriginalPhone('other-phone', phoneUrl, 'orig-other-' + run).start());
    const otherScan = await other.app.ack('mobile:scan-qr', { qrData: qr.qrData, deviceId: victim });
    kit.assertAckFailed(otherScan, 'scan for another deviceId');

    log('the browser got no session: the QR is still unused, and the real phone pairs with it');
    const pending = await Promise.race([waiting.then(() => 'answered'), kit.sleep(500).then(() => 'pending')]);
    assert.strictEqual(pending, 'pending', 'wait-pairing answered after refused scans');
    const phone = track(await new OriginalPhone('victim-phone', phoneUrl, victim).start());
    phone.scan(qr.qrData);
    await phone.app.waitForPayload('qr:paired', { success: true });
    const token = kit.assertSessionResponse(await kit.withTimeout(waiting, 'wait-pairing answers the real scan'));
    await kit.verifySession(webUrl, token, victim);
    return { refusal: scan.error };
  },

  async sync(track) {
    const { phone, web, token } = await paired(track, 'sync');
    // Three conversations; the first has more messages than a sync sends per thread (50 by default).
    const threads = [thread('c-a', '+15550001', 55, 1_000_000), thread('c-b', '+15550002', 3, 2_000_000), thread('c-c', '+15550003', 2, 3_000_000)];
    const conversations = threads.map((t, i) => conversation(t[0].conversationId, t[0].phoneNumber, t[t.length - 1], i));
    kit.assertAckOk(await phone.pushConversations(conversations), 'mobile:conversations');
    for (const t of threads) {
      kit.assertAckOk(await phone.pushThread(t), 'mobile:messages ' + t[0].conversationId);
    }
    const expected = {
      'c-a': threads[0].slice(-50).map((m) => m.id),
      'c-b': threads[1].map((m) => m.id),
      'c-c': threads[2].map((m) => m.id),
    };
    await eventually('the open browser shows the three threads live', () => {
      for (const [key, ids] of Object.entries(expected)) {
        assert.deepStrictEqual(web.thread(key).slice(-ids.length), ids, 'live thread ' + key);
      }
    });

    const reloaded = async (name) => {
      const fresh = track(await new OriginalWebApp(name, webUrl, token).start());
      await eventually(name + ' shows every thread from storage', () => {
        for (const [key, ids] of Object.entries(expected)) {
          assert.deepStrictEqual(fresh.thread(key), ids, name + ': thread ' + key);
        }
        assert.deepStrictEqual(fresh.conversations.map((c) => c.id).sort(), ['c-a', 'c-b', 'c-c'], name + ': conversation list');
      });
      const syncs = fresh.app.received('messages:sync').map((e) => e.args[0].messages);
      for (const messages of syncs) {
        const keys = new Set(messages.map((m) => m.conversationId));
        assert.strictEqual(keys.size, 1, name + ': one messages:sync mixes conversations ' + [...keys].join(','));
        assert.deepStrictEqual(messages.map((m) => m.timestamp), [...messages].map((m) => m.timestamp).sort((a, b) => a - b),
          name + ': a thread in timestamp order');
      }
      const order = fresh.app.log.map((e) => e.event).filter((e) => e === 'conversations:sync' || e === 'messages:sync');
      assert.strictEqual(order[0], 'conversations:sync', name + ': the conversation list comes before the threads: ' + order.join(','));
      return fresh;
    };

    log('the phone goes away; a reloaded page gets its threads from storage, one messages:sync each');
    phone.app.socket.io.reconnection(false);
    phone.close();
    await web.app.waitFor('mobile:disconnected', 'the phone is gone');
    (await reloaded('reload-offline')).close();

    log('the phone is back (it answers request:sync with its conversations only); a reloaded page still gets its threads');
    const back = track(await new OriginalPhone('sync-phone-back', phoneUrl, phone.deviceId).start());
    back.conversations = conversations;
    const seenBefore = web.app.received('messages:sync').length;
    const online = await reloaded('reload-online');
    await eventually('the phone was asked', () => assert.ok(back.commands.some((c) => c.event === 'request:sync'), 'request:sync'));
    await eventually('the phone\'s own answer reaches the reloaded page after the stored one',
      () => assert.ok(online.app.received('conversations:sync').length >= 2, 'conversations:sync events'));
    assert.strictEqual(web.app.received('messages:sync').length, seenBefore, 'the stored threads went to the reloaded page only');
    return { threads: Object.keys(expected).length };
  },

  async unread(track) {
    const { phone, web } = await paired(track, 'unread');
    const [first] = thread('c-u', '+15550009', 1, 5_000_000);
    kit.assertAckOk(await phone.pushThread([first]), 'the thread');
    log('a new SMS: the phone says one unread, then sends the message alone');
    const [sms] = thread('c-u', '+15550009', 1, 6_000_000, 'sms');
    kit.assertAckOk(await phone.pushConversations([conversation('c-u', '+15550009', sms, 1)]), 'conversations with 1 unread');
    kit.assertAckOk(await phone.receive(sms), 'the new SMS');
    await eventually('the browser shows the new SMS', () => assert.deepStrictEqual(web.thread('c-u'), [sms.id]));
    await kit.sleep(300); // anything else the relay would add arrives by now
    assert.strictEqual(web.app.received('message:new').length, 0, 'message:new events, which the phone never sent');
    assert.strictEqual(web.unread.get('c-u'), 1, 'the badge the web app shows');
    const relayed = web.app.received('messages:sync').map((e) => e.args[0].messages.map((m) => m.id));
    assert.deepStrictEqual(relayed.slice(-1), [[sms.id]], 'the SMS relayed exactly as the phone sent it');
    return { badge: web.unread.get('c-u') };
  },

  async order(track) {
    const { phone, web } = await paired(track, 'order');
    const long = thread('c-long', '+15550100', 2_000, 7_000_000);
    await eventually('the phone got the sync request the web app sends after authenticating',
      () => assert.ok(phone.commands.some((c) => c.event === 'request:sync'), 'request:sync'));
    let overtaken = 0;
    const opens = 14;
    for (let i = 0; i < opens; i++) {
      phone.commands.length = 0;
      // The phone is busy pushing a long thread while the user opens a conversation in the browser.
      const pushing = phone.pushThread(long);
      await kit.sleep(i % 4); // vary where the commands land in the phone's work
      web.open('c-long');
      kit.assertAckOk(await pushing, 'the long thread, open ' + i);
      const events = () => phone.commands.map((c) => c.event);
      await eventually('the phone gets both commands of open ' + i,
        () => assert.ok(events().includes('mark:read') && events().includes('request:sync'), 'commands: ' + events().join(',')), 20_000);
      if (events().indexOf('request:sync') < events().indexOf('mark:read')) {
        overtaken++;
      }
    }
    assert.strictEqual(overtaken, 0, 'opens where request:sync overtook mark:read, of ' + opens);
    return { opens, overtaken };
  },
};

kit.main(async (track) => {
  const play = scenarios[scenario];
  if (!play) {
    throw new Error('unknown scenario ' + scenario);
  }
  return { scenario, ...(await play(track)) };
});
