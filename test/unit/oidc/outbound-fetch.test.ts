// Who the provider may call for relying parties: public addresses always; special-use addresses
// (loopback, link-local, private ranges …) only inside OUTBOUND_ALLOWED_NETWORKS.

import { createServer } from 'node:http';
import { BlockList, type AddressInfo } from 'node:net';
import t from 'tap';
import { loadConfig } from '../../../src/config/load.js';
import { parseCidr } from '../../../src/domain/networks.js';
import { outboundAddressAllowed, outboundFetch } from '../../../src/oidc/outbound-fetch.js';

const allowList = (...cidrs: string[]) => {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const range = parseCidr(cidr);
    if (!range) throw new Error(cidr);
    list.addSubnet(range.address, range.prefix, range.family);
  }
  return list;
};

t.test('special-use addresses are refused unless their network is allowed', async (t) => {
  const none = allowList();
  for (const address of ['127.0.0.1', '10.1.2.3', '172.20.0.5', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
    t.equal(outboundAddressAllowed(address, none), false, `${address} refused by default`);
  }
  for (const address of ['8.8.8.8', '114.114.114.114', '2400:3200::1']) {
    t.equal(outboundAddressAllowed(address, none), true, `${address} (public) allowed`);
  }
  const intranet = allowList('10.20.0.0/16', 'fd12::/16');
  t.equal(outboundAddressAllowed('10.20.3.4', intranet), true, 'inside an allowed private network');
  t.equal(outboundAddressAllowed('::ffff:10.20.3.4', intranet), true, 'also as an IPv4-mapped address');
  t.equal(outboundAddressAllowed('fd12::7', intranet), true, 'IPv6 networks too');
  t.equal(outboundAddressAllowed('10.21.0.1', intranet), false, 'the rest of 10/8 stays refused');
  t.equal(outboundAddressAllowed('169.254.169.254', intranet), false, 'cloud metadata stays refused');
  t.equal(outboundAddressAllowed('127.0.0.1', intranet), false, 'loopback stays refused');
});

t.test('CIDRs are checked where configuration is read', async (t) => {
  t.same(parseCidr('10.20.0.0/16'), { address: '10.20.0.0', prefix: 16, family: 'ipv4' });
  t.same(parseCidr('fd00::/8'), { address: 'fd00::', prefix: 8, family: 'ipv6' });
  for (const bad of ['10.20.0.0', '10.20.0.0/33', 'fd00::/129', 'intranet/8', '10.0.0.0/8/1', '']) t.equal(parseCidr(bad), undefined, `"${bad}" is not a CIDR`);
  t.same(loadConfig({ env: { NODE_ENV: 'test', OUTBOUND_ALLOWED_NETWORKS: '10.20.0.0/16, fd12::/16' } }).security.outboundAllowedNetworks, ['10.20.0.0/16', 'fd12::/16']);
  t.throws(() => loadConfig({ env: { NODE_ENV: 'test', OUTBOUND_ALLOWED_NETWORKS: '10.20.0.0' } }), 'a bad CIDR stops the start');
  t.equal(outboundFetch([]), undefined, "none allowed: oidc-provider's own protection stays");
  t.type(outboundFetch(['10.20.0.0/16']), 'function');
});

t.test('the provider\'s fetch connects only where allowed (a real loopback server)', async (t) => {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests += 1;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('reached');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel`;
  const call = (networks: string[]) => (outboundFetch(networks) as NonNullable<ReturnType<typeof outboundFetch>>)(url, { method: 'POST', body: 'logout_token=x', signal: AbortSignal.timeout(3000) });

  const allowed = await call(['127.0.0.0/8']);
  t.equal(allowed.status, 200, 'loopback allowed: the call goes through');
  t.equal(await allowed.text(), 'reached');

  const refused = await call(['10.0.0.0/8']).then(
    () => 'connected',
    (err: Error) => String((err as { cause?: unknown }).cause ?? err.message),
  );
  t.match(refused, /outside OUTBOUND_ALLOWED_NETWORKS/, 'loopback not allowed: the connection is destroyed');
  t.equal(requests, 1, 'and the refused request never reached the server');
});
