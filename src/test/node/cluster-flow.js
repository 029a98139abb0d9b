'use strict';
// Drives a relay cluster through its load balancer with the official socket.io-client, the way the
// phone and web apps do, while the test stops one node under them.
//
// Usage: node cluster-flow.js <load balancer url> <kill|drain>
//
// 1. A phone (websocket, like the app) and three browsers pair over REST through the balancer:
//    one browser on websocket (like the web app), one on the default polling-then-upgrade, one
//    polling only. Messages go phone -> browsers and sends browser -> phone.
// 2. It prints {"phase":"placed", ...}: which node (the prefix of each Engine.IO session id) holds
//    which client. The test stops a node and writes one JSON line {"stopped":<node>,"at":<epoch ms>}
//    to our stdin.
// 3. Every client reconnects by itself (as the apps: the phone backs off from 1 s, the web retries
//    every 3 s) and registers/authenticates again on every connect. The phone then sends a new SMS
//    every 250 ms until every browser got one; then every browser sends to the phone again.
// Prints one JSON line {"ok":true, ...facts} (or {"ok":false,"error":...}) and exits non-zero on
// failure. The test judges the facts; this script only fails on a timeout. A trace goes to stderr.
const { client: connect, emitWithAck, fromTest, nodeOf, pairBrowser, sleep, trace, waitFor, STEP_TIMEOUT_MS } = require('./cluster-kit');

const base = process.argv[2];
const mode = process.argv[3] || 'kill';
const RECOVERY_TIMEOUT_MS = 60000;
const DEVICE_ID = 'it-phone-' + Math.random().toString(16).slice(2, 10);
const client = (name, options, onConnect) => connect(base, name, options, onConnect);

function sms(id, body) {
  return { id, conversationId: 'conv-1', phoneNumber: '+15550001', body, timestamp: Date.now(),
    type: 'received', read: false };
}

(async () => {
  const clients = [];
  const facts = { mode, deviceId: DEVICE_ID };
  try {
    // ------------------------------------------------------------------ phone
    const phoneState = { sendCommands: [], requestSyncs: 0, deviceSecret: undefined };
    // Like an app that keeps the device secret from its first register and presents it on every reconnect.
    const phone = client('phone',
      { transports: ['websocket'], reconnectionDelay: 1000, reconnectionDelayMax: 30000, randomizationFactor: 0.5, reconnectionAttempts: 10 },
      (s) => s.emit('mobile:register', { deviceId: DEVICE_ID, deviceName: 'IT phone', deviceModel: 'node', deviceSecret: phoneState.deviceSecret }));
    clients.push(phone);
    phone.socket.on('authenticated', (a) => {
      if (a && a.deviceSecret) {
        phoneState.deviceSecret = a.deviceSecret;
      }
    });
    phone.socket.on('send:message', (p) => {
      trace('phone', 'send:message', p.tempId);
      phoneState.sendCommands.push({ tempId: p.tempId, at: Date.now() });
    });
    phone.socket.on('request:sync', () => {
      phoneState.requestSyncs++;
      phone.socket.emit('mobile:conversations', { conversations: [
        { id: 'conv-1', phoneNumber: '+15550001', contactName: 'IT', lastMessage: 'hi', lastMessageTime: Date.now(), unreadCount: 0 }] });
    });
    await waitFor(() => phone.facts.authenticatedAt.length === 1, STEP_TIMEOUT_MS, 'phone registered');

    // ------------------------------------------------------------------ browsers: pair, connect, authenticate
    const kinds = [['web-websocket', { transports: ['websocket'] }], ['web-default', {}], ['web-polling', { transports: ['polling'] }]];
    for (const [name, transportOptions] of kinds) {
      const sessionToken = await pairBrowser(base, phone.socket, DEVICE_ID);

      const web = client(name, { ...transportOptions, reconnectionDelay: 3000, reconnectionDelayMax: 3000, randomizationFactor: 0 },
        (s) => s.emit('web:authenticate', { sessionToken }));
      web.received = [];
      web.mobileDisconnected = [];
      web.mobileConnected = [];
      web.conversationSyncs = 0;
      // What the web app shows: every message of every messages:sync (live, or its sync from storage).
      web.socket.on('messages:sync', (p) => ((p && p.messages) || []).forEach((m) => web.received.push({ id: m.id, at: Date.now() })));
      web.socket.on('conversations:sync', () => web.conversationSyncs++);
      web.socket.on('mobile:disconnected', () => {
        trace(name, 'mobile:disconnected');
        web.mobileDisconnected.push(Date.now());
      });
      web.socket.on('mobile:connected', () => web.mobileConnected.push(Date.now()));
      // The web app asks for a sync after every authentication.
      web.socket.on('authenticated', () => web.socket.emit('web:request-sync'));
      clients.push(web);
      await waitFor(() => web.facts.authenticatedAt.length === 1, STEP_TIMEOUT_MS, name + ' authenticated');
    }
    const webs = clients.slice(1);

    // Placement: the balancer is plain round-robin, so clients land anywhere. Make sure the
    // websocket browser sits where the test needs it: away from the phone when its node is killed
    // (a browser that stays connected must hear of the phone's loss), with it when drained.
    const wsBrowser = webs[0];
    const wantSame = mode === 'drain';
    for (let i = 0; i < 8 && (nodeOf(wsBrowser.socket) === nodeOf(phone.socket)) !== wantSame; i++) {
      const before = wsBrowser.facts.authenticatedAt.length;
      // The other browsers' polls can fall into step with these reconnects, so that round-robin hands
      // the websocket to the same node every time: shift the balancer's turn by a request or two.
      for (let extra = 0; extra <= i % 2; extra++) {
        await fetch(base + '/api/auth/health');
      }
      wsBrowser.socket.disconnect();
      wsBrowser.socket.connect();
      await waitFor(() => wsBrowser.facts.authenticatedAt.length > before, STEP_TIMEOUT_MS, 'browser reconnected for placement');
    }
    // Let upgrades settle so the reported transports are final.
    await sleep(500);

    // ------------------------------------------------------------------ traffic before
    const firstAck = await emitWithAck(phone.socket, 'mobile:messages', { messages: [sms('pre-1', 'before')] });
    if (!firstAck || !firstAck.success) throw new Error('mobile:messages refused: ' + JSON.stringify(firstAck));
    await waitFor(() => webs.every((w) => w.received.some((m) => m.id === 'pre-1')), STEP_TIMEOUT_MS, 'pre-1 reached every browser');
    for (const w of webs) {
      const tempId = 'pre-' + w.name;
      const ack = await emitWithAck(w.socket, 'web:send-message', { phoneNumber: '+15550001', message: 'hello', tempId });
      if (!ack || !ack.success) throw new Error(w.name + ' send refused: ' + JSON.stringify(ack));
      await waitFor(() => phoneState.sendCommands.some((c) => c.tempId === tempId), STEP_TIMEOUT_MS, tempId + ' reached the phone');
    }
    facts.before = Object.fromEntries(clients.map((c) => [c.name,
      { node: nodeOf(c.socket), sid: c.socket.io.engine.id, transport: c.socket.io.engine.transport.name }]));
    trace('placed', JSON.stringify(facts.before));
    console.log(JSON.stringify({ phase: 'placed', phoneNode: nodeOf(phone.socket), clients: facts.before }));

    // ------------------------------------------------------------------ the test stops a node
    const test = fromTest();
    const stop = await test.next(60000, 'the test stopping a node');
    test.close();
    const stoppedAt = stop.at;
    trace('node', stop.stopped, 'stopped at', stoppedAt);

    // The phone registers again on its own; from then on it sends a new SMS every 250 ms until
    // every browser (reconnected or not) got one of them.
    await waitFor(() => phone.facts.authenticatedAt.some((t) => t > stoppedAt), RECOVERY_TIMEOUT_MS, 'phone registered again');
    facts.phoneRegisteredAgainMs = phone.facts.authenticatedAt.find((t) => t > stoppedAt) - stoppedAt;
    const postAcks = [];
    let n = 0;
    const everyBrowserGotOne = () => webs.every((w) => w.received.some((m) => m.id.startsWith('post-')));
    const deadline = Date.now() + RECOVERY_TIMEOUT_MS;
    while (!everyBrowserGotOne() && Date.now() < deadline) {
      const id = 'post-' + (++n);
      emitWithAck(phone.socket, 'mobile:messages', { messages: [sms(id, 'after')] })
        .then((ack) => postAcks.push({ id, ack }), (e) => postAcks.push({ id, error: String(e) }));
      await sleep(250);
    }
    if (!everyBrowserGotOne()) throw new Error('not every browser got a message after the stop');
    facts.recoveryMs = Math.max(...webs.map((w) => w.received.find((m) => m.id.startsWith('post-')).at)) - stoppedAt;
    facts.postMessagesSent = n;
    await sleep(300);
    facts.postAcks = postAcks;

    // Every browser sends to the phone again. A refusal is recorded and retried: the test decides.
    facts.sendsAfter = [];
    for (const w of webs) {
      const tempId = 'post-' + w.name;
      const attempts = [];
      for (let i = 0; i < 10; i++) {
        const ack = await emitWithAck(w.socket, 'web:send-message', { phoneNumber: '+15550001', message: 'again', tempId })
          .catch((e) => ({ success: false, error: String(e) }));
        attempts.push({ ack, at: Date.now() - stoppedAt });
        if (ack && ack.success) break;
        await sleep(500);
      }
      await waitFor(() => phoneState.sendCommands.some((c) => c.tempId === tempId), STEP_TIMEOUT_MS, tempId + ' reached the phone')
        .catch(() => {});
      facts.sendsAfter.push({ from: w.name, attempts, reachedPhone: phoneState.sendCommands.some((c) => c.tempId === tempId) });
    }

    facts.after = Object.fromEntries(clients.map((c) => [c.name,
      { node: nodeOf(c.socket), sid: c.socket.io.engine.id, transport: c.socket.io.engine.transport.name, connected: c.socket.connected }]));
    facts.clients = clients.map((c) => ({
      ...c.facts,
      authenticatedAt: c.facts.authenticatedAt.map((t) => t - stoppedAt),
      disconnects: c.facts.disconnects.map((d) => ({ reason: d.reason, at: d.at - stoppedAt })),
      connectErrors: c.facts.connectErrors.map((e) => ({ message: e.message, at: e.at - stoppedAt })),
      errors: c.facts.errors.map((e) => ({ error: e.error, at: e.at - stoppedAt })),
      mobileDisconnected: c.mobileDisconnected && c.mobileDisconnected.map((t) => t - stoppedAt),
      mobileConnected: c.mobileConnected && c.mobileConnected.map((t) => t - stoppedAt),
      firstMessageAfter: c.received && (c.received.find((m) => m.id.startsWith('post-')) || {}).at - stoppedAt,
      conversationSyncs: c.conversationSyncs,
    }));
    facts.phoneRequestSyncs = phoneState.requestSyncs;
    console.log(JSON.stringify({ ok: true, ...facts }));
    clients.forEach((c) => c.socket.close());
    process.exit(0);
  } catch (e) {
    trace('failed', e && e.stack);
    facts.clients = clients.map((c) => ({ ...c.facts, received: c.received && c.received.map((m) => m.id),
      mobileDisconnected: c.mobileDisconnected }));
    console.log(JSON.stringify({ ok: false, error: String(e && e.stack || e), ...facts }));
    clients.forEach((c) => c.socket.close());
    process.exit(1);
  }
})();
