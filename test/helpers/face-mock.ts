// The mock face verifier as its own HTTP server for tests, with the environment that points the
// app at it, and the "phone" that opens a certify URL and presses pass or fail.

import { generateKeyPairSync } from 'node:crypto';
import { createFaceMock } from '../../src/mocks/face/app.js';
import { loadPopulationRegistry } from '../../src/mocks/fixtures.js';
import { serveOnLoopback } from '../../src/mocks/shared/serve.js';
import { formAction, inputValue } from './http-client.js';

export interface FaceMockServer {
  url: string;
  env: Record<string, string>;
  /** Plays the phone: opens the certify URL and presses 模拟人脸识别通过 or 模拟人脸识别失败. */
  press(certifyUrl: string, outcome: 'pass' | 'fail'): Promise<number>;
  close(): Promise<void>;
}

export async function startFaceMock(): Promise<FaceMockServer> {
  const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const appPublic = app.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const appPrivate = app.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  let base = '';
  const mock = createFaceMock({ registry: loadPopulationRegistry(), baseUrl: () => base, apps: [{ appId: '2021000000000042', publicKeyPem: appPublic }] });
  const server = await serveOnLoopback(mock);
  base = server.url;
  return {
    url: server.url,
    env: {
      FACE_GATEWAY_URL: `${server.url}/gateway.do`,
      FACE_APP_ID: '2021000000000042',
      FACE_PRIVATE_KEY: appPrivate,
      FACE_PUBLIC_KEY: mock.publicKeyPem,
    },
    press: pressFace,
    close: () => server.close(),
  };
}

/** Plays the phone on any face mock (its own server or the one startUpstreamMocks runs): opens the certify URL, presses pass or fail. */
export async function pressFace(certifyUrl: string, outcome: 'pass' | 'fail'): Promise<number> {
  const page = await fetch(certifyUrl, { signal: AbortSignal.timeout(10_000) });
  const html = await page.text();
  const action = formAction(html);
  if (!action) throw new Error(`no face form on the certify page (${page.status})`);
  const res = await fetch(new URL(action, certifyUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ certify_id: inputValue(html, 'certify_id') ?? '', token: inputValue(html, 'token') ?? '', outcome }).toString(),
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  return res.status;
}
