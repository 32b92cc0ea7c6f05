// Reading a downloaded PDF back in tests: its text (pdfjs-dist, in print order), its page count,
// and the QR code drawn on its last page (rendered by pdfjs on its own Node canvas, read with jsQR).

import jsQRModule from 'jsqr';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { Browser } from './http-client.js';

// jsqr is a UMD bundle: Node's default import is the function itself, which its types call `default`.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

/** POSTs a form with the browser's cookies and returns the raw answer (a PDF is bytes, not text). */
export async function postForBytes(browser: Browser, url: string, form: Record<string, string>): Promise<{ status: number; headers: Headers; bytes: Uint8Array }> {
  const absolute = new URL(url, (await browser.get('/healthz')).url).toString();
  const res = await fetch(absolute, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.jar.header(), origin: new URL(absolute).origin },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

interface CanvasLike {
  fillStyle: string;
  fillRect(x: number, y: number, w: number, h: number): void;
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray; width: number; height: number };
}

const open = (bytes: Uint8Array) => getDocument({ data: new Uint8Array(bytes), disableFontFace: true, useSystemFonts: false, verbosity: 0 }).promise;

/** Every page's text, one line per text line of the PDF. */
export async function pdfText(bytes: Uint8Array): Promise<string> {
  const doc = await open(bytes);
  const out: string[] = [];
  for (let n = 1; n <= doc.numPages; n += 1) {
    const content = await (await doc.getPage(n)).getTextContent();
    for (const item of content.items) {
      if ('str' in item) out.push(item.str, item.hasEOL ? '\n' : '');
    }
    out.push('\n');
  }
  await doc.destroy();
  return out.join('');
}

/** The number of pages. */
export async function pdfPageCount(bytes: Uint8Array): Promise<number> {
  const doc = await open(bytes);
  const count = doc.numPages;
  await doc.destroy();
  return count;
}

/** The text of the QR code on the last page (where the check block is), or undefined when none can be read. */
export async function pdfQrText(bytes: Uint8Array): Promise<string | undefined> {
  const doc = await open(bytes);
  const page = await doc.getPage(doc.numPages);
  const viewport = page.getViewport({ scale: 3 });
  // pdfjs's own canvas factory: the canvas package it bundles, whose Path2D its drawing needs.
  const factory = doc.canvasFactory as { create(w: number, h: number): { canvas: unknown; context: CanvasLike } };
  const { canvas, context } = factory.create(Math.ceil(viewport.width), Math.ceil(viewport.height));
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, viewport.width, viewport.height);
  await page.render({ canvas: canvas as HTMLCanvasElement, canvasContext: context as unknown as CanvasRenderingContext2D, viewport }).promise;
  const image = context.getImageData(0, 0, Math.ceil(viewport.width), Math.ceil(viewport.height));
  await doc.destroy();
  return jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength), image.width, image.height)?.data;
}
