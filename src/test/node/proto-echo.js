'use strict';
// Drives the relay's Socket.IO layer with the official client, as the phone and web apps do.
// Usage: node proto-echo.js <base url> <max payload bytes>
// Prints one JSON line ({"ok":true,...} or {"ok":false,"error":...}) and exits non-zero on failure.
const { io } = require('socket.io-client');
const assert = require('assert');

const url = process.argv[2];
const maxPayload = Number(process.argv[3] || 1000000);
const STEP_TIMEOUT_MS = 15000;

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout: ' + what)), STEP_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function once(socket, event, what) {
  return withTimeout(new Promise((resolve) => socket.once(event, (...args) => resolve(args))), what);
}

function emitWithAckArgs(socket, event, ...args) {
  return withTimeout(new Promise((resolve) => socket.emit(event, ...args, (...reply) => resolve(reply))), 'ack ' + event);
}

async function scenario(name, options) {
  const socket = io(url, { ...options, reconnection: false, forceNew: true, timeout: STEP_TIMEOUT_MS });
  const result = { name };
  try {
    await withTimeout(new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    }), 'connect');
    result.connectedWith = socket.io.engine.transport.name;

    if (options.transports === undefined) {
      // Default: polling first, then the upgrade to websocket must complete.
      if (socket.io.engine.transport.name !== 'websocket') {
        await withTimeout(new Promise((resolve) => socket.io.engine.once('upgrade', resolve)), 'upgrade');
      }
    }

    // emit / receive, with integers, nested objects and key order kept
    const payload = { z: 1, a: [1, 2, { y: true, b: null }], m: 'é\n"' };
    const echoed = once(socket, 'echo-back', 'echo-back');
    socket.emit('echo', payload, 'two', 3);
    const back = await echoed;
    assert.strictEqual(JSON.stringify(back), JSON.stringify([payload, 'two', 3]));

    // acknowledgement round trip
    const ackArgs = await emitWithAckArgs(socket, 'ack-me', { n: 42 }, 'x');
    assert.strictEqual(JSON.stringify(ackArgs), JSON.stringify([{ n: 42 }, 'x']));

    // binary both ways: top-level and nested buffers, in an event and in an ack
    const bin = Buffer.from([0, 1, 2, 250, 255]);
    const nested = { label: 'file', data: Buffer.from('héllo', 'utf8') };
    const binBack = once(socket, 'echo-back', 'binary echo-back');
    socket.emit('echo', bin, nested);
    const [b0, b1] = await binBack;
    assert.ok(Buffer.isBuffer(b0), 'top-level attachment is a Buffer');
    assert.ok(bin.equals(b0), 'top-level attachment bytes');
    assert.strictEqual(b1.label, 'file');
    assert.ok(Buffer.from('héllo', 'utf8').equals(b1.data), 'nested attachment bytes');
    const binAck = await emitWithAckArgs(socket, 'ack-me', bin);
    assert.ok(bin.equals(binAck[0]), 'binary ack bytes');

    // a long message near the size limit (leave room for the packet framing)
    const long = 'x'.repeat(maxPayload - 64);
    const longBack = once(socket, 'echo-back', 'long echo-back');
    socket.emit('echo', long);
    const [longEcho] = await longBack;
    assert.strictEqual(longEcho.length, long.length);

    result.transport = socket.io.engine.transport.name;

    // server-side disconnect is final for the client
    const disconnected = once(socket, 'disconnect', 'disconnect');
    socket.emit('kick');
    const [reason] = await disconnected;
    assert.strictEqual(reason, 'io server disconnect');
    result.disconnectReason = reason;
    return result;
  } finally {
    socket.close();
  }
}

(async () => {
  const results = [];
  try {
    results.push(await scenario('websocket', { transports: ['websocket'] }));
    results.push(await scenario('default', {}));
    results.push(await scenario('polling', { transports: ['polling'] }));
    console.log(JSON.stringify({ ok: true, results }));
    process.exit(0);
  } catch (e) {
    console.log(JSON.stringify({ ok: false, error: String(e && e.stack || e), results }));
    process.exit(1);
  }
})();
