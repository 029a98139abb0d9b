'use strict';
// Shared by the cluster drivers (cluster-flow.js, cluster-stream.js): reconnecting app clients with
// the official socket.io-client that record what happened to them, REST through the balancer, pairing,
// and the JSON-line conversation with the Java test (our stdout, its answers on our stdin).
//
// Unlike relay-kit.js (one relay, no reconnection), clients here reconnect by themselves, the way the
// apps do, because the cluster tests stop nodes under them.
const { io } = require('socket.io-client');
const readline = require('readline');

const STEP_TIMEOUT_MS = 20000;
const started = Date.now();

function trace(...args) {
  process.stderr.write(`${new Date().toISOString()} +${Date.now() - started}ms ${args.join(' ')}\n`);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout: ' + what)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function waitFor(predicate, ms, what, everyMs = 50) {
  return withTimeout(new Promise((resolve) => {
    const check = () => (predicate() ? resolve() : setTimeout(check, everyMs));
    check();
  }), ms, what);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function rest(base, method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : undefined,
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json();
  if (!response.ok || !json.success) {
    throw new Error(`${method} ${path} -> ${response.status} ${JSON.stringify(json)}`);
  }
  return json.data;
}

/** The node holding the socket: every Engine.IO session id starts with the NODE_ID of its node. */
function nodeOf(socket) {
  const sid = socket.io.engine && socket.io.engine.id;
  return sid ? sid.split('~')[0] : null;
}

/** One client: its socket, and every fact the test wants to know about it. */
function client(base, name, options, onConnect) {
  const socket = io(base, { forceNew: true, timeout: STEP_TIMEOUT_MS, ...options });
  const c = {
    name, socket,
    facts: { name, transports: options.transports || ['polling', 'websocket'], sids: [], nodes: [],
      disconnects: [], connectErrors: [], errors: [], authenticatedAt: [] },
  };
  socket.on('connect', () => {
    const sid = socket.io.engine.id;
    c.facts.sids.push(sid);
    c.facts.nodes.push(nodeOf(socket));
    trace(name, 'connect sid=' + sid, 'transport=' + socket.io.engine.transport.name);
    socket.io.engine.once('upgrade', (t) => trace(name, 'upgraded to', t.name, 'sid=' + sid));
    onConnect(socket);
  });
  socket.on('disconnect', (reason) => {
    trace(name, 'disconnect', reason);
    c.facts.disconnects.push({ reason, at: Date.now() });
  });
  socket.on('connect_error', (e) => {
    trace(name, 'connect_error', e && e.message);
    c.facts.connectErrors.push({ message: String(e && e.message), at: Date.now() });
  });
  socket.on('error', (e) => {
    trace(name, 'error event', JSON.stringify(e));
    c.facts.errors.push({ error: e, at: Date.now() });
  });
  socket.on('authenticated', (a) => {
    trace(name, 'authenticated', JSON.stringify(a));
    c.facts.authenticatedAt.push(Date.now());
  });
  return c;
}

function emitWithAck(socket, event, payload, ms = STEP_TIMEOUT_MS) {
  return withTimeout(new Promise((resolve) => socket.emit(event, payload, (reply) => resolve(reply))), ms, 'ack ' + event);
}

/**
 * A browser pairs: it asks for a QR and long-polls wait-pairing over REST, the phone scans the QR.
 * Resolves with the browser's session token.
 */
async function pairBrowser(base, phoneSocket, deviceId) {
  const qr = await rest(base, 'GET', '/api/auth/generate-qr');
  const waiting = rest(base, 'POST', '/api/auth/wait-pairing', { token: qr.token });
  await sleep(100); // let the long-poll reach its node before the scan, as a person scanning would
  const paired = new Promise((resolve) => phoneSocket.once('qr:paired', resolve));
  const scanAck = await emitWithAck(phoneSocket, 'mobile:scan-qr', { qrData: qr.qrData, deviceId });
  if (!scanAck || !scanAck.success) throw new Error('scan refused: ' + JSON.stringify(scanAck));
  await withTimeout(paired, STEP_TIMEOUT_MS, 'qr:paired');
  const { sessionToken } = await withTimeout(waiting, STEP_TIMEOUT_MS, 'wait-pairing');
  return sessionToken;
}

/** Prints one JSON line for the test. */
function tell(json) {
  console.log(JSON.stringify(json));
}

/** The test's answers, one JSON line each, in order: `next()` resolves with the next one. */
function fromTest() {
  const rl = readline.createInterface({ input: process.stdin });
  const lines = [];
  const waiting = [];
  rl.on('line', (line) => {
    const json = JSON.parse(line);
    const w = waiting.shift();
    if (w) w(json); else lines.push(json);
  });
  return {
    next(ms, what) {
      if (lines.length) return Promise.resolve(lines.shift());
      return withTimeout(new Promise((resolve) => waiting.push(resolve)), ms, what);
    },
    close() {
      rl.close();
    },
  };
}

// A browser that applies the phone's numbered events in order. Numbers increase and may skip (never
// reused): an event follows the one it names as prevSeq (seq - 1 from a relay that does not say).
function prevSeqOf(payload) {
  if (!payload) return NaN; // not a numbered event
  return Number.isInteger(payload.prevSeq) ? payload.prevSeq : payload.seq - 1;
}

// Applies, lowest number first, the waiting events ({prevSeq, ...} by seq) whose predecessor was applied
// (w.lastSeq), and drops those at or below it.
function drainWaiting(w, apply) {
  for (const seq of [...w.waiting.keys()]) {
    if (seq <= w.lastSeq) w.waiting.delete(seq);
  }
  for (;;) {
    const seq = Math.min(...w.waiting.keys()); // Infinity when none waits
    const next = w.waiting.get(seq);
    if (!next || next.prevSeq > w.lastSeq) break;
    w.waiting.delete(seq);
    apply(seq, next);
  }
}

module.exports = {
  STEP_TIMEOUT_MS, client, drainWaiting, emitWithAck, fromTest, nodeOf, pairBrowser, prevSeqOf, rest, sleep, tell, trace,
  waitFor, withTimeout,
};
