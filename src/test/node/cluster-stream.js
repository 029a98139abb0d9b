'use strict';
// A phone streams numbered SMS through a relay cluster's load balancer while the test kills nodes
// under it (kill -9) and browsers reconnect; reports what every browser ended up with.
//
// Usage: node cluster-stream.js <load balancer url> [messages]
//
// The apps are played as careful clients with the official socket.io-client:
// - the phone (websocket; reconnects from 1 s) presents the device secret of its first register on
//   every register. It keeps every message the relay did not acknowledge (ack timeout, refusal or
//   lost connection) and, after its next register, sends them again with the same ids, in order,
//   before any new one. It answers request:sync with its conversation list.
// - each browser (the web app's reconnect: every 3 s) sends web:request-sync after every
//   authentication: the first time without since, then {since: the last seq it applied}. It applies
//   numbered events in seq order: an event ahead of the next number waits until the gap is filled,
//   and a gap seen outside a resume makes it resume at once (the event bus is at-most-once: a node
//   that dies between storing and relaying an event leaves a gap in what connected browsers saw).
//
// Protocol with the test (JSON lines): we print {"kill":<node>, ...} and the test answers
// {"stopped":<node>,"at":<epoch ms>} once the node is dead. First kill: the phone's node, mid-stream.
// Then, once the phone is back and every browser is connected again: a node that holds a browser but
// not the phone (if there is one), and one browser elsewhere drops its own transport. We end with
// {"ok":true, ...facts} (the test judges them) or {"ok":false,"error"} when the run itself broke.
const kit = require('./cluster-kit');
const { nodeOf, sleep, tell, trace, waitFor } = kit;

const base = process.argv[2];
const MESSAGES = Number(process.argv[3] || 400);
const CONVERSATIONS = 4;
const MESSAGES_PER_SECOND = 40;
const IN_FLIGHT = 16; // messages the phone sends before it waits for acks
const BURST = 4; // messages made at once (a phone gets SMS in bunches)
const ACK_TIMEOUT_MS = 5000;
const KILL_PHONE_NODE_AT = Math.round(MESSAGES * 0.3);
const BROWSER_CHAOS_AT = Math.round(MESSAGES * 0.65);
const RECOVERY_TIMEOUT_MS = 40000;
const run = Math.random().toString(16).slice(2, 10);
const DEVICE_ID = 'stream-phone-' + run;
const T0 = 1719000000000;

const conversationOf = (n) => 'conv-' + (n % CONVERSATIONS);
const sms = (n) => ({ id: `m-${run}-${n}`, conversationId: conversationOf(n), phoneNumber: '+1555000' + (n % CONVERSATIONS),
  body: 'message ' + n, timestamp: T0 + n, type: 'received', read: false });

// ------------------------------------------------------------------ the phone

function startPhone() {
  const p = {
    secret: undefined, registered: false, epoch: 0, inFlight: 0,
    unacked: [], // generated, not yet acknowledged, in send order; [0, next) are on the wire of this registration
    next: 0,
    generated: [], sends: {}, ackedAt: {}, registrations: [], unconfirmed: [],
  };
  p.client = kit.client(base, 'phone',
    { transports: ['websocket'], reconnectionDelay: 1000, reconnectionDelayMax: 5000, randomizationFactor: 0.5 },
    (s) => s.emit('mobile:register', { deviceId: DEVICE_ID, deviceName: 'stream phone', deviceModel: 'node', deviceSecret: p.secret }));
  const socket = p.client.socket;
  socket.on('authenticated', (a) => {
    if (!a || !a.success) return;
    if (a.deviceSecret) p.secret = a.deviceSecret;
    p.registered = true;
    p.epoch++;
    p.inFlight = 0;
    p.next = 0; // everything unacknowledged goes again, oldest first
    p.registrations.push({ node: nodeOf(socket), at: Date.now(), resending: p.unacked.length });
    trace('phone registered on', nodeOf(socket), 'resending', p.unacked.length);
    pump(p);
  });
  socket.on('disconnect', () => {
    p.registered = false;
    p.epoch++;
  });
  socket.on('request:sync', () => {
    if (!p.registered) return;
    const conversations = [...Array(CONVERSATIONS).keys()].map((c) => ({ id: 'conv-' + c, phoneNumber: '+1555000' + c,
      contactName: 'Contact ' + c, lastMessage: '', lastMessageTime: T0, unreadCount: 0 }));
    socket.emit('mobile:conversations', { conversations });
  });
  return p;
}

function pump(p) {
  while (p.registered && p.inFlight < IN_FLIGHT && p.next < p.unacked.length) {
    send(p, p.unacked[p.next++]);
  }
}

function send(p, message) {
  const socket = p.client.socket;
  const epoch = p.epoch;
  p.inFlight++;
  p.sends[message.id] = (p.sends[message.id] || 0) + 1;
  socket.timeout(ACK_TIMEOUT_MS).emit('mobile:messages', { messages: [message] }, (err, ack) => {
    if (epoch !== p.epoch) return; // that registration is over: all it left unacknowledged goes again after the next one
    p.inFlight--;
    if (!err && ack && ack.success) {
      const i = p.unacked.indexOf(message);
      if (i >= 0) {
        p.unacked.splice(i, 1);
        if (i < p.next) p.next--;
      }
      p.ackedAt[message.id] = Date.now();
      pump(p);
      return;
    }
    p.unconfirmed.push({ id: message.id, problem: err ? String(err.message) : JSON.stringify(ack), at: Date.now() });
    trace('phone: no ack for', message.id, err ? err.message : JSON.stringify(ack), '- registering again to re-send');
    // Unconfirmed on a live connection: start over on a fresh one, which re-sends everything unacknowledged.
    p.registered = false;
    p.epoch++;
    if (socket.connected) socket.disconnect().connect();
  });
}

// ------------------------------------------------------------------ the browsers

function startBrowser(name, transportOptions, sessionToken) {
  const w = kit.client(base, name, { ...transportOptions, reconnectionDelay: 3000, reconnectionDelayMax: 3000, randomizationFactor: 0 },
    (s) => s.emit('web:authenticate', { sessionToken }));
  Object.assign(w, {
    authenticated: false, resuming: false, snapshot: false, lastSeq: null, waiting: new Map(),
    deliveries: [], applied: [], appliedAt: {}, resumes: [], completes: [], resets: [], gaps: [], messageNew: 0,
  });
  const s = w.socket;
  s.on('authenticated', (a) => {
    if (!a || !a.success) return;
    w.authenticated = true;
    resume(w, 'authenticated');
  });
  s.on('disconnect', () => {
    w.authenticated = false;
    w.resuming = false;
  });
  for (const event of ['messages:sync', 'conversations:sync', 'message:status']) {
    s.on(event, (payload) => numbered(w, event, payload));
  }
  s.on('message:new', () => w.messageNew++); // the relay never sends it: counted to show it stays 0
  s.on('sync:reset', (r) => {
    trace(name, 'sync:reset', JSON.stringify(r));
    w.resets.push({ ...r, at: Date.now() });
    w.snapshot = true; // storage's answer follows, stamped with the seq it is current to
  });
  s.on('sync:complete', (c) => {
    w.completes.push({ seq: c.seq, at: Date.now() });
    w.resuming = false;
    w.snapshot = false;
    drain(w);
    if (w.waiting.size > 0) gap(w, 'after sync:complete');
  });
  return w;
}

function resume(w, why) {
  w.resumes.push({ why, since: w.lastSeq, node: nodeOf(w.socket), at: Date.now() });
  trace(w.name, 'request-sync', why, 'since', w.lastSeq);
  if (w.lastSeq === null) {
    w.socket.emit('web:request-sync'); // as the web app's first sync: nothing to resume from yet
  } else {
    w.resuming = true;
    w.socket.emit('web:request-sync', { since: w.lastSeq });
  }
}

function gap(w, why) {
  if (w.resuming || !w.authenticated) return; // the resume under way (or the one after authenticating) fills it
  w.gaps.push({ after: w.lastSeq, next: Math.min(...w.waiting.keys()), why, at: Date.now() });
  resume(w, 'gap ' + why);
}

function numbered(w, event, payload) {
  const seq = payload && payload.seq;
  const prevSeq = kit.prevSeqOf(payload);
  const ids = event === 'messages:sync' ? payload.messages.map((m) => m.id) : [];
  w.deliveries.push({ seq, prevSeq, event, ids, duringResume: w.resuming, at: Date.now() });
  if (!Number.isInteger(seq)) return;
  if (w.snapshot || w.lastSeq === null) {
    apply(w, seq, prevSeq, event, ids, w.snapshot);
    drain(w);
  } else if (seq <= w.lastSeq || w.waiting.has(seq)) {
    // seen already: counted from deliveries
  } else if (prevSeq <= w.lastSeq) {
    apply(w, seq, prevSeq, event, ids, false);
    drain(w);
  } else {
    w.waiting.set(seq, { prevSeq, event, ids });
    gap(w, 'live');
  }
}

function apply(w, seq, prevSeq, event, ids, fromSnapshot) {
  w.lastSeq = w.lastSeq === null ? seq : Math.max(w.lastSeq, seq);
  w.applied.push({ seq, prevSeq, event, ids, snapshot: fromSnapshot || undefined });
  for (const id of ids) {
    if (!(id in w.appliedAt)) w.appliedAt[id] = Date.now();
  }
}

function drain(w) {
  kit.drainWaiting(w, (seq, next) => apply(w, seq, next.prevSeq, next.event, next.ids, false));
}

// ------------------------------------------------------------------ the run

(async () => {
  const facts = { deviceId: DEVICE_ID, messages: MESSAGES, conversations: CONVERSATIONS, kills: [], drops: [] };
  const clients = [];
  const test = kit.fromTest();
  let generator;
  try {
    const phone = startPhone();
    clients.push(phone.client);
    await waitFor(() => phone.registered, kit.STEP_TIMEOUT_MS, 'phone registered');

    const webs = [];
    for (const [name, transports] of [['web-1', { transports: ['websocket'] }], ['web-2', { transports: ['websocket'] }],
      ['web-3', { transports: ['polling'] }]]) {
      const token = await kit.pairBrowser(base, phone.client.socket, DEVICE_ID);
      const w = startBrowser(name, transports, token);
      webs.push(w);
      clients.push(w);
      await waitFor(() => w.authenticated, kit.STEP_TIMEOUT_MS, name + ' authenticated');
    }
    // A browser with the phone, so that killing the phone's node makes it reconnect mid-stream, and one
    // away from it, which keeps its connection and must hear the rest from the phone's next node.
    const phoneNode = nodeOf(phone.client.socket);
    for (const [w, withPhone] of [[webs[0], true], [webs[1], false]]) {
      for (let i = 0; i < 10 && (nodeOf(w.socket) === phoneNode) !== withPhone; i++) {
        w.socket.disconnect().connect(); // the balancer is round-robin: the next connection lands elsewhere
        await waitFor(() => w.authenticated && w.socket.connected, kit.STEP_TIMEOUT_MS, w.name + ' placed');
      }
    }
    await waitFor(() => webs.every((w) => !w.resuming && w.lastSeq !== null), 10000, 'browsers settled').catch((e) => trace(e.message));
    facts.placed = Object.fromEntries(clients.map((c) => [c.name, nodeOf(c.socket)]));
    trace('placed', JSON.stringify(facts.placed));

    // The stream: numbered messages, round-robin over the conversations, a few at a time at a steady
    // rate. The phone's node is first frozen (SIGSTOP), right after a burst went out, and killed a few
    // bursts later: so the kill surely catches messages on the wire, which the relay may have stored
    // (unacknowledged) or not.
    let generated = 0;
    let firstKill = null;
    const streamStarted = Date.now();
    const kill = async (node, why, frozen) => {
      const placement = Object.fromEntries(clients.map((c) => [c.name, nodeOf(c.socket)]));
      tell({ kill: node, why, atMessage: generated, inFlight: phone.inFlight, placement });
      const record = { node, why, atMessage: frozen ? frozen.atMessage : generated, inFlight: phone.inFlight, placement,
        frozenAtMessage: frozen && frozen.atMessage, browsersThere: Object.keys(placement).filter((n) => n !== 'phone' && placement[n] === node) };
      trace('asking the test to kill', node, '(' + why + ') at message', record.atMessage, 'in flight', record.inFlight);
      const stopped = await test.next(30000, 'the test killing ' + node);
      record.at = stopped.at;
      record.generatedWhenDead = generated;
      trace('killed', node, 'with', generated, 'messages made');
      facts.kills.push(record);
      return record;
    };
    const freezeThenKill = async (node, why) => {
      tell({ freeze: node });
      const frozen = { atMessage: generated };
      await test.next(30000, 'the test freezing ' + node);
      trace('froze', node, 'at message', frozen.atMessage, 'in flight', phone.inFlight);
      await sleep(2.5 * (1000 * BURST) / MESSAGES_PER_SECOND); // two more bursts go to the frozen node
      return kill(node, why, frozen);
    };
    generator = setInterval(() => {
      for (let i = 0; i < BURST && generated < MESSAGES; i++) {
        const message = sms(++generated);
        phone.generated.push({ id: message.id, conversationId: message.conversationId });
        phone.unacked.push(message);
      }
      pump(phone);
      if (!firstKill && generated >= KILL_PHONE_NODE_AT && phone.registered) {
        firstKill = freezeThenKill(nodeOf(phone.client.socket), "the phone's node");
      }
      if (generated >= MESSAGES) clearInterval(generator);
    }, (1000 * BURST) / MESSAGES_PER_SECOND);

    // Chaos 1: kill -9 the phone's node mid-stream.
    await waitFor(() => firstKill !== null, RECOVERY_TIMEOUT_MS, 'stream reached the first kill');
    const first = await firstKill;
    await waitFor(() => phone.registrations.some((r) => r.at > first.at), RECOVERY_TIMEOUT_MS, 'phone registered again');
    await waitFor(() => webs.every((w) => w.authenticated && w.socket.connected), RECOVERY_TIMEOUT_MS, 'browsers back after the first kill');
    await waitFor(() => webs.every((w) => !w.resuming), 10000, 'browsers resumed after the first kill').catch((e) => trace(e.message));

    // Chaos 2: a node holding a browser but not the phone, and a browser elsewhere dropping its transport.
    await waitFor(() => generated >= BROWSER_CHAOS_AT, RECOVERY_TIMEOUT_MS, 'stream reached the browser chaos');
    const phoneNow = nodeOf(phone.client.socket);
    let away = webs.find((w) => nodeOf(w.socket) !== phoneNow);
    // All came back to the phone's node: move one (one more reconnect mid-stream). nginx's round-robin also serves
    // the other clients' requests and passes over the dead node, so a reconnect can land on the phone's node many
    // times in a row: six tries were not always enough (one CI run of three, once nodes ran on epoll).
    for (let i = 0; !away && i < 20; i++) {
      const w = webs[1];
      w.socket.disconnect().connect();
      await waitFor(() => w.authenticated && w.socket.connected, kit.STEP_TIMEOUT_MS, w.name + ' moved');
      away = webs.find((x) => nodeOf(x.socket) !== phoneNow);
    }
    const second = away ? await kill(nodeOf(away.socket), "a browser's node, not the phone's") : null;
    const dropper = webs.find((w) => !second || !second.browsersThere.includes(w.name));
    if (dropper) {
      trace(dropper.name, 'drops its transport on', nodeOf(dropper.socket));
      facts.drops.push({ name: dropper.name, node: nodeOf(dropper.socket), at: Date.now(), atMessage: generated });
      dropper.socket.io.engine.close(); // as a network change would: the client reconnects by itself
    }

    // The end: every message acknowledged, then every browser holds every message (or we stop waiting).
    await waitFor(() => generated >= MESSAGES && phone.unacked.length === 0, RECOVERY_TIMEOUT_MS, 'every message acknowledged');
    facts.streamMs = Date.now() - streamStarted;
    const ids = phone.generated.map((g) => g.id);
    const holdsAll = (w) => ids.every((id) => id in w.appliedAt);
    await waitFor(() => webs.every(holdsAll), RECOVERY_TIMEOUT_MS, 'every browser holds every message').catch((e) => trace(e.message));
    // A last resume from where each browser stands must find nothing it lacks.
    for (const w of webs) {
      const before = w.completes.length;
      resume(w, 'final check');
      await waitFor(() => w.completes.length > before, 10000, w.name + ' final sync:complete').catch((e) => trace(e.message));
    }

    const relative = (t) => (t === undefined ? null : t - first.at);
    facts.phone = {
      generated: phone.generated, sends: phone.sends, unconfirmed: phone.unconfirmed, errors: phone.client.facts.errors,
      registrations: phone.registrations.map((r) => ({ ...r, at: relative(r.at) })),
      unacked: phone.unacked.map((m) => m.id),
    };
    // Recovery, as a person would see it: from the kill until the browser shows a message made after
    // the node was dead, and every message before it.
    const caughtUp = (w, kill) => {
      const upTo = ids.slice(0, Math.min(ids.length, kill.generatedWhenDead + 1));
      if (!upTo.every((id) => id in w.appliedAt)) return null;
      return Math.max(...upTo.map((id) => w.appliedAt[id])) - kill.at;
    };
    facts.browsers = webs.map((w) => ({
      name: w.name, nodes: w.facts.nodes, disconnects: w.facts.disconnects.map((d) => ({ reason: d.reason, at: relative(d.at) })),
      errors: w.facts.errors, connectErrors: w.facts.connectErrors.length,
      deliveries: w.deliveries.map((d) => ({ ...d, at: relative(d.at) })),
      applied: w.applied, lastSeq: w.lastSeq, stillWaiting: [...w.waiting.keys()],
      resumes: w.resumes.map((r) => ({ ...r, at: relative(r.at) })), completes: w.completes.map((c) => ({ ...c, at: relative(c.at) })),
      resets: w.resets, gaps: w.gaps.map((g) => ({ ...g, at: relative(g.at) })), messageNew: w.messageNew,
      caughtUpMs: facts.kills.map((k) => caughtUp(w, k)),
    }));
    facts.kills = facts.kills.map((k) => ({ ...k, at: relative(k.at) }));
    facts.drops = facts.drops.map((d) => ({ ...d, at: relative(d.at) }));
    tell({ ok: true, ...facts });
  } catch (e) {
    trace('failed', e && e.stack);
    tell({ ok: false, error: String((e && e.stack) || e), kills: facts.kills });
  } finally {
    clearInterval(generator);
    test.close();
    clients.forEach((c) => c.socket.close());
    setTimeout(() => process.exit(0), 100);
  }
})();
