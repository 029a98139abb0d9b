'use strict';
// Baseline for the relay's benchmarks: the seed's own stack, Node 20 + socket.io 4.8, relaying the apps'
// events with in-memory maps the way the original backend did (no storage, one process). REST pairing
// (generate-qr / wait-pairing / verify) is in memory too; session tokens are JWTs as the original's.
//
//   PORT=3200 node server.js

const http = require('http');
const crypto = require('crypto');
const { Server } = require('socket.io');
const jwt = require('jsonwebtoken');

const PORT = parseInt(process.env.PORT || '3200', 10);
const JWT_SECRET = process.env.JWT_SECRET || 'bench-secret-bench-secret-bench-secret';
const QR_TTL_MS = 300000;

const mobileSockets = new Map();   // deviceId -> socket
const webSockets = new Map();      // deviceId -> Set<socket>
const pendingPairings = new Map(); // token -> { res, timer } (a waiting wait-pairing request)
const scannedTokens = new Map();   // token -> sessionToken (scanned before wait-pairing arrived)

function json(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try { resolve(JSON.parse(Buffer.concat(chunks).toString() || '{}')); } catch (e) { resolve(null); }
    });
  });
}

const server = http.createServer(async (req, res) => {
  if (req.method === 'GET' && req.url === '/api/auth/generate-qr') {
    const token = crypto.randomUUID();
    const qrData = JSON.stringify({ token, timestamp: Date.now(), expiresIn: QR_TTL_MS });
    return json(res, 200, { success: true, data: { qrData, token, expiresIn: QR_TTL_MS } });
  }
  if (req.method === 'POST' && req.url === '/api/auth/wait-pairing') {
    const body = await readBody(req);
    if (!body || !body.token) return json(res, 400, { success: false, error: 'Token required' });
    const ready = scannedTokens.get(body.token);
    if (ready) {
      scannedTokens.delete(body.token);
      return json(res, 200, { success: true, data: { sessionToken: ready } });
    }
    const timer = setTimeout(() => {
      pendingPairings.delete(body.token);
      json(res, 408, { success: false, error: 'Pairing timeout' });
    }, QR_TTL_MS);
    pendingPairings.set(body.token, { res, timer });
    return undefined;
  }
  if (req.method === 'POST' && req.url === '/api/auth/verify') {
    const body = await readBody(req);
    try {
      const decoded = jwt.verify(body.sessionToken, JWT_SECRET);
      return json(res, 200, { success: true, data: { deviceId: decoded.deviceId } });
    } catch (e) {
      return json(res, 401, { success: false, error: 'Invalid session' });
    }
  }
  if (req.url === '/api/auth/health' || req.url === '/') {
    return json(res, 200, { success: true, status: 'ok' });
  }
  return json(res, 404, { success: false, error: 'Route not found' });
});

const io = new Server(server, {
  cors: { origin: '*', credentials: true },
  pingInterval: 25000,
  pingTimeout: 60000,
});

io.on('connection', (socket) => {
  socket.on('mobile:register', (data) => {
    socket.data.deviceId = data.deviceId;
    socket.data.type = 'mobile';
    mobileSockets.set(data.deviceId, socket);
    socket.emit('authenticated', { success: true });
  });

  socket.on('mobile:scan-qr', (data) => {
    let qr;
    try { qr = JSON.parse(data.qrData); } catch (e) { return socket.emit('error', { message: 'Invalid QR code' }); }
    if (Date.now() - qr.timestamp > qr.expiresIn) return socket.emit('error', { message: 'QR code expired' });
    const sessionToken = jwt.sign({ deviceId: data.deviceId }, JWT_SECRET, { expiresIn: '30d' });
    const pending = pendingPairings.get(qr.token);
    if (pending) {
      clearTimeout(pending.timer);
      pendingPairings.delete(qr.token);
      json(pending.res, 200, { success: true, data: { sessionToken } });
    } else {
      scannedTokens.set(qr.token, sessionToken);
    }
    socket.emit('qr:paired', { success: true });
  });

  socket.on('mobile:messages', (data) => {
    const webs = webSockets.get(socket.data.deviceId);
    if (!webs) return;
    for (const web of webs) {
      web.emit('messages:sync', data);
      if (data.messages && data.messages.length === 1) web.emit('message:new', data.messages[0]);
    }
  });

  socket.on('mobile:conversations', (data) => {
    const webs = webSockets.get(socket.data.deviceId);
    if (webs) for (const web of webs) web.emit('conversations:sync', data);
  });

  socket.on('mobile:message-status', (data) => {
    const webs = webSockets.get(socket.data.deviceId);
    if (webs) for (const web of webs) web.emit('message:status', data);
  });

  socket.on('web:authenticate', (data) => {
    try {
      const decoded = jwt.verify(data.sessionToken, JWT_SECRET);
      socket.data.deviceId = decoded.deviceId;
      socket.data.type = 'web';
      if (!webSockets.has(decoded.deviceId)) webSockets.set(decoded.deviceId, new Set());
      webSockets.get(decoded.deviceId).add(socket);
      socket.emit('authenticated', { success: true, deviceId: decoded.deviceId });
    } catch (e) {
      socket.emit('error', { message: 'Invalid session' });
    }
  });

  const toMobile = (event) => (data) => {
    const mobile = mobileSockets.get(socket.data.deviceId);
    if (!mobile) return socket.emit('error', { message: 'Mobile device not connected' });
    mobile.emit(event, data);
    return undefined;
  };
  socket.on('web:send-message', toMobile('send:message'));
  socket.on('web:mark-read', toMobile('mark:read'));
  socket.on('web:request-sync', () => toMobile('request:sync')());

  socket.on('disconnect', () => {
    const { deviceId, type } = socket.data;
    if (!deviceId) return;
    if (type === 'mobile' && mobileSockets.get(deviceId) === socket) {
      mobileSockets.delete(deviceId);
      const webs = webSockets.get(deviceId);
      if (webs) for (const web of webs) web.emit('mobile:disconnected');
    } else if (type === 'web') {
      const webs = webSockets.get(deviceId);
      if (webs) {
        webs.delete(socket);
        if (webs.size === 0) webSockets.delete(deviceId);
      }
    }
  });
});

server.listen(PORT, () => console.log(`node/socket.io peer listening on http://127.0.0.1:${PORT}`));
