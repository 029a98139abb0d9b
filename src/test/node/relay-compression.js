'use strict';
// What a WebSocket connection negotiates: the official client (in Node, over `ws`) offers the
// permessage-deflate extension, as every browser does; the relay, like the original's socket.io with its
// defaults, declines it, so no connection carries a compressor's and a decompressor's state.
//
// Usage: node relay-compression.js <base url>
// Prints one JSON line ({"ok":true, offered, negotiated, transport} or {"ok":false,"error":...}); exits non-zero on failure.
const kit = require('./relay-kit');

const baseUrl = process.argv[2];

kit.main(async (track) => {
  const app = track(await new kit.AppSocket('app', baseUrl, 'websocket').connect());
  const engine = app.socket.io.engine;
  return {
    transport: engine.transport.name,
    offered: Boolean(engine.opts.perMessageDeflate),
    negotiated: engine.transport.ws.extensions,
  };
});
