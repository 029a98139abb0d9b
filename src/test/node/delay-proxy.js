'use strict';
// A TCP proxy that makes a link slow: every byte, in either direction, is held for a fixed time
// before it is passed on, in order. Stands in for `tc netem delay` where the kernel has no netem.
//
// Usage: node delay-proxy.js <delay ms> <listen host:port>=<target host:port> [...]
//
// The multi-host test bed puts one in front of each relay node (on a second address of the node's
// host, which the node advertises to its peers), so all traffic between two nodes crosses exactly
// one proxy: one-way latency = the delay.
const net = require('net');

const delayMs = Number(process.argv[2]);
const routes = process.argv.slice(3).map((r) => {
  const [listen, target] = r.split('=');
  const split = (a) => ({ host: a.slice(0, a.lastIndexOf(':')), port: Number(a.slice(a.lastIndexOf(':') + 1)) });
  return { listen: split(listen), target: split(target) };
});
if (!(delayMs >= 0) || routes.length === 0) {
  console.error('usage: node delay-proxy.js <delay ms> <listen host:port>=<target host:port> ...');
  process.exit(2);
}

// Timers of equal delay fire in the order they were set, so chunks keep their order.
function pipeDelayed(from, to) {
  from.on('data', (chunk) => setTimeout(() => { if (!to.destroyed) to.write(chunk); }, delayMs));
  from.on('end', () => setTimeout(() => to.end(), delayMs));
  from.on('error', () => setTimeout(() => to.destroy(), delayMs));
  from.on('close', () => setTimeout(() => to.destroy(), delayMs));
}

for (const { listen, target } of routes) {
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect(target.port, target.host);
    upstream.setNoDelay(true);
    pipeDelayed(client, upstream);
    pipeDelayed(upstream, client);
  });
  server.listen(listen.port, listen.host, () => console.log(`delaying ${listen.host}:${listen.port} -> ${target.host}:${target.port} by ${delayMs} ms`));
}
