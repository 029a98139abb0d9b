'use strict';
// PostgreSQL goes away mid-stream and comes back; the relay keeps running. A phone streams numbered
// messages and a browser streams sends, both with acknowledgements, while the test's control endpoint
// takes the database down (a fast shutdown, then a crash) and starts it again on the same port.
//
// What must hold: no acknowledgement is left hanging (none of the client-side ack timeouts fires);
// every failing ack says machine-readably that it is worth retrying, and the retry succeeds once the
// database is back; everything acknowledged reached where it should (the live browser, a browser that
// resumes with `web:request-sync {since}`, the phone through the outbox), with sequence
// numbers in order and no tempId handed to the phone twice; readiness goes DOWN during each outage and UP after;
// a browser or phone connecting during an outage is told to retry, not that its session or secret is bad.
//
// Usage: node relay-db-restart.js <base url> <control url>
//   POST <control url>/stop?how=fast|crash   returns once the server is gone
//   POST <control url>/start                 returns once it accepts connections again
// Prints one JSON line ({"ok":true, ...numbers} or {"ok":false,"error":...}); exits non-zero on failure.
const assert = require('assert');
const crypto = require('crypto');
const kit = require('./relay-kit');

const baseUrl = process.argv[2];
const controlUrl = process.argv[3];
const run = crypto.randomUUID().slice(0, 8);

/**
 * A database that is down refuses connections at once, so every answer takes milliseconds (a few
 * hundred at most on a loaded machine). Deliberately shorter than the relay's last-resort storage
 * timeout (10 s): an answer that only that timeout produced means a request was left hanging.
 */
const ACK_TIMEOUT_MS = 5000;
const PHONE_EVERY_MS = 30;
const WEB_EVERY_MS = 60;
/** Events a client lets wait for their acks at once (the relay refuses more than 256 queued on a socket). */
const WINDOW = 16;
const DOWN_MS = 3000;
const RETRY_ATTEMPTS = 5;
const T0 = 1719000000000;

const now = () => Date.now();

/**
 * Emits numbered events at a steady pace, each with an acknowledgement, never more than WINDOW awaiting
 * theirs. Every send is recorded: when it was emitted, when and how it was answered.
 */
class Stream {
  constructor(name, socket, event, payloadOf) {
    this.name = name;
    this.socket = socket;
    this.event = event;
    this.payloadOf = payloadOf;
    this.sends = [];
    this.inFlight = 0;
    this.next = 1;
    this.running = false;
  }

  start(everyMs) {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        if (this.inFlight < WINDOW) {
          this.send(this.next++, 0);
        }
        await kit.sleep(everyMs);
      }
    })();
  }

  async stop() {
    this.running = false;
    await this.loop;
    while (this.inFlight > 0) {
      await kit.sleep(20);
    }
  }

  /** Resolves with the send's record once it is answered (or its ack timed out). */
  send(n, attempt) {
    const record = { n, attempt, sentAt: now(), ackAt: null, ack: null, timedOut: false };
    this.sends.push(record);
    this.inFlight++;
    return new Promise((resolve) => {
      this.socket.socket.timeout(ACK_TIMEOUT_MS).emit(this.event, this.payloadOf(n), (err, ack) => {
        this.inFlight--;
        record.ackAt = now();
        if (err) {
          record.timedOut = true;
        } else {
          record.ack = ack;
        }
        resolve(record);
      });
    });
  }

  ok() {
    return this.sends.filter((s) => s.ack && s.ack.success === true);
  }

  failed() {
    return this.sends.filter((s) => s.ack && s.ack.success !== true);
  }

  timedOut() {
    return this.sends.filter((s) => s.timedOut);
  }

  /** The numbers whose latest answer was a failure. */
  unsettled() {
    const latest = new Map();
    this.sends.forEach((s) => latest.set(s.n, s));
    return [...latest.values()].filter((s) => !(s.ack && s.ack.success === true)).map((s) => s.n);
  }

  firstOkAfter(t) {
    const first = this.sends.filter((s) => s.sentAt >= t && s.ack && s.ack.success === true)
      .sort((a, b) => a.ackAt - b.ackAt)[0];
    return first ? first.ackAt : null;
  }

  async waitForOkAfter(t, what) {
    await kit.withTimeout((async () => {
      while (this.firstOkAfter(t) === null) {
        await kit.sleep(50);
      }
    })(), what, 30000);
  }
}

/** Polls /health/ready and keeps every change of its status with the time it was seen. */
class Readiness {
  constructor() {
    this.changes = [];
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let status;
        try {
          status = (await kit.request(baseUrl, 'GET', '/health/ready')).status;
        } catch (e) {
          status = 'no answer';
        }
        if (this.changes.length === 0 || this.changes[this.changes.length - 1].status !== status) {
          // When it was seen: a poll sent before a stop may come back DOWN after it, and no later
          // poll would count as a change.
          this.changes.push({ status, at: now() });
        }
        await kit.sleep(200);
      }
    })();
  }

  statusesBetween(from, to) {
    return this.changes.filter((c) => c.at >= from && c.at <= to).map((c) => c.status);
  }

  firstAfter(status, t) {
    const change = this.changes.find((c) => c.status === status && c.at >= t);
    return change ? change.at : null;
  }

  async waitFor(status, t, what) {
    await kit.withTimeout((async () => {
      while (this.firstAfter(status, t) === null) {
        await kit.sleep(50);
      }
    })(), what, 30000);
  }

  async stop() {
    this.running = false;
    await this.loop;
  }
}

async function control(path) {
  const response = await fetch(controlUrl + path, { method: 'POST', signal: AbortSignal.timeout(60000) });
  const text = await response.text();
  assert.strictEqual(response.status, 200, 'control ' + path + ': ' + text);
  return JSON.parse(text);
}

/** A failing ack the client can act on: says why, and that the same event later may succeed. */
function assertRetryable(record, what) {
  const ack = record.ack;
  kit.assertAckFailed(ack, what);
  assert.strictEqual(ack.retryable, true, what + ': a storage outage is retryable, ack ' + kit.short(ack));
  assert.strictEqual(ack.code, 'storage_unavailable', what + ': ack code ' + kit.short(ack));
}

kit.main(async () => {
  const sockets = [];
  const track = (s) => {
    sockets.push(s);
    return s;
  };
  try {
    const deviceId = 'db-restart-phone-' + run;
    const phone = track(await kit.connectPhone(baseUrl, 'websocket', 'phone', deviceId));
    const token = await kit.pair(baseUrl, phone);
    const web = track(await kit.connectWeb(baseUrl, 'websocket', 'web', token, deviceId));
    const away = track(await kit.connectWeb(baseUrl, 'websocket', 'web-away', token, deviceId));

    const message = (n) => ({ id: 'm' + n + '-' + run, conversationId: 'c1', phoneNumber: '+15550100', body: 'text ' + n,
      timestamp: T0 + n, type: 'received', read: false });
    const send = (n) => ({ phoneNumber: '+15550199', message: 'reply ' + n, tempId: 't' + n + '-' + run });
    const phoneStream = new Stream('phone', phone, 'mobile:messages', (n) => ({ messages: [message(n)] }));
    const webStream = new Stream('web', web, 'web:send-message', send);
    const readiness = new Readiness();

    kit.log('streaming: the phone every', PHONE_EVERY_MS, 'ms, the browser every', WEB_EVERY_MS, 'ms');
    phoneStream.start(PHONE_EVERY_MS);
    webStream.start(WEB_EVERY_MS);
    await phoneStream.waitForOkAfter(0, 'the phone stream is acknowledged');
    await webStream.waitForOkAfter(0, 'the browser stream is acknowledged');
    await readiness.waitFor(200, 0, 'the node is ready before the outage');

    kit.log('a browser goes away, to resume after the outages from the last number it saw');
    const [lastSeen] = await away.waitFor('messages:sync', 'a numbered event before going away');
    await kit.sleep(300);
    const awaySeq = Math.max(...away.received('messages:sync').map((e) => e.args[0].seq));
    assert.ok(awaySeq >= lastSeen.seq);
    away.close();

    const outages = [];
    for (const how of ['fast', 'crash']) {
      await kit.sleep(1000);
      const outage = { how, requestedAt: now() };
      kit.log('stopping PostgreSQL:', how);
      await control('/stop?how=' + how);
      outage.stoppedAt = now();
      kit.log('a browser that connects now is told to try again, not that its session is invalid');
      const late = track(await new kit.AppSocket('web-late-' + how, baseUrl, 'websocket').connect());
      assertRetryable({ ack: await late.ack('web:authenticate', { sessionToken: token }) }, 'web:authenticate while down');
      const latePhone = track(await new kit.AppSocket('phone-late-' + how, baseUrl, 'websocket').connect());
      const lateRegister = { deviceId: 'db-restart-late-' + how + '-' + run, deviceName: 'late', deviceModel: 'Pixel 8' };
      assertRetryable({ ack: await latePhone.ack('mobile:register', lateRegister) }, 'mobile:register while down');
      await kit.sleep(DOWN_MS);
      await readiness.waitFor(503, outage.requestedAt, 'readiness goes DOWN while the database is down');
      kit.log('starting PostgreSQL again');
      outage.startRequestedAt = now();
      await control('/start');
      outage.startedAt = now();
      await phoneStream.waitForOkAfter(outage.startedAt, 'the phone is acknowledged again after the restart');
      await webStream.waitForOkAfter(outage.startedAt, 'the browser is acknowledged again after the restart');
      await readiness.waitFor(200, outage.startRequestedAt, 'readiness goes UP once the database is back');
      outage.firstPhoneOkAt = phoneStream.firstOkAfter(outage.startedAt);
      outage.firstWebOkAt = webStream.firstOkAfter(outage.startedAt);
      outage.readyAgainAt = readiness.firstAfter(200, outage.startRequestedAt);
      kit.assertAckOk(await late.ack('web:authenticate', { sessionToken: token }), 'web:authenticate again once back');
      kit.assertAckOk(await latePhone.ack('mobile:register', lateRegister), 'mobile:register again once back');
      late.close();
      latePhone.close();
      outages.push(outage);
    }
    await kit.sleep(1000);
    await phoneStream.stop();
    await webStream.stop();
    await readiness.stop();

    kit.log('no ack was left hanging; every failure says it is retryable');
    for (const stream of [phoneStream, webStream]) {
      assert.deepStrictEqual(stream.timedOut().map((s) => s.n), [], stream.name + ': acks that never came within ' + ACK_TIMEOUT_MS + ' ms');
      stream.failed().forEach((s) => assertRetryable(s, stream.name + ' #' + s.n));
    }
    const failedPhone = phoneStream.failed().length;
    const failedWeb = webStream.failed().length;
    assert.ok(failedPhone > 0 && failedWeb > 0, 'the outages hit both streams (phone ' + failedPhone + ', browser ' + failedWeb + ' failed acks)');

    kit.log('retrying what failed:', phoneStream.unsettled().length, 'phone events,', webStream.unsettled().length, 'sends');
    for (const stream of [phoneStream, webStream]) {
      for (let attempt = 1; attempt <= RETRY_ATTEMPTS && stream.unsettled().length > 0; attempt++) {
        for (const n of stream.unsettled()) {
          await stream.send(n, attempt);
        }
        if (stream.unsettled().length > 0) {
          await kit.sleep(500);
        }
      }
      assert.deepStrictEqual(stream.unsettled(), [], stream.name + ': retries that still failed');
    }
    const firstRetries = [phoneStream, webStream].map((s) => s.sends.filter((r) => r.attempt === 1));
    firstRetries.flat().forEach((r) => kit.assertAckOk(r.ack, 'the first retry after the restart'));

    const phoneNumbers = [...new Set(phoneStream.ok().map((s) => s.n))].sort((a, b) => a - b);
    const webNumbers = [...new Set(webStream.ok().map((s) => s.n))].sort((a, b) => a - b);
    const messageIds = phoneNumbers.map((n) => message(n).id);
    // A write can commit and still be answered as failed (the database went away between its commit and the
    // answer): the phone's retry then stores the message again. Which ones could have been is the caller's to check.
    const failedMessageIds = [...new Set(phoneStream.failed().map((s) => message(s.n).id))];
    const tempIds = webNumbers.map((n) => send(n).tempId);

    kit.log('the live browser got every acknowledged message, numbered without gaps');
    await kit.withTimeout((async () => {
      while (!messageIds.every((id) => web.received('messages:sync').some((e) => e.args[0].messages[0].id === id))) {
        await kit.sleep(50);
      }
    })(), 'every acknowledged message reaches the live browser');
    const liveSeqs = web.received('messages:sync').map((e) => e.args[0].seq);
    liveSeqs.forEach((seq, i) => i === 0 || assert.strictEqual(seq, liveSeqs[i - 1] + 1, 'live seq after ' + liveSeqs[i - 1]));

    kit.log('the browser that was away resumes from', awaySeq, 'and gets exactly what it missed');
    const back = track(await kit.connectWeb(baseUrl, 'websocket', 'web-back', token, deviceId));
    kit.assertAckOk(await back.ack('web:request-sync', { since: awaySeq }), 'web:request-sync {since}');
    const [complete] = await back.waitFor('sync:complete', 'the end of the replay');
    assert.deepStrictEqual(back.received('sync:reset'), [], 'resumed, not reset');
    const replayed = back.received('messages:sync').map((e) => e.args[0]);
    // Events relayed during the outages were refused to the phone and never stored: the replay steps over
    // their numbers, each event naming the stored one before it.
    replayed.forEach((p, i) => (i === 0
      ? assert.ok(p.prevSeq <= awaySeq, 'the first replayed follows what the browser saw: ' + kit.short(p))
      : assert.strictEqual(p.prevSeq, replayed[i - 1].seq, 'replayed in order, each after the one before it')));
    assert.strictEqual(complete.seq, replayed[replayed.length - 1].seq);
    assert.strictEqual(complete.seq, liveSeqs[liveSeqs.length - 1], 'the replay ends where the live stream did');
    const seenByAway = new Set(away.received('messages:sync').map((e) => e.args[0].messages[0].id));
    replayed.forEach((p) => seenByAway.add(p.messages[0].id));
    assert.deepStrictEqual(messageIds.filter((id) => !seenByAway.has(id)), [], 'acknowledged messages the resumed browser never got');

    kit.log('the phone got every acknowledged send once');
    await kit.withTimeout((async () => {
      while (!tempIds.every((t) => phone.received('send:message').some((e) => e.args[0].tempId === t))) {
        await kit.sleep(50);
      }
    })(), 'every acknowledged send reaches the phone');
    await kit.sleep(500); // a duplicate would come right behind
    const handed = phone.received('send:message').map((e) => e.args[0].tempId);
    const twice = handed.filter((t, i) => handed.indexOf(t) !== i);
    assert.deepStrictEqual(twice, [], 'tempIds handed to the phone more than once');

    const all = [...phoneStream.sends, ...webStream.sends].filter((s) => s.attempt === 0);
    return {
      deviceId,
      messageIds,
      failedMessageIds,
      tempIds,
      phoneSent: phoneStream.sends.filter((s) => s.attempt === 0).length,
      webSent: webStream.sends.filter((s) => s.attempt === 0).length,
      failedPhone,
      failedWeb,
      retried: firstRetries.flat().length,
      maxAckMs: Math.max(...all.map((s) => s.ackAt - s.sentAt)),
      maxFailedAckMs: Math.max(0, ...all.filter((s) => s.ack && !s.ack.success).map((s) => s.ackAt - s.sentAt)),
      lastSeq: complete.seq,
      outages: outages.map((o) => ({
        how: o.how,
        stopMs: o.stoppedAt - o.requestedAt,
        downMs: o.startedAt - o.requestedAt,
        firstPhoneOkAfterStartMs: o.firstPhoneOkAt - o.startedAt,
        firstWebOkAfterStartMs: o.firstWebOkAt - o.startedAt,
        // Readiness is polled, so it can turn UP while the start request is still being answered.
        readyAfterStartRequestMs: o.readyAgainAt - o.startRequestedAt,
        readiness: readiness.statusesBetween(o.requestedAt, o.readyAgainAt),
      })),
    };
  } finally {
    sockets.forEach((s) => s.close());
  }
});
