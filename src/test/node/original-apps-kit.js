'use strict';
// The two original client apps, as they were seen to behave when run unchanged against the relay
// (see docs/protocol.md, Compatibility with the original apps). Each plays its app event by event with the official
// socket.io-client, and the web app keeps the state its UI shows, by the app's own rules:
//
// - the phone registers with {deviceId, deviceName, deviceModel} after every connect, never with a
//   secret (it ignores extra fields of `authenticated`); it scans only after `authenticated`;
//   answers `request:sync` with its conversation list only; reconnects by itself with exponential
//   backoff (1 s doubling to 30 s, jitter, 10 attempts);
// - the web app authenticates after every connect and asks for a sync after `authenticated`;
//   `messages:sync` replaces the thread of its first message's conversation (or phone number) with the
//   payload, sorted by timestamp; `message:new` appends one message and bumps that conversation's
//   unread count; `conversations:sync` replaces the list and the unread counts; `mobile:disconnected`
//   shows the phone offline until a reload; opening a conversation sends `web:mark-read` and
//   `web:request-sync` back to back; it reconnects forever, every 3 s.
const { io } = require('socket.io-client');
const kit = require('./relay-kit');

const byTime = (a, b) => a.timestamp - b.timestamp;
const threadKey = (message) => String(message.conversationId || message.phoneNumber);

class OriginalPhone {
  constructor(name, baseUrl, deviceId) {
    this.name = name;
    this.deviceId = deviceId;
    this.conversations = [];
    this.commands = []; // every send:message / mark:read / request:sync, in arrival order
    this.registrations = 0; // `authenticated` answers
    this.errors = [];
    this.app = new kit.AppSocket(name, baseUrl, 'websocket');
    // The app's own reconnection settings (AppSocket starts with reconnection off; the manager reads these live).
    this.app.socket.io.reconnection(true).reconnectionAttempts(10).reconnectionDelay(1000).reconnectionDelayMax(30000)
      .randomizationFactor(0.5);
    const socket = this.app.socket;
    socket.on('connect', () => socket.emit('mobile:register', { deviceId, deviceName: name, deviceModel: 'Pixel 8' }));
    socket.on('authenticated', () => this.registrations++);
    socket.on('error', (e) => this.errors.push(e));
    socket.on('request:sync', () => {
      this.commands.push({ event: 'request:sync' });
      socket.emit('mobile:conversations', { conversations: this.conversations });
    });
    socket.on('mark:read', (p) => {
      this.commands.push({ event: 'mark:read', payload: p });
      this.conversations = this.conversations.map((c) => (c.id === p.conversationId ? { ...c, unreadCount: 0 } : c));
      socket.emit('mobile:conversations', { conversations: this.conversations });
    });
    socket.on('send:message', (p) => {
      this.commands.push({ event: 'send:message', payload: p });
      socket.emit('message:sent', { phoneNumber: p.phoneNumber, messageId: p.tempId });
    });
  }

  /** Connected and registered (the first `authenticated`). */
  async start() {
    await this.app.connect();
    await this.app.waitFor('authenticated', 'the phone is registered');
    return this;
  }

  scan(qrData) {
    this.app.emit('mobile:scan-qr', { qrData, deviceId: this.deviceId });
  }

  /** A chat opened on the phone: the whole thread. */
  pushThread(messages) {
    return this.app.ack('mobile:messages', { messages });
  }

  pushConversations(conversations) {
    this.conversations = conversations;
    return this.app.ack('mobile:conversations', { conversations });
  }

  /** A new SMS arrives: one message. */
  receive(message) {
    return this.app.ack('mobile:messages', { messages: [message] });
  }

  /** The network goes away under the app: the library reconnects by itself, and the app registers again. */
  async loseNetwork() {
    const before = this.registrations;
    const reconnected = kit.withTimeout(new Promise((resolve) => this.app.socket.io.once('reconnect', resolve)),
      this.name + ' reconnects by itself', 20000);
    this.app.socket.io.engine.close();
    await reconnected;
    await kit.withTimeout((async () => {
      while (this.registrations === before && this.errors.length === 0) {
        await kit.sleep(20);
      }
    })(), this.name + ' is answered after its register');
  }

  close() {
    this.app.close();
  }
}

class OriginalWebApp {
  constructor(name, baseUrl, sessionToken) {
    this.name = name;
    this.sessionToken = sessionToken;
    this.threads = new Map(); // thread key -> messages, as shown
    this.conversations = [];
    this.unread = new Map(); // conversation id -> badge
    this.phoneOffline = false;
    this.app = new kit.AppSocket(name, baseUrl, 'websocket');
    this.app.socket.io.reconnection(true).reconnectionDelay(3000).reconnectionDelayMax(3000).randomizationFactor(0);
    const socket = this.app.socket;
    socket.on('connect', () => socket.emit('web:authenticate', { sessionToken }));
    socket.on('authenticated', () => socket.emit('web:request-sync'));
    socket.on('messages:sync', (p) => {
      const messages = (p && p.messages) || [];
      if (messages.length > 0) {
        this.threads.set(threadKey(messages[0]), [...messages].sort(byTime));
      }
    });
    socket.on('message:new', (m) => {
      const key = threadKey(m);
      const thread = this.threads.get(key) || [];
      if (!thread.some((x) => x.id === m.id)) {
        this.threads.set(key, [...thread, m].sort(byTime));
      }
      const conversation = String(m.conversationId);
      this.unread.set(conversation, (this.unread.get(conversation) || 0) + 1);
    });
    socket.on('conversations:sync', (p) => {
      this.conversations = (p && p.conversations) || [];
      this.unread = new Map(this.conversations.map((c) => [String(c.id), c.unreadCount]));
    });
    socket.on('mobile:disconnected', () => {
      this.phoneOffline = true;
    });
  }

  /** Connected, authenticated, and its first sync asked for. */
  async start() {
    await this.app.connect();
    await this.app.waitFor('authenticated', 'the web app is authenticated');
    return this;
  }

  /** The user clicks a conversation. */
  open(conversationId) {
    this.app.emit('web:mark-read', { conversationId });
    this.app.emit('web:request-sync');
  }

  send(phoneNumber, message, tempId) {
    return this.app.ack('web:send-message', { phoneNumber, message, tempId });
  }

  thread(key) {
    return (this.threads.get(String(key)) || []).map((m) => m.id);
  }

  close() {
    this.app.close();
  }
}

/** A browser pairs with the phone as the web app does: QR, long-poll, the phone scans. Resolves with the session token. */
async function pairOriginal(baseUrl, phone) {
  const qr = await kit.generateQr(baseUrl);
  const waiting = kit.waitPairing(baseUrl, qr.token);
  phone.scan(qr.qrData);
  await phone.app.waitForPayload('qr:paired', { success: true });
  return kit.assertSessionResponse(await kit.withTimeout(waiting, 'wait-pairing answers after the scan'));
}

/** Messages of one conversation with distinct, increasing timestamps. */
function thread(conversationId, phoneNumber, count, firstTimestamp, prefix = conversationId) {
  return Array.from({ length: count }, (_, i) => ({
    id: prefix + '-' + i,
    conversationId,
    phoneNumber,
    body: 'message ' + i + ' of ' + conversationId,
    timestamp: firstTimestamp + i * 1000,
    type: i % 2 ? 'sent' : 'received',
    read: true,
  }));
}

function conversation(id, phoneNumber, last, unreadCount) {
  return { id, phoneNumber, contactName: 'Contact ' + id, lastMessage: last.body, lastMessageTime: last.timestamp, unreadCount };
}

module.exports = { OriginalPhone, OriginalWebApp, conversation, pairOriginal, thread, threadKey };
