// clientAddressOf: the client address behind TRUSTED_PROXIES (none, a hop count, or networks), and
// whether the socket peer is a trusted proxy whose forwarded protocol and host count.

import t from 'tap';
import { clientAddressOf, normaliseAddress, readsForwardedHeaders, trustedProxiesOf } from '../../../src/http/client-address.js';

const none = trustedProxiesOf([]);
const oneHop = trustedProxiesOf(1);
const twoHops = trustedProxiesOf(2);
const balancers = trustedProxiesOf(['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);

t.test('no trusted proxy: the socket address, whatever the headers say', async (t) => {
  t.same(clientAddressOf('203.0.113.9', '1.2.3.4', none), { ip: '203.0.113.9', viaProxy: false });
  t.same(clientAddressOf('::ffff:203.0.113.9', undefined, none), { ip: '203.0.113.9', viaProxy: false }, 'IPv4-mapped IPv6 as IPv4');
  t.same(trustedProxiesOf(0), { kind: 'none' });
  t.equal(readsForwardedHeaders(none), false);
  t.equal(readsForwardedHeaders(oneHop), true);
});

t.test('a hop count: the Nth address from the right of X-Forwarded-For', async (t) => {
  t.same(clientAddressOf('10.0.0.5', '6.6.6.6, 198.51.100.20', oneHop), { ip: '198.51.100.20', viaProxy: true }, 'a spoofed left entry is ignored');
  t.same(clientAddressOf('10.0.0.5', '198.51.100.20', oneHop), { ip: '198.51.100.20', viaProxy: true });
  t.same(clientAddressOf('10.0.0.5', '6.6.6.6, 198.51.100.20, 10.1.1.1', twoHops), { ip: '198.51.100.20', viaProxy: true });
  t.same(clientAddressOf('10.0.0.5', undefined, oneHop), { ip: '10.0.0.5', viaProxy: true }, 'no header (a health check from the balancer): the peer');
  t.same(clientAddressOf('10.0.0.5', '198.51.100.20', twoHops), { ip: '198.51.100.20', viaProxy: true }, 'fewer entries than hops: the leftmost');
  t.same(clientAddressOf('10.0.0.5', 'evil, not-an-address', oneHop), { ip: '10.0.0.5', viaProxy: true }, 'garbage where the proxy writes: the peer, never the text');
  t.same(clientAddressOf('10.0.0.5', '198.51.100.20:51234', oneHop), { ip: '198.51.100.20', viaProxy: true }, 'a port is dropped');
});

t.test('networks: walk from the right past trusted addresses, only from a trusted peer', async (t) => {
  t.same(clientAddressOf('10.0.0.5', '6.6.6.6, 198.51.100.20', balancers), { ip: '198.51.100.20', viaProxy: true });
  t.same(clientAddressOf('10.0.0.5', '6.6.6.6, 198.51.100.20, 10.9.9.9, 192.0.2.7', balancers), { ip: '198.51.100.20', viaProxy: true }, 'two trusted hops skipped');
  t.same(clientAddressOf('203.0.113.50', '198.51.100.20', balancers), { ip: '203.0.113.50', viaProxy: false }, 'a peer outside the networks is not trusted');
  t.same(clientAddressOf('192.0.2.8', '198.51.100.20', balancers), { ip: '192.0.2.8', viaProxy: false }, 'a single address is a /32');
  t.same(clientAddressOf('fd00::1', '2001:DB8::7', balancers), { ip: '2001:db8::7', viaProxy: true }, 'IPv6 peers and clients');
  t.same(clientAddressOf('10.0.0.5', '10.1.1.1, 10.2.2.2', balancers), { ip: '10.1.1.1', viaProxy: true }, 'all trusted: the leftmost');
  t.same(clientAddressOf('10.0.0.5', undefined, balancers), { ip: '10.0.0.5', viaProxy: true });
  t.same(clientAddressOf('10.0.0.5', '198.51.100.20, junk, 10.9.9.9', balancers), { ip: '10.9.9.9', viaProxy: true }, 'garbage stops the walk at the trusted hop that forwarded it');
  t.throws(() => trustedProxiesOf(['lb.internal']));
});

t.test('normaliseAddress', async (t) => {
  t.equal(normaliseAddress(' 203.0.113.9 '), '203.0.113.9');
  t.equal(normaliseAddress('[2001:DB8::1]:443'), '2001:db8::1');
  t.equal(normaliseAddress('::FFFF:192.0.2.1'), '192.0.2.1');
  t.equal(normaliseAddress('unknown'), undefined);
  t.equal(normaliseAddress(''), undefined);
});
