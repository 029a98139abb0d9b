'use strict';
// Hostile clients of the relay, for its end-to-end tests and for bench/hostile.sh, on a raw WebSocket
// (the `ws` package) where the attack is below what socket.io-client would do:
//
//   node relay-hostile.js binary <url> <frames> <frameBytes> [holdMs]
//     A socket that never registers opens a binary event announcing 1000 attachments
//     (451000-["mobile:messages",{placeholder 0}]) and streams <frames> binary frames of <frameBytes> at
//     it, as fast as the server takes them; then holds the connection <holdMs> (for a memory sampler)
//     unless the server closed it.
//   node relay-hostile.js slow <url> <messages> <bytes> [holdMs] [blind]
//     A paired browser stops reading its TCP socket (it stays connected) while its phone sends <messages>
//     messages of <bytes> characters. With `blind`, it sends an Engine.IO pong every 200 ms without
//     reading a thing. After <holdMs> it reads again: whatever the relay still has for it, or the end of a
//     connection the relay closed. If it was closed, a new connection resumes from the last sequence number
//     the browser saw, and the result says whether every message reached the browser one way or the other.
//
// Prints one JSON line: {ok, ...what was seen}, and the relay's own metrics lines worth checking.
const WebSocket = require('ws');
const assert = require('assert');
const kit = require('./relay-kit');

const { log, sleep, withTimeout } = kit;
const RESUME_TIMEOUT_MS = 60_000;

function wsUrl(baseUrl) {
  return baseUrl.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket';
}

/**
 * A raw Engine.IO/Socket.IO WebSocket client: answers pings while it reads, records every text message and
 * how the connection ended. Its TCP socket can be paused, which a browser tab cannot do but a client can.
 */
class RawClient {
  constructor(name, baseUrl) {
    this.name = name;
    this.texts = [];
    this.bytesReceived = 0;
    this.answerPings = true;
    this.closed = null; // {code, afterMs}
    this.started = Date.now();
    this.ws = new WebSocket(wsUrl(baseUrl), { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
    this.waiters = new Set();
    this.ws.on('message', (data, isBinary) => {
      this.bytesReceived += data.length;
      if (isBinary) {
        return;
      }
      const text = data.toString();
      if (text === '2' && this.answerPings) {
        this.ws.send('3');
      }
      this.texts.push(text);
      this.waiters.forEach((wake) => wake());
    });
    this.ws.on('error', (e) => log(this.name, 'socket error', e.message));
    this.ws.on('close', (code) => {
      this.closed = { code, afterMs: Date.now() - this.started };
      this.waiters.forEach((wake) => wake());
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
    });
  }

  /** Resolves with the first text message (from index `from`) that satisfies `match`; null if the connection closed first. */
  waitText(what, match, from = 0, ms = kit.STEP_TIMEOUT_MS) {
    let wake;
    const found = new Promise((resolve) => {
      wake = () => {
        const text = this.texts.slice(from).find(match);
        if (text !== undefined) {
          resolve(text);
        } else if (this.closed) {
          resolve(null);
        }
      };
      this.waiters.add(wake);
      wake();
    });
    return withTimeout(found, this.name + ' receives ' + what, ms).finally(() => this.waiters.delete(wake));
  }

  /** Resolves once the connection closed (with its close info), or with null after `ms`. */
  async closedWithin(ms) {
    let wake;
    const closed = new Promise((resolve) => {
      wake = () => this.closed && resolve(this.closed);
      this.waiters.add(wake);
      wake();
    });
    const result = await Promise.race([closed, sleep(ms).then(() => null)]);
    this.waiters.delete(wake);
    return result;
  }

  async join() {
    await withTimeout(this.opened, this.name + ' opens its WebSocket');
    await this.waitText('the open packet', (t) => t.startsWith('0{'));
    this.ws.send('40');
    await this.waitText('the CONNECT answer', (t) => t.startsWith('40'));
  }

  emit(event, payload) {
    this.ws.send('42' + JSON.stringify([event, payload]));
  }

  /** Stops reading from the TCP socket: what the relay sends piles up in the kernel, then in the relay. */
  pause() {
    this.ws._socket.pause();
  }

  resume() {
    this.ws._socket.resume();
  }

  /** Sends with the write's callback, so the caller knows the frame left this process. */
  sendBinary(buffer) {
    return new Promise((resolve, reject) => this.ws.send(buffer, { binary: true }, (e) => (e ? reject(e) : resolve())));
  }

  /** The payloads of the `event` events received, in order. */
  events(event) {
    return this.texts.filter((t) => t.startsWith('42[')).map((t) => {
      try {
        return JSON.parse(t.slice(2));
      } catch (e) {
        return null; // cut off by the end of the connection
      }
    }).filter((a) => a && a[0] === event).map((a) => a[1]);
  }

  close() {
    this.ws.terminate();
  }
}

async function metrics(baseUrl) {
  try {
    const r = await kit.request(baseUrl, 'GET', '/metrics');
    return r.text.split('\n').filter((l) => /^relay_(connections_closed_total|outbound_buffered_bytes|errors_total)/.test(l));
  } catch (e) {
    log('metrics unavailable:', e.message, e.cause && e.cause.message);
    throw e;
  }
}

async function binary(baseUrl, frames, frameBytes, holdMs) {
  const client = new RawClient('stranger', baseUrl);
  await client.join();
  client.ws.send('451000-' + JSON.stringify(['mobile:messages', { _placeholder: true, num: 0 }]));
  const frame = Buffer.alloc(frameBytes, 0x61);
  let framesSent = 0;
  try {
    for (; framesSent < frames && !client.closed; framesSent++) {
      await client.sendBinary(frame);
    }
  } catch (e) {
    log('binary frame refused after', framesSent, e.message);
  }
  log('sent', framesSent, 'frames; holding', holdMs, 'ms');
  const closed = await client.closedWithin(holdMs);
  const errors = client.events('error');
  client.close();
  return { framesSent, closed, errors, metrics: await metrics(baseUrl) };
}

function message(i, bytes) {
  return {
    id: 'hostile-' + i, conversationId: 'hostile-thread', phoneNumber: '+15550001000', body: 'x'.repeat(bytes),
    timestamp: 1_700_000_000_000 + i, type: 'received', read: false,
  };
}

async function slow(baseUrl, count, bytes, holdMs, blind) {
  const phone = await kit.connectPhone(baseUrl, 'websocket', 'phone', 'hostile-phone-' + Date.now());
  const sessionToken = await kit.pair(baseUrl, phone);
  const browser = new RawClient('browser', baseUrl);
  await browser.join();
  browser.emit('web:authenticate', { sessionToken });
  await browser.waitText('authenticated', (t) => t.startsWith('42["authenticated"'));
  browser.pause();
  browser.answerPings = false;
  let pongs = 0;
  const pongTimer = blind ? setInterval(() => {
    if (!browser.closed) {
      browser.ws.send('3');
      pongs++;
    }
  }, 200) : null;
  log('browser paused; phone sends', count, 'x', bytes);
  for (let i = 0; i < count; i++) {
    kit.assertAckOk(await phone.ack('mobile:messages', { messages: [message(i, bytes)] }), 'message ' + i);
  }
  log('phone done; holding', holdMs, 'ms');
  const during = await metrics(baseUrl);
  await sleep(holdMs);
  const afterHold = await metrics(baseUrl);
  if (pongTimer) {
    clearInterval(pongTimer);
  }
  browser.resume();
  // Whatever the relay (or the kernel) still holds arrives now; a connection the relay closed ends.
  const closed = await browser.closedWithin(10_000);
  const firstPart = browser.events('messages:sync').filter((p) => p && Array.isArray(p.messages));
  const seen = new Set(firstPart.flatMap((p) => p.messages.map((m) => m.id)));
  const lastSeq = firstPart.reduce((max, p) => Math.max(max, Number.isInteger(p.seq) ? p.seq : 0), 0);
  browser.close();
  const result = { closed, pongs, receivedBeforeClose: seen.size, bytesReceivedBeforeClose: browser.bytesReceived, lastSeq,
    metricsDuring: during, metricsAfterHold: afterHold };
  if (closed) {
    // As the web app would after a lost connection: connect, authenticate, resume from what it has.
    const again = await kit.connectWeb(baseUrl, 'websocket', 'browser again', sessionToken, phone.deviceId);
    again.emit('web:request-sync', { since: lastSeq });
    // Everything the phone sent may be resumed (120 messages of 512 KiB in the end-to-end test: 60 MiB of JSON to
    // read, send and parse), more than a step's time on a loaded machine.
    const resumeStarted = Date.now();
    await again.waitFor('sync:complete', 'the end of the resume', () => true, RESUME_TIMEOUT_MS);
    result.resumeMs = Date.now() - resumeStarted;
    const resumed = again.log.filter((e) => e.event === 'messages:sync').flatMap((e) => e.args[0].messages.map((m) => m.id));
    resumed.forEach((id) => seen.add(id));
    result.resumed = resumed.length;
    again.socket.close();
  }
  const expected = Array.from({ length: count }, (_, i) => 'hostile-' + i);
  result.missing = expected.filter((id) => !seen.has(id));
  result.metricsAfter = await metrics(baseUrl);
  phone.socket.close();
  return result;
}

const [mode, baseUrl, ...args] = process.argv.slice(2);
assert.ok(baseUrl, 'usage: relay-hostile.js binary|slow <url> ...');
kit.main(async () => {
  switch (mode) {
    case 'binary': return binary(baseUrl, Number(args[0] || 150), Number(args[1] || 1_000_000), Number(args[2] || 5_000));
    case 'slow': return slow(baseUrl, Number(args[0] || 80), Number(args[1] || 512 * 1024), Number(args[2] || 5_000),
      args[3] === 'blind');
    default: throw new Error('unknown mode ' + mode);
  }
});
