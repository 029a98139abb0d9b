// The demo web client: pairs by QR like the real web app (generate-qr, wait-pairing, verify), then
// speaks the relay's Socket.IO events with the official socket.io-client. No build step, no framework.
(function () {
  'use strict';

  var SESSION_KEY = 'relay-demo-session';
  var SHARED_QR_KEY = 'relay-demo-qrdata'; // lets the simulator in another tab "pick" the QR shown here

  var $ = function (id) { return document.getElementById(id); };
  var state = {
    socket: null,
    deviceId: null,
    conversations: [],          // as the phone sent them
    messages: new Map(),        // id -> message, de-duplicated like the real web app
    selected: null,             // conversation id
    presence: 'unknown',
    syncing: false,             // between web:request-sync and its ack
    pairingAbort: null
  };

  // --- REST -----------------------------------------------------------------------------------

  function api(path, body, signal) {
    var init = body === undefined ? { signal: signal } : {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: signal
    };
    return fetch(path, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (json) {
        return { status: res.status, json: json };
      });
    });
  }

  // --- pairing --------------------------------------------------------------------------------

  function start() {
    var token = localStorage.getItem(SESSION_KEY);
    if (!token) { showPairing(); return; }
    api('/api/auth/verify', { sessionToken: token }).then(function (r) {
      if (r.status === 200 && r.json.success) {
        connect(token, r.json.data.deviceId);
      } else {
        localStorage.removeItem(SESSION_KEY);
        showPairing();
      }
    }, function () { showPairing(); });
  }

  function showPairing() {
    $('paired').classList.add('hidden');
    $('pairing').classList.remove('hidden');
    newQr();
  }

  function newQr() {
    if (state.pairingAbort) { state.pairingAbort.abort(); }
    var abort = new AbortController();
    state.pairingAbort = abort;
    $('pairing-status').textContent = 'getting a QR…';
    api('/api/auth/generate-qr', undefined, abort.signal).then(function (r) {
      if (r.status !== 200) { throw new Error(r.json.error || ('HTTP ' + r.status)); }
      var qr = r.json.data;
      // By its image handle: the token stays in JSON bodies, out of URLs, logs and Referer headers.
      $('qr').src = '/api/auth/qr/' + qr.imageId + '.svg';
      $('qr-data').value = qr.qrData;
      localStorage.setItem(SHARED_QR_KEY, qr.qrData);
      $('qr-expiry').textContent = 'valid for ' + Math.round(qr.expiresIn / 60000) + ' minutes, one scan';
      $('pairing-status').textContent = 'waiting for the phone…';
      return api('/api/auth/wait-pairing', { token: qr.token }, abort.signal);
    }).then(function (r) {
      if (abort.signal.aborted) { return; }
      localStorage.removeItem(SHARED_QR_KEY);
      if (r.status === 200 && r.json.success) {
        localStorage.setItem(SESSION_KEY, r.json.data.sessionToken);
        $('pairing-status').textContent = 'paired';
        connect(r.json.data.sessionToken, null);
      } else {
        // Expired (408), already collected (410) or anything else: the real web app simply shows a new QR.
        $('pairing-status').textContent = (r.json.error || 'pairing failed') + ', new QR…';
        setTimeout(newQr, 1000);
      }
    }).catch(function (e) {
      if (abort.signal.aborted) { return; }
      $('pairing-status').textContent = 'error: ' + e.message + ', retrying…';
      setTimeout(newQr, 3000);
    });
  }

  // --- socket ---------------------------------------------------------------------------------

  function connect(sessionToken, deviceId) {
    $('pairing').classList.add('hidden');
    $('paired').classList.remove('hidden');
    if (deviceId) { $('device-id').textContent = deviceId; }
    // Default transports: HTTP long-polling first, then the upgrade to WebSocket.
    var socket = io({ reconnectionDelay: 3000 });
    state.socket = socket;

    socket.on('connect', function () {
      setConnection('connected (' + socket.io.engine.transport.name + ')', 'ok');
      socket.emit('web:authenticate', { sessionToken: sessionToken });
    });
    socket.io.engine.on('upgrade', function (transport) {
      setConnection('connected (' + transport.name + ')', 'ok');
    });
    socket.on('disconnect', function (reason) { setConnection('disconnected: ' + reason, 'bad'); });
    socket.on('connect_error', function () { setConnection('reconnecting…', 'warn'); });

    socket.on('authenticated', function (data) {
      state.deviceId = data.deviceId;
      $('device-id').textContent = data.deviceId;
      requestSync();
    });
    // A sync is answered from storage (to this page only), one messages:sync per conversation; where the
    // phone is, the relay's presence events say (mobile:connected / mobile:disconnected).
    socket.on('conversations:sync', function (data) {
      state.conversations = (data && data.conversations) || [];
      renderConversations();
    });
    socket.on('messages:sync', function (data) {
      ((data && data.messages) || []).forEach(addMessage);
      renderThread();
    });
    socket.on('message:status', function (data) {
      setPresence('online');
      var message = state.messages.get(String(data.messageId));
      if (message) { message.status = data.status; renderThread(); }
    });
    socket.on('mobile:disconnected', function () { setPresence('offline'); });
    // The relay's presence extension: the phone registered, or was online when we authenticated.
    socket.on('mobile:connected', function () {
      var wasOffline = state.presence !== 'online';
      setPresence('online');
      if (wasOffline && !state.syncing) { requestSync(); }
    });
    socket.on('error', function (data) {
      var text = (data && data.message) || 'error';
      $('last-error').textContent = 'relay: ' + text;
      if (text === 'Mobile device not connected') { setPresence('offline'); }
      if (text === 'Invalid or expired session') { forget(); }
    });
  }

  // The relay answers a sync from storage and asks the phone too, when it is online.
  function requestSync() {
    state.syncing = true;
    state.socket.emit('web:request-sync', function () {
      state.syncing = false;
    });
  }

  function forget() {
    localStorage.removeItem(SESSION_KEY);
    if (state.socket) { state.socket.disconnect(); state.socket = null; }
    state.messages.clear();
    state.conversations = [];
    state.selected = null;
    setConnection('not connected', '');
    setPresence('unknown');
    showPairing();
  }

  // --- view -----------------------------------------------------------------------------------

  function setConnection(text, kind) {
    var el = $('connection');
    el.textContent = text;
    el.className = 'pill ' + (kind || '');
  }

  function setPresence(presence) {
    state.presence = presence;
    var el = $('presence');
    el.textContent = 'phone: ' + presence;
    el.className = 'pill ' + (presence === 'online' ? 'ok' : presence === 'offline' ? 'bad' : '');
  }

  function addMessage(message) {
    if (!message || message.id === undefined || message.id === null) { return; }
    var id = String(message.id);
    var known = state.messages.get(id);
    state.messages.set(id, Object.assign({}, known, message));
  }

  function conversationOf(message) {
    if (message.conversationId !== undefined && message.conversationId !== null) { return String(message.conversationId); }
    var match = state.conversations.find(function (c) { return c.phoneNumber === message.phoneNumber; });
    return match ? String(match.id) : null;
  }

  function renderConversations() {
    var list = $('conversations');
    list.textContent = '';
    var sorted = state.conversations.slice().sort(function (a, b) { return (b.lastMessageTime || 0) - (a.lastMessageTime || 0); });
    if (!sorted.length) {
      var empty = document.createElement('div');
      empty.className = 'empty muted';
      empty.textContent = 'No conversations yet. Send an SMS from the phone simulator.';
      list.appendChild(empty);
    }
    if (state.selected === null && sorted.length) { state.selected = String(sorted[0].id); }
    sorted.forEach(function (c) {
      var item = document.createElement('button');
      item.type = 'button';
      item.className = 'conversation' + (String(c.id) === state.selected ? ' selected' : '');
      item.setAttribute('data-testid', 'conversation');
      var name = document.createElement('div');
      name.className = 'name';
      var title = document.createElement('span');
      title.textContent = c.contactName || c.phoneNumber;
      name.appendChild(title);
      if (c.unreadCount > 0) {
        var badge = document.createElement('span');
        badge.className = 'badge';
        badge.setAttribute('data-testid', 'unread');
        badge.textContent = c.unreadCount;
        name.appendChild(badge);
      }
      var preview = document.createElement('div');
      preview.className = 'preview';
      preview.textContent = c.lastMessage || '';
      item.appendChild(name);
      item.appendChild(preview);
      item.addEventListener('click', function () { state.selected = String(c.id); renderConversations(); });
      list.appendChild(item);
    });
    renderThread();
  }

  function renderThread() {
    var conversation = state.conversations.find(function (c) { return String(c.id) === state.selected; });
    $('thread-title').textContent = conversation ? (conversation.contactName || conversation.phoneNumber) : 'Select a conversation';
    $('mark-read').disabled = !conversation || !(conversation.unreadCount > 0);
    var number = document.querySelector('#composer input[name=phoneNumber]');
    if (conversation && document.activeElement !== number) { number.value = conversation.phoneNumber; }

    var bubbles = $('bubbles');
    bubbles.textContent = '';
    var shown = Array.from(state.messages.values())
      .filter(function (m) { return conversation && conversationOf(m) === String(conversation.id); })
      .sort(function (a, b) { return (a.timestamp || 0) - (b.timestamp || 0); });
    shown.forEach(function (m) {
      var bubble = document.createElement('div');
      bubble.className = 'bubble ' + (m.type === 'sent' ? 'sent' : 'received');
      bubble.setAttribute('data-testid', 'message');
      bubble.setAttribute('data-message-id', String(m.id));
      var body = document.createElement('div');
      body.textContent = m.body;
      var meta = document.createElement('div');
      meta.className = 'meta';
      meta.textContent = m.timestamp ? new Date(m.timestamp).toLocaleTimeString() : '';
      if (m.type === 'sent' && m.status) {
        var status = document.createElement('span');
        status.className = 'status ' + m.status;
        status.setAttribute('data-testid', 'status');
        status.textContent = ' · ' + m.status;
        meta.appendChild(status);
      }
      bubble.appendChild(body);
      bubble.appendChild(meta);
      bubbles.appendChild(bubble);
    });
    bubbles.scrollTop = bubbles.scrollHeight;
  }

  // --- actions --------------------------------------------------------------------------------

  $('composer').addEventListener('submit', function (event) {
    event.preventDefault();
    var form = event.target;
    var phoneNumber = form.phoneNumber.value.trim();
    var text = form.message.value;
    if (!state.socket || !phoneNumber || !text) { return; }
    var tempId = 'web-' + Date.now();
    state.socket.emit('web:send-message', { phoneNumber: phoneNumber, message: text, tempId: tempId }, function (ack) {
      if (ack && !ack.success) { $('last-error').textContent = 'not sent: ' + ack.error; }
    });
    form.message.value = '';
  });

  $('mark-read').addEventListener('click', function () {
    if (state.socket && state.selected !== null) {
      state.socket.emit('web:mark-read', { conversationId: state.selected });
    }
  });
  $('sync').addEventListener('click', function () { if (state.socket) { requestSync(); } });
  $('unpair').addEventListener('click', forget);
  $('new-qr').addEventListener('click', newQr);
  $('copy-qr').addEventListener('click', function () {
    var text = $('qr-data').value;
    if (navigator.clipboard) {
      navigator.clipboard.writeText(text).catch(function () { $('qr-data').select(); });
    } else {
      $('qr-data').select();
    }
  });

  start();
})();
