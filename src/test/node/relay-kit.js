'use strict';
// Shared by the relay's end-to-end scripts: plays the phone app and the web app with the official
// socket.io-client and plain fetch, exactly as those apps talk to the relay.
//
// Every wait has a timeout, so a missing event fails the script with a message naming the step
// instead of hanging it. Progress goes to stderr (the JUnit side keeps it for the failure report);
// the single result line goes to stdout.
const { io } = require('socket.io-client');
const assert = require('assert');
const { isDeepStrictEqual } = require('util');

const STEP_TIMEOUT_MS = Number(process.env.RELAY_STEP_TIMEOUT_MS || 10000);

function log(...args) {
  console.error(new Date().toISOString(), ...args);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout(promise, what, ms = STEP_TIMEOUT_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout after ' + ms + ' ms: ' + what)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Socket options for a transport mode: 'websocket' like the apps, 'default' (polling, then upgrade) or 'polling'. */
function transportOptions(mode) {
  switch (mode) {
    case 'websocket': return { transports: ['websocket'] };
    case 'polling': return { transports: ['polling'] };
    case 'default': return {};
    default: throw new Error('unknown transport mode ' + mode);
  }
}

function short(value) {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 300 ? text.slice(0, 300) + '…' : text;
}

/**
 * One app connection. Every event the server sends is logged in arrival order; waits take the first
 * not yet taken event of a name that matches, so an event that arrives before the wait starts is
 * not lost, and extra events the relay may add do not break the waits.
 */
class AppSocket {
  constructor(name, baseUrl, mode, auth) {
    this.name = name;
    this.mode = mode;
    this.log = []; // {event, args, taken}
    this.rawFrames = []; // text of every Engine.IO message packet, as the server wrote it
    this.listeners = new Set();
    this.disconnectReason = null;
    this.socket = io(baseUrl, {
      ...transportOptions(mode),
      reconnection: false,
      forceNew: true,
      timeout: STEP_TIMEOUT_MS,
      ...(auth === undefined ? {} : { auth }),
    });
    this.socket.onAny((event, ...args) => {
      this.log.push({ event, args, taken: false });
      this.listeners.forEach((wake) => wake());
    });
    this.socket.io.on('open', () => {
      this.socket.io.engine.on('packet', (packet) => {
        if (packet.type === 'message' && typeof packet.data === 'string') {
          this.rawFrames.push(packet.data);
        }
      });
    });
    this.disconnected = new Promise((resolve) => this.socket.on('disconnect', (reason) => {
      this.disconnectReason = reason;
      resolve(reason);
    }));
  }

  async connect() {
    await withTimeout(new Promise((resolve, reject) => {
      if (this.socket.connected) {
        resolve();
        return;
      }
      this.socket.once('connect', resolve);
      this.socket.once('connect_error', reject);
    }), this.name + ' connects');
    return this;
  }

  emit(event, ...args) {
    this.socket.emit(event, ...args);
  }

  /** Emits with an acknowledgement callback and resolves with the ack's first argument. */
  async ack(event, ...args) {
    const reply = await withTimeout(new Promise((resolve) => this.socket.emit(event, ...args, (...r) => resolve(r))),
      this.name + ' gets an ack for ' + event);
    return reply[0];
  }

  /**
   * Resolves with the arguments of the first untaken `event` whose arguments satisfy `match`, within `ms` (a step's
   * time unless a step is known to be long).
   */
  waitFor(event, what, match = () => true, ms = STEP_TIMEOUT_MS) {
    const take = () => {
      const entry = this.log.find((e) => !e.taken && e.event === event && match(...e.args));
      if (entry) {
        entry.taken = true;
      }
      return entry;
    };
    const found = take();
    if (found) {
      return Promise.resolve(found.args);
    }
    let wake;
    const waiting = new Promise((resolve) => {
      wake = () => {
        const entry = take();
        if (entry) {
          resolve(entry.args);
        }
      };
      this.listeners.add(wake);
    });
    return withTimeout(waiting, this.name + ' receives ' + event + ' (' + what + ')', ms)
      .catch((e) => {
        const seen = this.log.filter((x) => x.event === event).map((x) => short(x.args));
        throw new Error(e.message + '; ' + event + ' events seen: ' + (seen.length ? seen.join(' | ') : 'none')
          + '; all events: ' + this.log.map((x) => x.event).join(','));
      })
      .finally(() => this.listeners.delete(wake));
  }

  /**
   * First argument of the first untaken `event` deep-equal on the given keys to `expected`. Other
   * top-level keys are allowed: the contract welcomes extra fields that old clients ignore.
   */
  async waitForPayload(event, expected, what = short(expected)) {
    const [payload] = await this.waitFor(event, what, (p) => hasEntries(p, expected));
    return payload;
  }

  /** Waits for an `error {message}` event with a non-empty message, optionally a given one. */
  async waitForError(what, message) {
    const [payload] = await this.waitFor('error', what, (p) => p !== null && typeof p === 'object'
      && typeof p.message === 'string' && p.message.length > 0 && (message === undefined || p.message === message));
    return payload;
  }

  /** Every logged event of a name, taken or not. */
  received(event) {
    return this.log.filter((e) => e.event === event);
  }

  untaken(event) {
    return this.log.filter((e) => !e.taken && (event === undefined || e.event === event));
  }

  transport() {
    return this.socket.io.engine ? this.socket.io.engine.transport.name : null;
  }

  /** In the default mode the client starts with polling: the upgrade to websocket must complete. */
  async upgraded() {
    if (this.transport() !== 'websocket') {
      await withTimeout(new Promise((resolve) => this.socket.io.engine.once('upgrade', resolve)), this.name + ' upgrades to websocket');
    }
    assert.strictEqual(this.transport(), 'websocket', this.name + ' ends on websocket');
  }

  close() {
    this.socket.close();
  }
}

/** True when `actual` is an object holding every key of `expected` with a deep-equal value. */
function hasEntries(actual, expected) {
  return actual !== null && typeof actual === 'object' && !Array.isArray(actual)
    && Object.keys(expected).every((k) => isDeepStrictEqual(actual[k], expected[k]));
}

/** Asserts an ack `{success:true}` (extra fields allowed). */
function assertAckOk(ack, what) {
  assert.ok(ack !== null && typeof ack === 'object', what + ': ack is an object, got ' + short(ack));
  assert.strictEqual(ack.success, true, what + ': ack ' + short(ack));
}

/** Asserts an ack `{success:false, error:"..."}`. */
function assertAckFailed(ack, what) {
  assert.ok(ack !== null && typeof ack === 'object', what + ': ack is an object, got ' + short(ack));
  assert.strictEqual(ack.success, false, what + ': ack ' + short(ack));
  assert.strictEqual(typeof ack.error, 'string', what + ': ack error is a string, got ' + short(ack));
  assert.ok(ack.error.length > 0, what + ': ack error is not empty');
}

// ---- REST, as the web app calls it ----

async function request(baseUrl, method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(baseUrl + path, { ...init, signal: AbortSignal.timeout(STEP_TIMEOUT_MS + 5000) });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    json = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type'), json, text };
}

async function generateQr(baseUrl, expiresIn = 300000) {
  const r = await request(baseUrl, 'GET', '/api/auth/generate-qr');
  assert.strictEqual(r.status, 200, 'generate-qr status, body ' + r.text);
  assert.ok(r.contentType && r.contentType.startsWith('application/json'), 'generate-qr content type ' + r.contentType);
  assert.deepStrictEqual(Object.keys(r.json).sort(), ['data', 'success']);
  assert.strictEqual(r.json.success, true);
  const { qrData, token, imageId } = r.json.data;
  // The original's three fields, plus the QR image's handle (an extension the original app ignores).
  assert.deepStrictEqual(Object.keys(r.json.data).sort(), ['expiresIn', 'imageId', 'qrData', 'token']);
  assert.match(imageId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.notStrictEqual(imageId, token, 'the image handle is not the waiter token');
  assert.strictEqual(typeof qrData, 'string');
  assert.match(token, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.strictEqual(r.json.data.expiresIn, expiresIn);
  return r.json.data;
}

/** Starts the browser's long-poll; resolves with the raw response. */
function waitPairing(baseUrl, token) {
  return request(baseUrl, 'POST', '/api/auth/wait-pairing', { token });
}

function assertSessionResponse(r) {
  assert.strictEqual(r.status, 200, 'wait-pairing status, body ' + r.text);
  assert.strictEqual(r.json.success, true);
  assert.deepStrictEqual(Object.keys(r.json.data), ['sessionToken']);
  assert.strictEqual(typeof r.json.data.sessionToken, 'string');
  assert.ok(r.json.data.sessionToken.length > 0);
  return r.json.data.sessionToken;
}

async function verifySession(baseUrl, sessionToken, deviceId) {
  const r = await request(baseUrl, 'POST', '/api/auth/verify', { sessionToken });
  assert.strictEqual(r.status, 200, 'verify status, body ' + r.text);
  assert.deepStrictEqual(r.json, { success: true, data: { deviceId } });
}

// ---- the apps ----

/**
 * A phone app: connects and sends `mobile:register`, as it does after every connect. The first
 * register of a deviceId is handed a device secret in `authenticated`; an updated app keeps it and
 * presents it on every later register. Pass it as `deviceSecret` (sent in the register payload) or
 * `authSecret` (sent in the Socket.IO handshake's `auth`). The phone's secret ends up in
 * `phone.deviceSecret`: the one just issued, else the one it presented.
 */
async function connectPhone(baseUrl, mode, name, deviceId, { deviceSecret, authSecret } = {}) {
  const phone = await new AppSocket(name, baseUrl, mode, authSecret === undefined ? undefined : { deviceSecret: authSecret }).connect();
  phone.deviceId = deviceId;
  const register = { deviceId, deviceName: name, deviceModel: 'Pixel 8' };
  if (deviceSecret !== undefined) {
    register.deviceSecret = deviceSecret;
  }
  phone.emit('mobile:register', register);
  const authenticated = await phone.waitForPayload('authenticated', { success: true });
  phone.deviceSecret = authenticated.deviceSecret || deviceSecret || authSecret;
  return phone;
}

/** The whole pairing dance: the browser asks for a QR and waits, the phone scans it. Returns the session token. */
async function pair(baseUrl, phone) {
  const qr = await generateQr(baseUrl);
  const waiting = waitPairing(baseUrl, qr.token);
  phone.emit('mobile:scan-qr', { qrData: qr.qrData, deviceId: phone.deviceId });
  await phone.waitForPayload('qr:paired', { success: true });
  const sessionToken = assertSessionResponse(await withTimeout(waiting, 'wait-pairing answers after the scan'));
  await verifySession(baseUrl, sessionToken, phone.deviceId);
  return sessionToken;
}

/** A web app: connects and sends `web:authenticate`, as it does after every connect. */
async function connectWeb(baseUrl, mode, name, sessionToken, deviceId) {
  const web = await new AppSocket(name, baseUrl, mode).connect();
  web.emit('web:authenticate', { sessionToken });
  await web.waitForPayload('authenticated', { success: true, deviceId });
  return web;
}

// ---- storage answers ----

const sortByTime = (list) => [...list].sort((a, b) => a.timestamp - b.timestamp || String(a.id).localeCompare(String(b.id)));
const sortById = (list) => [...list].sort((a, b) => String(a.id).localeCompare(String(b.id)));

/** Matches a `messages:sync` payload carrying exactly `expected`, in order. */
const sameMessages = (expected) => (p) => p !== null && typeof p === 'object' && isDeepStrictEqual(p.messages, expected);
/** Matches a `conversations:sync` payload carrying exactly `expected`, in order. */
const sameConversations = (expected) => (p) => p !== null && typeof p === 'object' && isDeepStrictEqual(p.conversations, expected);

/** The thread the web app files a message under: its conversationId, else its phone number. */
const threadOf = (message) => String(message.conversationId || message.phoneNumber);

/** Messages grouped by thread, each thread sorted by time. */
function threads(messages) {
  const byThread = new Map();
  for (const m of messages) {
    byThread.set(threadOf(m), [...(byThread.get(threadOf(m)) || []), m]);
  }
  return new Map([...byThread].map(([k, list]) => [k, sortByTime(list)]));
}

/**
 * Waits for the answer to `web:request-sync` from storage: the latest conversation list, then one
 * `messages:sync` per thread (as the web app files them) with that thread's messages (latest version,
 * with the last reported status). Order within a thread is not compared: the web app sorts by timestamp.
 */
async function assertStoredSync(web, messages, conversations) {
  const [convs] = await web.waitFor('conversations:sync', 'conversations from storage',
    (p) => p !== null && typeof p === 'object' && Array.isArray(p.conversations) && p.conversations.length >= conversations.length);
  assert.deepStrictEqual(sortById(convs.conversations), sortById(conversations), web.name + ': stored conversations');
  for (const [key, thread] of threads(messages)) {
    const [sync] = await web.waitFor('messages:sync', 'thread ' + key + ' from storage', (p) => p !== null && typeof p === 'object'
      && Array.isArray(p.messages) && p.messages.length > 0 && p.messages.every((m) => threadOf(m) === key)
      && isDeepStrictEqual(sortByTime(p.messages), thread));
    assert.ok(Number.isInteger(sync.seq), web.name + ': a stored thread carries the seq it is current to');
  }
}

/** Waits for a `messages:sync` carrying the message with this id; resolves with that message as relayed. */
async function relayedMessage(app, what, id) {
  const [payload] = await app.waitFor('messages:sync', what, (p) => p !== null && typeof p === 'object'
    && Array.isArray(p.messages) && p.messages.some((m) => m !== null && typeof m === 'object' && m.id === id));
  return payload.messages.find((m) => m.id === id);
}

/**
 * Runs `body(track)`, prints the one result line and exits with its status. Every socket handed to
 * `track` is closed once the body is over, however it ended.
 */
function main(body) {
  const sockets = [];
  const track = (socket) => {
    sockets.push(socket);
    return socket;
  };
  Promise.resolve()
    .then(() => body(track))
    .finally(() => sockets.forEach((s) => s.close()))
    .then((result) => {
      console.log(JSON.stringify({ ok: true, ...result }));
      process.exit(0);
    }, (e) => {
      console.log(JSON.stringify({ ok: false, error: String((e && e.stack) || e) }));
      process.exit(1);
    });
}

module.exports = {
  STEP_TIMEOUT_MS,
  AppSocket,
  threads,
  assertAckFailed,
  assertAckOk,
  assertStoredSync,
  assertSessionResponse,
  connectPhone,
  connectWeb,
  generateQr,
  hasEntries,
  log,
  main,
  pair,
  relayedMessage,
  request,
  sameConversations,
  sameMessages,
  short,
  sleep,
  verifySession,
  waitPairing,
  withTimeout,
};
