'use strict';
// Phones stream numbered SMS through a relay cluster on separate hosts while the test breaks it
// (partitions, kills, restarts); browsers send replies; reports what every client ended up with.
//
// Usage: node hosts-stream.js '<options JSON>'
//   base           the load balancer's URL (clients that are not pinned connect there)
//   phones         [{name, url}]: each phone and where it connects (url defaults to base)
//   browsers       [{name, phone, url, transports}]: browsers paired with a phone
//   messages       numbered SMS per phone (a phone's own `messages` overrides it); 0: until the test says
//                  {"stop":true}
//   rate           SMS per second per phone
//   conversations  per phone (4); messages of one conversation are sent one at a time
//   sendEveryMs    each browser sends a reply (web:send-message) this often (0: never)
//   resumeOnReconnect  browsers send web:request-sync {since} after a reconnect (the extension);
//                  without it they behave as the original web app: request-sync without since
//   settleMs       after the stream, how long to wait for every browser to hold every message
//   confirmCommands  phones declare confirmsCommands and confirm every send (message:sent {tempId}), so a
//                  send handed to a socket that died is handed over again (the phone drops repeats by tempId)
//
// Browsers never ask to resume after a gap in what they see live: the relay must fill it by itself.
// The phone re-sends, with the same ids, whatever the relay did not acknowledge (ack timeout, refusal,
// lost connection), after its next register, in order, as a careful app does.
//
// Protocol with the test (JSON lines): we print {"progress":{phone: acknowledged count}} every second
// and {"streamed":true} when every phone's messages are acknowledged. The test tells us of what it did
// ({"incident": what, "at": epoch ms}: a kill, a restart), which we time recovery from, and says
// {"finish":true} once it is done (we then settle and report). We end with {"ok":true, ...facts} or
// {"ok":false,"error"}.
const kit = require('./cluster-kit');
const { nodeOf, sleep, tell, trace, waitFor } = kit;

const options = JSON.parse(process.argv[2]);
const base = options.base;
const CONVERSATIONS = options.conversations || 4; // each on the wire one message at a time
const IN_FLIGHT = 32;
const ACK_TIMEOUT_MS = options.ackTimeoutMs || 5000;
const run = Math.random().toString(16).slice(2, 10);
const T0 = 1719000000000;

// ------------------------------------------------------------------ phones

function startPhone(spec) {
  const deviceId = `${spec.name}-${run}`;
  const p = {
    name: spec.name, deviceId, total: spec.messages || options.messages || Infinity, secret: undefined, registered: false, epoch: 0, inFlight: 0,
    unacked: [], onWire: new Set(), busy: new Set(), generated: [], madeAt: {}, sends: {}, acked: 0, registrations: [], unconfirmed: [],
    commands: {}, // tempId -> times received
  };
  const sms = (n) => ({ id: `${spec.name}-${run}-${n}`, conversationId: 'conv-' + (n % CONVERSATIONS),
    phoneNumber: '+1555000' + (n % CONVERSATIONS), body: 'message ' + n, timestamp: T0 + n, type: 'received', read: false });
  p.make = (n) => sms(n);
  p.client = kit.client(spec.url || base, spec.name,
    { transports: ['websocket'], reconnectionDelay: 1000, reconnectionDelayMax: 5000, randomizationFactor: 0.5 },
    (s) => s.emit('mobile:register', { deviceId, deviceName: 'bed phone', deviceModel: 'node', deviceSecret: p.secret,
      confirmsCommands: options.confirmCommands || undefined }));
  const socket = p.client.socket;
  socket.on('authenticated', (a) => {
    if (!a || !a.success) return;
    if (a.deviceSecret) p.secret = a.deviceSecret;
    p.registered = true;
    p.epoch++;
    p.inFlight = 0;
    p.onWire.clear();
    p.busy.clear();
    p.registrations.push({ node: nodeOf(socket), at: Date.now(), resending: p.unacked.length });
    trace(p.name, 'registered on', nodeOf(socket), 'resending', p.unacked.length);
    pump(p);
  });
  socket.on('disconnect', () => {
    p.registered = false;
    p.epoch++;
  });
  socket.on('send:message', (command) => {
    const key = command && command.tempId;
    p.commands[key] = (p.commands[key] || 0) + 1;
    if (options.confirmCommands) socket.emit('message:sent', { tempId: key });
  });
  socket.on('request:sync', () => {
    if (!p.registered) return;
    const conversations = [...Array(CONVERSATIONS).keys()].map((c) => ({ id: 'conv-' + c, phoneNumber: '+1555000' + c,
      contactName: 'Contact ' + c, lastMessage: '', lastMessageTime: T0, unreadCount: 0 }));
    socket.emit('mobile:conversations', { conversations });
  });
  return p;
}

// At most one message per conversation on the wire: a message is sent only once every earlier one of
// its conversation is acknowledged, so a re-send can never overtake (each conversation stays in order).
function pump(p) {
  if (!p.registered) return;
  for (const m of p.unacked) {
    if (p.inFlight >= IN_FLIGHT) return;
    if (p.onWire.has(m.id) || p.busy.has(m.conversationId)) continue;
    send(p, m);
  }
}

function send(p, message) {
  const socket = p.client.socket;
  const epoch = p.epoch;
  p.inFlight++;
  p.onWire.add(message.id);
  p.busy.add(message.conversationId);
  p.sends[message.id] = (p.sends[message.id] || 0) + 1;
  socket.timeout(ACK_TIMEOUT_MS).emit('mobile:messages', { messages: [message] }, (err, ack) => {
    if (epoch !== p.epoch) return; // that registration is over: everything unacknowledged goes again after the next
    p.inFlight--;
    p.onWire.delete(message.id);
    p.busy.delete(message.conversationId);
    if (!err && ack && ack.success) {
      const i = p.unacked.indexOf(message);
      if (i >= 0) {
        p.unacked.splice(i, 1);
        p.acked++;
      }
      pump(p);
      return;
    }
    p.unconfirmed.push({ id: message.id, problem: err ? String(err.message) : JSON.stringify(ack), at: Date.now() });
    trace(p.name, 'no ack for', message.id, err ? err.message : JSON.stringify(ack));
    if (ack && ack.retryable) { // storage away: the same message again shortly, on this connection
      setTimeout(() => { if (epoch === p.epoch) pump(p); }, 500);
      return;
    }
    p.registered = false;
    p.epoch++;
    if (socket.connected) socket.disconnect().connect();
  });
}

// ------------------------------------------------------------------ browsers

function startBrowser(spec, phone, sessionToken) {
  const transports = spec.transports ? { transports: spec.transports } : {};
  const w = kit.client(spec.url || base, spec.name,
    { ...transports, reconnectionDelay: 3000, reconnectionDelayMax: 3000, randomizationFactor: 0 },
    (s) => s.emit('web:authenticate', { sessionToken }));
  Object.assign(w, {
    phone, authenticated: false, authentications: 0, lastSeq: null, waiting: new Map(), snapshot: false,
    deliveries: [], applied: [], appliedAt: {}, presence: [], resets: [], completes: [], resumes: [],
    sent: [], acked: {}, sendFailures: [],
  });
  const s = w.socket;
  s.on('authenticated', (a) => {
    if (!a || !a.success) return;
    w.authenticated = true;
    w.authentications++;
    if (w.authentications > 1 && options.resumeOnReconnect && w.lastSeq !== null) {
      w.resumes.push({ since: w.lastSeq, at: Date.now(), node: nodeOf(s) });
      s.emit('web:request-sync', { since: w.lastSeq });
    } else {
      s.emit('web:request-sync');
    }
  });
  s.on('disconnect', () => { w.authenticated = false; });
  for (const event of ['messages:sync', 'conversations:sync', 'message:status']) {
    s.on(event, (payload) => numbered(w, event, payload));
  }
  s.on('mobile:connected', () => w.presence.push({ online: true, at: Date.now(), node: nodeOf(s) }));
  s.on('mobile:disconnected', () => w.presence.push({ online: false, at: Date.now(), node: nodeOf(s) }));
  s.on('sync:reset', (r) => {
    trace(w.name, 'sync:reset', JSON.stringify(r));
    w.resets.push({ ...r, at: Date.now() });
    w.snapshot = true;
  });
  s.on('sync:complete', (c) => {
    w.completes.push({ seq: c.seq, at: Date.now() });
    w.snapshot = false;
    drain(w);
  });
  return w;
}

function numbered(w, event, payload) {
  const seq = payload && payload.seq;
  const prevSeq = kit.prevSeqOf(payload);
  const ids = event === 'messages:sync' ? payload.messages.map((m) => m.id).filter((id) => id.startsWith(w.phone.name + '-')) : [];
  w.deliveries.push({ seq, prevSeq, ids });
  if (!Number.isInteger(seq)) return;
  if (w.snapshot || w.lastSeq === null) {
    apply(w, seq, prevSeq, event, ids, w.snapshot);
    drain(w);
  } else if (seq <= w.lastSeq || w.waiting.has(seq)) {
    // seen already
  } else if (prevSeq <= w.lastSeq) {
    apply(w, seq, prevSeq, event, ids, false);
    drain(w);
  } else {
    w.waiting.set(seq, { prevSeq, event, ids }); // applied once the relay fills the gap
  }
}

function apply(w, seq, prevSeq, event, ids, fromSnapshot) {
  w.lastSeq = w.lastSeq === null ? seq : Math.max(w.lastSeq, seq);
  w.applied.push({ seq, prevSeq, ids, snapshot: fromSnapshot || undefined });
  for (const id of ids) {
    if (!(id in w.appliedAt)) w.appliedAt[id] = Date.now();
  }
}

function drain(w) {
  kit.drainWaiting(w, (seq, next) => apply(w, seq, next.prevSeq, next.event, next.ids, false));
}

function sendReply(w) {
  if (!w.authenticated) return;
  const tempId = `${w.name}-${run}-reply-${w.sent.length}`;
  w.sent.push(tempId);
  w.socket.timeout(10000).emit('web:send-message', { phoneNumber: '+15550000', message: 'reply ' + tempId, tempId }, (err, ack) => {
    if (!err && ack && ack.success) w.acked[tempId] = Date.now();
    else w.sendFailures.push({ tempId, problem: err ? String(err.message) : JSON.stringify(ack) });
  });
}

// ------------------------------------------------------------------ the run

(async () => {
  const test = kit.fromTest();
  const incidents = [];
  let finish;
  let stop = () => {};
  const finished = new Promise((resolve) => { finish = resolve; });
  (async () => {
    for (;;) {
      const line = await test.next(24 * 3600 * 1000, 'the test');
      if (line.incident) incidents.push(line);
      if (line.stop) stop();
      if (line.finish) { finish(); return; }
    }
  })().catch(() => {});
  const clients = [];
  const timers = [];
  let report;
  try {
    const phones = {};
    for (const spec of options.phones) {
      const p = startPhone(spec);
      phones[spec.name] = p;
      clients.push(p.client);
      await waitFor(() => p.registered, kit.STEP_TIMEOUT_MS, spec.name + ' registered');
    }
    const webs = [];
    for (const spec of options.browsers) {
      const phone = phones[spec.phone];
      const token = await kit.pairBrowser(base, phone.client.socket, phone.deviceId);
      const w = startBrowser(spec, phone, token);
      webs.push(w);
      clients.push(w);
      await waitFor(() => w.authenticated, kit.STEP_TIMEOUT_MS, spec.name + ' authenticated');
    }
    await sleep(500);
    const placement = Object.fromEntries(clients.map((c) => [c.name, nodeOf(c.socket)]));
    tell({ placed: placement });
    trace('placed', JSON.stringify(placement));

    // The stream: each phone makes `rate` messages a second until `messages`.
    const started = Date.now();
    const tickMs = 50;
    for (const p of Object.values(phones)) {
      let made = 0;
      const timer = setInterval(() => {
        const due = Math.min(p.total, Math.floor(((Date.now() - started) / 1000) * options.rate));
        while (made < due) {
          const m = p.make(++made);
          p.generated.push({ id: m.id, conversationId: m.conversationId });
          p.madeAt[m.id] = Date.now();
          p.unacked.push(m);
        }
        pump(p);
        if (made >= p.total) clearInterval(timer);
      }, tickMs);
      timers.push(timer);
    }
    if (options.sendEveryMs > 0) {
      for (const w of webs) timers.push(setInterval(() => sendReply(w), options.sendEveryMs));
    }
    const progress = setInterval(() => tell({ progress: Object.fromEntries(Object.values(phones).map((p) => [p.name, p.acked])),
      at: Date.now() - started }), 1000);
    timers.push(progress);

    const all = Object.values(phones);
    stop = () => all.forEach((p) => { p.total = Math.min(p.total, p.generated.length); });
    await waitFor(() => all.every((p) => p.generated.length >= p.total && p.unacked.length === 0),
      options.streamTimeoutMs || 600000, 'every message acknowledged', 200);
    const streamMs = Date.now() - started;
    tell({ streamed: true, streamMs });
    for (const t of timers.splice(0)) clearInterval(t);
    await kit.withTimeout(finished, options.finishTimeoutMs || 600000, 'the test saying finish');

    // Settle: every browser holds every message of its phone, every acknowledged reply reached its phone.
    const holdsAll = (w) => w.phone.generated.every((g) => g.id in w.appliedAt);
    const settled = Date.now();
    await waitFor(() => webs.every(holdsAll), options.settleMs || 30000, 'every browser holds every message', 200)
      .catch((e) => trace(e.message));
    const settleMs = Date.now() - settled;
    await waitFor(() => webs.every((w) => Object.keys(w.acked).every((t) => t in w.phone.commands)), 15000,
      'every acknowledged reply reached the phone', 200).catch((e) => trace(e.message));
    await sleep(1000); // late duplicates, if any, show up

    // Recovery from each incident, as people see it: until every browser shows every message made before it.
    const recovery = incidents.map((i) => {
      let worst = 0;
      for (const w of webs) {
        for (const [id, made] of Object.entries(w.phone.madeAt)) {
          if (made > i.at) continue;
          const shown = w.appliedAt[id];
          worst = Math.max(worst, shown === undefined ? Infinity : shown - i.at);
        }
      }
      return { ...i, recoveredMs: worst === Infinity ? null : worst };
    });
    report = ({
      ok: true, streamMs, settleMs, messages: options.messages, incidents: recovery,
      phones: all.map((p) => ({
        name: p.name, deviceId: p.deviceId, generated: p.generated, sends: p.sends, unacked: p.unacked.map((m) => m.id),
        registrations: p.registrations, unconfirmed: p.unconfirmed.length, commands: p.commands, errors: p.client.facts.errors,
        connected: p.client.socket.connected,
      })),
      browsers: webs.map((w) => ({
        name: w.name, phone: w.phone.name, nodes: w.facts.nodes, disconnects: w.facts.disconnects, errors: w.facts.errors,
        deliveries: w.deliveries, applied: w.applied, lastSeq: w.lastSeq, stillWaiting: [...w.waiting.keys()],
        presence: w.presence, resets: w.resets, completes: w.completes, resumes: w.resumes,
        sent: w.sent, acked: Object.keys(w.acked), sendFailures: w.sendFailures,
        missing: w.phone.generated.filter((g) => !(g.id in w.appliedAt)).length,
      })),
    });
  } catch (e) {
    trace('failed', e && e.stack);
    report = { ok: false, error: String((e && e.stack) || e) };
  } finally {
    for (const t of timers) clearInterval(t);
    test.close();
    const line = JSON.stringify(report) + '\n'; // before closing: our own closes are not the relay's doing
    clients.forEach((c) => c.socket.close());
    // The facts run to megabytes: exit only once they are all written (an exit cuts a pending write short).
    process.stdout.write(line, () => setTimeout(() => process.exit(0), 100));
  }
})();
