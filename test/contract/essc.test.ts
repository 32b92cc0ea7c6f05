// Contract suite of the 电子社保卡 port: the HTTP adapter against the mock platform running as a
// real HTTP server on loopback (signed, encrypted envelopes both ways; phone page; QR expiry).

import t, { type Test } from 'tap';
import Koa from 'koa';
import { createControllableClock, type ControllableClock } from '../../src/domain/clock.js';
import { createEsscUpstream, type EsscUpstreamOptions } from '../../src/adapters/upstreams/essc/http.js';
import { esscCipher, sealEnvelope, signEnvelope, type EsscEnvelope } from '../../src/adapters/upstreams/essc/protocol.js';
import { createEsscMock, esscHoldersFromFixtures, lostCardHolder } from '../../src/mocks/essc/app.js';
import { loadUpstreamAccounts } from '../../src/mocks/fixtures.js';
import type { RunningServer } from '../../src/mocks/shared/serve.js';
import { causeMessageOf as reasonOf, failureOf, serveForTest, serveWithUrl } from '../helpers/upstream-contract.js';

const channel = { channelNo: 'C3200000001', secret: 'channel-secret-for-tests', key: '0123456789abcdef0123456789abcdef' };
const fixtureHolders = esscHoldersFromFixtures(loadUpstreamAccounts().essc);
const holders = [...fixtureHolders, lostCardHolder];
const first = fixtureHolders[0]!;

interface Setup {
  server: RunningServer;
  mockClock: ControllableClock;
  adapterClock: ControllableClock;
  adapter(overrides?: Partial<EsscUpstreamOptions>): ReturnType<typeof createEsscUpstream>;
}

async function setup(t: Test): Promise<Setup> {
  const start = new Date('2025-03-01T02:00:00Z');
  const mockClock = createControllableClock(start);
  const adapterClock = createControllableClock(start);
  const server = await serveWithUrl(t, (baseUrl) => createEsscMock({ holders, channels: [channel], baseUrl, clock: mockClock }));
  return {
    server,
    mockClock,
    adapterClock,
    adapter: (overrides = {}) =>
      createEsscUpstream({ baseUrl: server.url, ...channel, timeoutMs: 2000, clock: adapterClock, ...overrides }),
  };
}

/** Plays the phone: opens the QR content, then posts the page's form (action = the same path). */
async function answerOnPhone(qrContent: string, form: Record<string, string>): Promise<Response> {
  await (await fetch(qrContent)).text();
  const url = new URL(qrContent);
  const qrId = url.searchParams.get('qrId') ?? '';
  url.search = '';
  return fetch(url, { method: 'POST', body: new URLSearchParams({ qrId, ...form }) });
}

async function postRaw(url: string, envelope: EsscEnvelope): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(envelope) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function flipChar(value: string, index: number): string {
  const c = value[index] === 'A' ? 'B' : 'A';
  return value.slice(0, index) + c + value.slice(index + 1);
}

t.test('cipher is SM4-CBC on this Node', async (t) => {
  t.equal(esscCipher, 'sm4-cbc');
});

t.test('scan, choose a holder, 确认授权, read the card', async (t) => {
  const { adapter, adapterClock, server } = await setup(t);
  const essc = adapter();
  const qr = await essc.createLoginQr();
  t.equal(qr.qrContent, `${server.url}/h5/authorize?qrId=${encodeURIComponent(qr.qrId)}`);
  t.equal(qr.expiresAt.getTime(), adapterClock.now().getTime() + 120_000);
  t.same(await essc.query(qr.qrId), { status: 'waiting' });

  const page = await fetch(qr.qrContent);
  t.equal(page.status, 200);
  const html = await page.text();
  t.match(html, '确认授权');
  t.match(html, '拒绝');
  t.match(html, `${first.name} 3101**********465X`);
  t.match(html, `action="${server.url}/h5/authorize"`);
  t.notMatch(html, first.idNumber);
  t.same(await essc.query(qr.qrId), { status: 'scanned' });

  const answer = await answerOnPhone(qr.qrContent, { cardNo: first.cardNo, action: 'confirm' });
  t.equal(answer.status, 200);
  t.match(await answer.text(), '授权成功');

  const result = await essc.query(qr.qrId);
  if (result.status !== 'authorized') throw new Error(`expected authorized, got ${result.status}`);
  t.match(result.esscNo, /^E[0-9A-F]{24}$/);
  t.same(await essc.query(qr.qrId), result, 'esscNo is stable');

  const card = await essc.cardInfo(result.esscNo);
  t.same(card, {
    identity: {
      upstream: 'essc',
      subject: first.cardNo,
      name: first.name,
      certType: '01',
      idNumber: first.idNumber,
      assertedLevel: 'real_name',
      attributes: { cardNo: first.cardNo, issuerRegion: first.issuerRegion },
    },
    cardStatusNormal: true,
    cardNo: first.cardNo,
    issuerRegion: first.issuerRegion,
  });

  const again = await answerOnPhone(qr.qrContent, { cardNo: first.cardNo, action: 'confirm' });
  t.equal(again.status, 409, 'an answered QR cannot be answered again');
});

t.test('拒绝 → rejected', async (t) => {
  const essc = (await setup(t)).adapter();
  const qr = await essc.createLoginQr();
  const answer = await answerOnPhone(qr.qrContent, { cardNo: first.cardNo, action: 'reject' });
  t.equal(answer.status, 200);
  t.same(await essc.query(qr.qrId), { status: 'rejected' });
});

t.test('a lost card is not normal', async (t) => {
  const essc = (await setup(t)).adapter();
  const qr = await essc.createLoginQr();
  await answerOnPhone(qr.qrContent, { cardNo: lostCardHolder.cardNo, action: 'confirm' });
  const result = await essc.query(qr.qrId);
  if (result.status !== 'authorized') throw new Error(`expected authorized, got ${result.status}`);
  const card = await essc.cardInfo(result.esscNo);
  t.equal(card.cardStatusNormal, false);
  t.equal(card.cardNo, lostCardHolder.cardNo);
  t.equal(card.identity.idNumber, lostCardHolder.idNumber);
});

t.test('QR codes expire after 2 minutes', async (t) => {
  const { adapter, mockClock } = await setup(t);
  const essc = adapter();
  const qr = await essc.createLoginQr();
  mockClock.advance(119_000);
  t.same(await essc.query(qr.qrId), { status: 'waiting' });
  mockClock.advance(1_000);
  t.same(await essc.query(qr.qrId), { status: 'expired' });
  const page = await fetch(qr.qrContent);
  t.equal(page.status, 410);
  t.match(await page.text(), '二维码已过期');
  const late = await answerOnPhone(qr.qrContent, { cardNo: first.cardNo, action: 'confirm' });
  t.equal(late.status, 409);
  t.same(await essc.query(qr.qrId), { status: 'expired' });
});

t.test('unknown QR and esscNo are platform errors → UpstreamError', async (t) => {
  const essc = (await setup(t)).adapter();
  t.match(reasonOf(await failureOf(essc.query('no-such-qr'))), /platform code E2001/);
  t.match(reasonOf(await failureOf(essc.cardInfo('ENOSUCH'))), /platform code E2002/);
});

t.test('the mock refuses bad requests with its error codes', async (t) => {
  const { server, mockClock } = await setup(t);
  const url = `${server.url}/api/login/qrcode`;
  const good = sealEnvelope(channel, {}, mockClock.now());

  const tampered = { ...good, security: flipChar(good.security, 20) };
  t.same(await postRaw(url, tampered), { status: 401, body: { code: 'E1003', message: 'bad sign' } });

  t.same(await postRaw(url, { ...good, sign: flipChar(good.sign, 5) }), { status: 401, body: { code: 'E1003', message: 'bad sign' } });

  const wrongKeyGarbage = { ...good, security: Buffer.alloc(48, 7).toString('base64') };
  const resigned = { ...wrongKeyGarbage, sign: signEnvelope(channel.secret, wrongKeyGarbage) };
  t.same(await postRaw(url, resigned), { status: 401, body: { code: 'E1005', message: 'undecryptable security' } });

  const stale = sealEnvelope(channel, {}, new Date(mockClock.now().getTime() - 5 * 60_000 - 1));
  t.same(await postRaw(url, stale), { status: 401, body: { code: 'E1004', message: 'stale timestamp' } });

  const otherChannel = sealEnvelope({ ...channel, channelNo: 'C999' }, {}, mockClock.now());
  t.same(await postRaw(url, otherChannel), { status: 401, body: { code: 'E1002', message: 'unknown channel' } });

  t.same((await postRaw(url, good)).body['code'], '0000', 'the untampered request is accepted');
});

t.test('the adapter maps the mock refusing its request to UpstreamError', async (t) => {
  const { adapter, adapterClock } = await setup(t);
  t.match(reasonOf(await failureOf(adapter({ secret: 'wrong' }).createLoginQr())), /platform code E1003/);
  t.match(reasonOf(await failureOf(adapter({ key: 'ffffffffffffffffffffffffffffffff' }).createLoginQr())), /platform code E1005/);
  adapterClock.advance(-(5 * 60_000 + 1));
  t.match(reasonOf(await failureOf(adapter().createLoginQr())), /platform code E1004/, 'a stale request is refused');
});

t.test('the adapter rejects tampered, stale or replayed responses', async (t) => {
  const { adapter, adapterClock } = await setup(t);
  const rewriting =
    (change: (body: Record<string, string>) => Record<string, string>): typeof fetch =>
    async (input, init) => {
      const response = await fetch(input, init);
      const body = (await response.json()) as Record<string, string>;
      return new Response(JSON.stringify(change(body)), { status: response.status, headers: { 'content-type': 'application/json' } });
    };

  const security = adapter({ fetch: rewriting((b) => ({ ...b, security: flipChar(b['security'] ?? '', 30) })) });
  t.match(reasonOf(await failureOf(security.createLoginQr())), /response rejected \(E1003\)/);

  const sign = adapter({ fetch: rewriting((b) => ({ ...b, sign: flipChar(b['sign'] ?? '', 0) })) });
  t.match(reasonOf(await failureOf(sign.createLoginQr())), /response rejected \(E1003\)/);

  const unsigned = adapter({ fetch: rewriting(({ code, security: s }) => ({ code: code ?? '', security: s ?? '' })) });
  t.match(reasonOf(await failureOf(unsigned.createLoginQr())), /unsigned success response/);

  const slow: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    adapterClock.advance(5 * 60_000 + 1);
    return response;
  };
  t.match(reasonOf(await failureOf(adapter({ fetch: slow }).createLoginQr())), /response rejected \(E1004\)/);
  adapterClock.advance(-(5 * 60_000 + 1));

  let recorded: string | undefined;
  const replaying: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    recorded ??= await response.text();
    return new Response(recorded, { status: 200, headers: { 'content-type': 'application/json' } });
  };
  const replayed = adapter({ fetch: replaying });
  await replayed.createLoginQr();
  t.match(reasonOf(await failureOf(replayed.createLoginQr())), /response not bound to request/);
});

t.test('transport failures → UpstreamError within the timeout', async (t) => {
  const server = await serveForTest(
    t,
    new Koa().use(async (ctx) => {
      if (ctx.path === '/slow/api/login/qrcode') await new Promise(() => undefined);
      ctx.status = 500;
      ctx.body = 'boom';
    }),
  );

  const broken = createEsscUpstream({ baseUrl: server.url, ...channel, timeoutMs: 5000 });
  t.match(reasonOf(await failureOf(broken.createLoginQr())), /HTTP 500/);

  const slow = createEsscUpstream({ baseUrl: `${server.url}/slow`, ...channel, timeoutMs: 200 });
  const started = Date.now();
  t.match(reasonOf(await failureOf(slow.createLoginQr())), /request to \/api\/login\/qrcode failed/);
  t.ok(Date.now() - started < 3000, 'gives up near timeoutMs');

  const refused = createEsscUpstream({ baseUrl: 'http://127.0.0.1:1', ...channel, timeoutMs: 200 });
  t.match(reasonOf(await failureOf(refused.createLoginQr())), /request to \/api\/login\/qrcode failed/);
});
