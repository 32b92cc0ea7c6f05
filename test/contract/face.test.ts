// Contract suite of the face-verification port: the HTTP adapter (Alipay identity verification)
// against the mock face verifier as a real HTTP server on loopback — initialize, the phone page
// opened from the signed certify URL, pass/fail buttons, query — and the registry rules.

import t, { type Test } from 'tap';
import Koa from 'koa';
import { createHttpFaceVerifier, type HttpFaceVerifierOptions } from '../../src/adapters/face-verification/http.js';
import type { FaceVerifier } from '../../src/adapters/face-verification/types.js';
import { loadPrivateKey, signText } from '../../src/adapters/upstreams/alipay-signing.js';
import { createFaceMock } from '../../src/mocks/face/app.js';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import type { RunningServer } from '../../src/mocks/shared/serve.js';
import { failureOf, formOf, gatewayReasonOf as reasonOf, rsaKeyPair, serveForTest, serveGatewayMock } from '../helpers/upstream-contract.js';

const appKeys = rsaKeyPair();
const verifierKeys = rsaKeyPair();
const appId = '2021004100000001';
const otherAppId = '2021004100000009';
const registry = loadPopulationRegistry();
const enrolled = registry.find((p) => p.certType === '01' && p.faceEnrolled && p.name === '袁文军')!;
const notEnrolled = registry.find((p) => p.certType === '01' && !p.faceEnrolled)!;

interface Setup {
  server: RunningServer;
  verifier(overrides?: Partial<HttpFaceVerifierOptions>): FaceVerifier;
}

async function setup(t: Test): Promise<Setup> {
  const { server, gateway } = await serveGatewayMock(
    t,
    (baseUrl) =>
      createFaceMock({
        registry,
        baseUrl,
        apps: [
          { appId, publicKeyPem: appKeys.publicKeyPem },
          { appId: otherAppId, publicKeyPem: appKeys.publicKeyPem },
        ],
        privateKeyPem: verifierKeys.privateKeyPem,
      }),
    { appId, privateKeyPem: appKeys.privateKeyPem },
  );
  return { server, verifier: (overrides = {}) => createHttpFaceVerifier({ ...gateway, ...overrides }) };
}

let orderSeq = 0;
const orderNo = () => `JSRS${Date.now()}${(orderSeq += 1)}`;

/** Plays the phone: opens the certify URL, reads the page, presses a button. */
async function pressOnPhone(certifyUrl: string, outcome: 'pass' | 'fail'): Promise<{ page: string; response: Response }> {
  const opened = await fetch(certifyUrl);
  if (opened.status !== 200) throw new Error(`certify page answered ${opened.status}`);
  const page = await opened.text();
  const { action, hidden } = formOf(page);
  const response = await fetch(action, {
    method: 'POST',
    body: new URLSearchParams({ ...hidden, outcome }),
    redirect: 'manual',
  });
  return { page, response };
}

const personOf = (p: { name: string; certType: string; idNumber: string }) => ({
  name: p.name,
  certType: p.certType,
  idNumber: p.idNumber,
});

t.test('initialize → pending → phone page → 模拟人脸识别通过 → passed', async (t) => {
  const { verifier, server } = await setup(t);
  const { certifyId, certifyUrl } = await verifier().initialize({ outerOrderNo: orderNo(), ...personOf(enrolled) });
  t.match(certifyId, /^OC\d{8}[0-9a-f]{22}$/);
  const url = new URL(certifyUrl);
  t.equal(`${url.origin}${url.pathname}`, `${server.url}/gateway.do`);
  t.equal(url.searchParams.get('method'), 'alipay.user.certify.open.certify');
  t.strictSame(JSON.parse(url.searchParams.get('biz_content') ?? ''), { certify_id: certifyId });
  t.equal(url.searchParams.get('sign_type'), 'RSA2');
  t.equal(await verifier().query(certifyId), 'pending');

  const { page, response } = await pressOnPhone(certifyUrl, 'pass');
  t.match(page, '<dd>*文军</dd>');
  t.match(page, '<dd>320***********7435</dd>');
  t.notMatch(page, enrolled.idNumber);
  t.match(page, '<button type="submit" name="outcome" value="pass">模拟人脸识别通过</button>');
  t.match(page, '<button type="submit" name="outcome" value="fail">模拟人脸识别失败</button>');
  t.equal(response.status, 200);
  t.match(await response.text(), '<h1 role="status">认证通过</h1>');
  t.equal(await verifier().query(certifyId), 'passed');
});

t.test('模拟人脸识别失败 → failed', async (t) => {
  const { verifier } = await setup(t);
  const { certifyId, certifyUrl } = await verifier().initialize({ outerOrderNo: orderNo(), ...personOf(enrolled) });
  const { response } = await pressOnPhone(certifyUrl, 'fail');
  t.match(await response.text(), '<h1 role="status">认证未通过</h1>');
  t.equal(await verifier().query(certifyId), 'failed');
});

t.test('a result is final: a later press does not change it; a new initialize gives a new id', async (t) => {
  const { verifier } = await setup(t);
  const person = { outerOrderNo: orderNo(), ...personOf(enrolled) };
  const first = await verifier().initialize(person);
  await pressOnPhone(first.certifyUrl, 'fail');
  // reopening the URL shows the result, not the buttons
  const reopened = await (await fetch(first.certifyUrl)).text();
  t.match(reopened, '认证未通过');
  t.notMatch(reopened, '模拟人脸识别通过');
  t.equal(await verifier().query(first.certifyId), 'failed');

  const second = await verifier().initialize(person);
  t.not(second.certifyId, first.certifyId);
  t.equal(await verifier().query(second.certifyId), 'pending');
  await pressOnPhone(second.certifyUrl, 'pass');
  t.equal(await verifier().query(second.certifyId), 'passed');
  t.equal(await verifier().query(first.certifyId), 'failed');
});

t.test('a person without an enrolled face fails even when “pass” is pressed', async (t) => {
  const { verifier } = await setup(t);
  const { certifyId, certifyUrl } = await verifier().initialize({ outerOrderNo: orderNo(), ...personOf(notEnrolled) });
  const { response } = await pressOnPhone(certifyUrl, 'pass');
  t.match(await response.text(), '认证未通过');
  t.equal(await verifier().query(certifyId), 'failed');
});

t.test('a name that does not match the registry fails even when “pass” is pressed', async (t) => {
  const { verifier } = await setup(t);
  const { certifyId, certifyUrl } = await verifier().initialize({
    outerOrderNo: orderNo(),
    ...personOf(enrolled),
    name: '王小明',
  });
  await pressOnPhone(certifyUrl, 'pass');
  t.equal(await verifier().query(certifyId), 'failed');
});

t.test('a document number unknown to the registry, or the wrong document type, fails', async (t) => {
  const { verifier } = await setup(t);
  const unknown = await verifier().initialize({ outerOrderNo: orderNo(), name: enrolled.name, certType: '01', idNumber: '110101199003074477' });
  await pressOnPhone(unknown.certifyUrl, 'pass');
  t.equal(await verifier().query(unknown.certifyId), 'failed');
  const wrongType = await verifier().initialize({ outerOrderNo: orderNo(), ...personOf(enrolled), certType: '06' });
  await pressOnPhone(wrongType.certifyUrl, 'pass');
  t.equal(await verifier().query(wrongType.certifyId), 'failed');
});

t.test('with a return_url the phone is sent back there after the check', async (t) => {
  const { verifier } = await setup(t);
  const returnUrl = 'https://idp.example/step-up/face/return?flow=f9';
  const { certifyId, certifyUrl } = await verifier().initialize({ outerOrderNo: orderNo(), ...personOf(enrolled), returnUrl });
  const { response } = await pressOnPhone(certifyUrl, 'pass');
  t.equal(response.status, 303);
  t.equal(response.headers.get('location'), returnUrl);
  t.equal(await verifier().query(certifyId), 'passed');
});

t.test('an unknown certify id, or one of another app, is a clear upstream error', async (t) => {
  const { verifier } = await setup(t);
  const unknown = await failureOf(verifier().query('OC20250301deadbeefdeadbeefdeadbe'));
  t.strictSame(reasonOf(unknown), { upstream: 'face', reason: 'gateway_error', detail: '40004 CERTIFY_ID_INVALID' });
  const { certifyId } = await verifier().initialize({ outerOrderNo: orderNo(), ...personOf(enrolled) });
  const foreign = await failureOf(verifier({ appId: otherAppId }).query(certifyId));
  t.strictSame(reasonOf(foreign), { upstream: 'face', reason: 'gateway_error', detail: '40004 CERTIFY_ID_INVALID' });
  const malformed = await failureOf(verifier().query('../../etc'));
  t.strictSame(reasonOf(malformed), { upstream: 'face', reason: 'invalid_input', detail: 'certify_id' });
});

t.test('a tampered certify URL is refused by the gateway', async (t) => {
  const { verifier } = await setup(t);
  const first = await verifier().initialize({ outerOrderNo: orderNo(), ...personOf(enrolled) });
  const second = await verifier().initialize({ outerOrderNo: orderNo(), ...personOf(notEnrolled) });
  const url = new URL(second.certifyUrl);
  url.searchParams.set('biz_content', JSON.stringify({ certify_id: first.certifyId }));
  const response = await fetch(url);
  t.equal(response.status, 400);
  t.match(await response.text(), '错误码：isv.invalid-signature');
  t.equal(await verifier().query(first.certifyId), 'pending');
});

t.test('the result form needs the page token from the signed page', async (t) => {
  const { verifier, server } = await setup(t);
  const { certifyId } = await verifier().initialize({ outerOrderNo: orderNo(), ...personOf(enrolled) });
  const forged = await fetch(`${server.url}/certify/complete`, {
    method: 'POST',
    body: new URLSearchParams({ certify_id: certifyId, token: 'guess', outcome: 'pass' }),
    redirect: 'manual',
  });
  t.equal(forged.status, 400);
  t.equal(await verifier().query(certifyId), 'pending');
});

t.test('initialize refuses documents Alipay cannot check and bad order numbers without calling out', async (t) => {
  const { verifier } = await setup(t);
  const passport = await failureOf(verifier().initialize({ outerOrderNo: orderNo(), name: 'John Smith', certType: '08', idNumber: 'E12345678' }));
  t.strictSame(reasonOf(passport), { upstream: 'face', reason: 'invalid_input', detail: 'cert_type 08' });
  const order = await failureOf(verifier().initialize({ outerOrderNo: 'bad-order-no!', ...personOf(enrolled) }));
  t.strictSame(reasonOf(order), { upstream: 'face', reason: 'invalid_input', detail: 'outer_order_no' });
});

t.test('requests signed with the wrong key and responses from the wrong key are refused', async (t) => {
  const { verifier } = await setup(t);
  const other = rsaKeyPair();
  const badRequest = await failureOf(verifier({ privateKeyPem: other.privateKeyPem }).initialize({ outerOrderNo: orderNo(), ...personOf(enrolled) }));
  t.strictSame(reasonOf(badRequest), { upstream: 'face', reason: 'gateway_error', detail: '40002 isv.invalid-signature' });
  const badResponse = await failureOf(verifier({ alipayPublicKeyPem: other.publicKeyPem }).initialize({ outerOrderNo: orderNo(), ...personOf(enrolled) }));
  t.strictSame(reasonOf(badResponse), { upstream: 'face', reason: 'invalid_signature', detail: undefined });
});

t.test('timeouts and 500s map to UpstreamError("face")', async (t) => {
  const broken = await serveForTest(
    t,
    new Koa().use((ctx) => {
      if (ctx.path === '/hang') return new Promise<void>(() => undefined);
      ctx.status = 500;
      return undefined;
    }),
  );
  const { verifier } = await setup(t);
  const started = Date.now();
  const timeout = await failureOf(verifier({ gatewayUrl: `${broken.url}/hang`, timeoutMs: 200 }).query('OC1'));
  t.strictSame(reasonOf(timeout), { upstream: 'face', reason: 'timeout', detail: '200 ms' });
  t.ok(Date.now() - started < 3000, 'gives up near timeoutMs');
  const status = await failureOf(verifier({ gatewayUrl: `${broken.url}/500` }).query('OC1'));
  t.strictSame(reasonOf(status), { upstream: 'face', reason: 'http_status', detail: '500' });
});

t.test('against the real API shape (no certify_state): passed F without material is pending, with material failed', async (t) => {
  const signer = loadPrivateKey(verifierKeys.privateKeyPem);
  const sections: Record<string, string> = {
    '/pending': '{"code":"10000","msg":"Success","passed":"F"}',
    '/failed': '{"code":"10000","msg":"Success","passed":"F","material_info":"{\\"face_material\\":\\"x\\"}"}',
    '/passed': '{"code":"10000","msg":"Success","passed":"T","material_info":"{}"}',
  };
  const real = await serveForTest(
    t,
    new Koa().use((ctx) => {
      const section = sections[ctx.path] ?? '{}';
      ctx.type = 'application/json';
      ctx.body = `{"alipay_user_certify_open_query_response":${section},"sign":"${signText(section, signer)}"}`;
    }),
  );
  const { verifier } = await setup(t);
  const at = (path: string) => verifier({ gatewayUrl: `${real.url}${path}` });
  t.equal(await at('/pending').query('OC1'), 'pending');
  t.equal(await at('/failed').query('OC1'), 'failed');
  t.equal(await at('/passed').query('OC1'), 'passed');
});
