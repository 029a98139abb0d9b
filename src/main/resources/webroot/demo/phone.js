// The phone simulator: plays the Android app against the relay with the official socket.io-client.
// It keeps a tiny SMS store in memory, registers after every connect, pairs by scanning (pasting) a
// QR text, produces incoming SMS, and answers the relay's commands (send:message, mark:read,
// request:sync) the way the app does.
(function () {
  'use strict';

  var DEVICE_KEY = 'relay-demo-phone-device';
  var SHARED_QR_KEY = 'relay-demo-qrdata';
  var $ = function (id) { return document.getElementById(id); };

  var socket = null;
  var nextId = Date.now();
  var conversations = new Map(); // id -> conversation
  var messages = [];             // every message on the "phone"

  // --- device ---------------------------------------------------------------------------------

  var SECRET_KEY_PREFIX = 'relay-demo-device-secret:';
  var deviceId = localStorage.getItem(DEVICE_KEY);
  if (!deviceId) {
    deviceId = 'sim-' + Math.random().toString(16).slice(2, 10);
    localStorage.setItem(DEVICE_KEY, deviceId);
  }
  $('device-id').value = deviceId;

  function connect() {
    if (socket) { return; }
    deviceId = $('device-id').value.trim() || deviceId;
    localStorage.setItem(DEVICE_KEY, deviceId);
    // Like the Android app: WebSocket only, reconnect with back-off.
    socket = io({ transports: ['websocket'], reconnectionDelayMax: 30000 });
    socket.on('connect', function () {
      setPill('connection', 'connected', 'ok');
      // Present the device secret the relay gave this deviceId on its first register, as a real app would.
      send('mobile:register', { deviceId: deviceId, deviceName: $('device-name').value, deviceModel: 'Browser simulator',
        deviceSecret: localStorage.getItem(SECRET_KEY_PREFIX + deviceId) || undefined });
    });
    socket.on('disconnect', function (reason) { setPill('connection', 'disconnected: ' + reason, 'bad'); });
    socket.on('connect_error', function () { setPill('connection', 'reconnecting…', 'warn'); });

    socket.on('authenticated', function (answer) {
      received('authenticated');
      if (answer && answer.deviceSecret) {
        localStorage.setItem(SECRET_KEY_PREFIX + deviceId, answer.deviceSecret);
      }
      // A phone that (re)connects pushes its conversation list, so browsers see it is back.
      sendConversations();
    });
    socket.on('qr:paired', function () {
      received('qr:paired');
      setPill('pair-state', 'paired', 'ok');
    });
    socket.on('send:message', function (data) {
      received('send:message', 'to ' + data.phoneNumber + ': "' + data.message + '"');
      deliverOutgoing(data);
    });
    socket.on('mark:read', function (data) {
      received('mark:read', 'conversation ' + data.conversationId);
      markRead(String(data.conversationId));
    });
    socket.on('request:sync', function () {
      received('request:sync');
      sendConversations();
      // The app also sends the messages a browser needs to show the chats (here: all of them).
      if (messages.length) { send('mobile:messages', { messages: messages.slice(-200) }, messages.length + ' message(s)'); }
    });
    socket.on('error', function (data) {
      log('err', '← error', (data && data.message) || '');
      if (data && /QR code/.test(data.message)) { setPill('pair-state', 'pairing refused', 'bad'); }
    });
    $('connect').disabled = true;
    $('disconnect').disabled = false;
  }

  function disconnect() {
    if (!socket) { return; }
    socket.disconnect();
    socket = null;
    setPill('connection', 'offline', '');
    $('connect').disabled = false;
    $('disconnect').disabled = true;
  }

  // --- the SMS store --------------------------------------------------------------------------

  function conversationFor(phoneNumber, contactName) {
    var found = Array.from(conversations.values()).find(function (c) { return c.phoneNumber === phoneNumber; });
    if (found) {
      if (contactName) { found.contactName = contactName; }
      return found;
    }
    var conversation = { id: 'c-' + (nextId++), phoneNumber: phoneNumber, lastMessage: '', lastMessageTime: 0, unreadCount: 0 };
    if (contactName) { conversation.contactName = contactName; }
    conversations.set(conversation.id, conversation);
    return conversation;
  }

  function store(message, conversation) {
    messages.push(message);
    conversation.lastMessage = message.body;
    conversation.lastMessageTime = message.timestamp;
    if (message.type === 'received' && !message.read) { conversation.unreadCount++; }
    renderConversations();
  }

  function receiveSms(from, contactName, body) {
    var conversation = conversationFor(from, contactName);
    var message = {
      id: 'm-' + (nextId++), conversationId: conversation.id, phoneNumber: from, body: body,
      timestamp: Date.now(), type: 'received', read: false
    };
    store(message, conversation);
    send('mobile:messages', { messages: [message] }, 'from ' + from + ': "' + body + '"');
    sendConversations();
  }

  // The app sends the SMS, reports it, then reports the network's statuses as they come.
  function deliverOutgoing(request) {
    var conversation = conversationFor(request.phoneNumber);
    var message = {
      id: request.tempId || ('m-' + (nextId++)), conversationId: conversation.id, phoneNumber: request.phoneNumber,
      body: request.message, timestamp: Date.now(), type: 'sent', status: 'sending', read: true
    };
    store(message, conversation);
    send('mobile:messages', { messages: [message] }, 'to ' + request.phoneNumber + ' (sending)');
    sendConversations();
    var fail = $('fail-sends').checked;
    status(message, fail ? 'failed' : 'sent', 400);
    if (!fail) { status(message, 'delivered', 1200); }
  }

  function status(message, value, delayMs) {
    setTimeout(function () {
      message.status = value;
      send('mobile:message-status', { messageId: message.id, status: value }, value);
    }, delayMs);
  }

  function markRead(conversationId) {
    var conversation = conversations.get(conversationId);
    if (!conversation) { return; }
    conversation.unreadCount = 0;
    messages.forEach(function (m) { if (m.conversationId === conversationId) { m.read = true; } });
    renderConversations();
    sendConversations();
  }

  function sendConversations() {
    send('mobile:conversations', { conversations: Array.from(conversations.values()) }, conversations.size + ' conversation(s)');
  }

  // --- wire and view --------------------------------------------------------------------------

  function send(event, payload, note) {
    if (!socket) { log('err', '✗ ' + event, 'offline, not sent'); return; }
    socket.emit(event, payload, function (ack) {
      if (ack && ack.success === false) { log('err', '✗ ' + event, ack.error); }
    });
    log('out', '→ ' + event, note || '');
  }

  function received(event, note) {
    log('in', '← ' + event, note || '');
  }

  function log(kind, what, note) {
    var item = document.createElement('li');
    var name = document.createElement('span');
    name.className = kind;
    name.textContent = new Date().toLocaleTimeString() + ' ' + what;
    item.appendChild(name);
    if (note) { item.appendChild(document.createTextNode(' ' + note)); }
    var list = $('log');
    list.insertBefore(item, list.firstChild);
  }

  function setPill(id, text, kind) {
    $(id).textContent = text;
    $(id).className = 'pill ' + (kind || '');
  }

  function renderConversations() {
    var body = $('conversations');
    body.textContent = '';
    Array.from(conversations.values()).sort(function (a, b) { return b.lastMessageTime - a.lastMessageTime; }).forEach(function (c) {
      var row = document.createElement('tr');
      row.setAttribute('data-testid', 'phone-conversation');
      [c.contactName || c.phoneNumber, c.lastMessage, String(c.unreadCount)].forEach(function (text, i) {
        var cell = document.createElement('td');
        cell.textContent = text;
        if (i === 2) { cell.setAttribute('data-testid', 'phone-unread'); }
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
  }

  // --- actions --------------------------------------------------------------------------------

  $('connect').addEventListener('click', connect);
  $('disconnect').addEventListener('click', disconnect);
  $('pair').addEventListener('click', function () {
    var qrData = $('qr-data').value.trim();
    if (!qrData) { return; }
    setPill('pair-state', 'pairing…', 'warn');
    send('mobile:scan-qr', { qrData: qrData, deviceId: deviceId }, 'scanned a QR');
  });
  $('incoming').addEventListener('submit', function (event) {
    event.preventDefault();
    var form = event.target;
    receiveSms(form.from.value.trim(), form.contact.value.trim(), form.body.value);
  });

  // "Pick" the QR the web client in another tab of this browser shows (it shares it in localStorage).
  function refreshPick() { $('pick').disabled = !localStorage.getItem(SHARED_QR_KEY); }
  $('pick').addEventListener('click', function () {
    var shared = localStorage.getItem(SHARED_QR_KEY);
    if (shared) { $('qr-data').value = shared; $('pair').click(); }
  });
  window.addEventListener('storage', refreshPick);
  refreshPick();

  connect();
})();
