'use strict';
// Opens N idle Engine.IO WebSockets to a server, one after another, as browsers open them: offering the
// permessage-deflate extension (unless OFFER_DEFLATE=0), which the load tool's Vert.x client never does.
// Waits for each one's open packet, prints "open N negotiated M" (M: how many the server accepted
// compression on), then holds them all until killed.
//
// Usage: node idle-sockets.js ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket 10000
const WebSocket = require('ws'); // socket.io's own dependency, installed with it

const [url, count] = process.argv.slice(2);
const offer = process.env.OFFER_DEFLATE !== '0';
const sockets = [];
let negotiated = 0;

function open(i) {
  if (i >= Number(count)) {
    console.log(`open ${sockets.length} negotiated ${negotiated}`);
    return;
  }
  const ws = new WebSocket(url, { perMessageDeflate: offer });
  sockets.push(ws);
  ws.on('error', (e) => {
    console.log(`error after ${i} sockets: ${e.message}`);
    process.exit(1);
  });
  ws.once('message', () => {
    if (ws.extensions.includes('permessage-deflate')) {
      negotiated++;
    }
    open(i + 1);
  });
}

open(0);
setInterval(() => {}, 1 << 30);
