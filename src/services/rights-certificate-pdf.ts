// Draws a 我的权益单 printout as an A4 PDF with pdfkit: the shipped Noto Sans SC font embedded (a
// subset, never a system font), the tables, and the check block — the verification code, a vector
// QR code of the /verify URL, the expiry and the content digest.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { t } from '../i18n/index.js';
import type { PrintedTable, RightsPrintout } from './rights-printout.js';

const FONT_FILE = '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf';
const FONT = 'NotoSansSC';
const margin = 50;
const cellPad = 4;

let fontBytes: Buffer | undefined;

/** Where the shipped font is. Throws when the package is missing (the service checks it at start). */
export function rightsPdfFontPath(): string {
  return createRequire(import.meta.url).resolve(FONT_FILE);
}

/** The shipped font's bytes, read on the first download and kept. */
export function rightsPdfFont(): Buffer {
  fontBytes ??= readFileSync(rightsPdfFontPath());
  return fontBytes;
}

export interface CertificatePdfInput {
  printout: RightsPrintout;
  /** The code as printed (grouped). */
  code: string;
  verifyUrl: string;
  /** The code's last day, as printed. */
  validUntil: string;
  digest: string;
  issuedAt: Date;
}

const zh = (key: string, params: Record<string, string | number> = {}) => t('zh-CN', key, params);

/** The PDF bytes. Throws when the font cannot be read (a broken install), never for record content. */
export async function renderRightsCertificatePdf(input: CertificatePdfInput): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin,
    lang: 'zh-CN',
    displayTitle: true,
    info: { Title: input.printout.title, Producer: 'jsrs-idp', Creator: 'jsrs-idp', CreationDate: input.issuedAt },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont(FONT, rightsPdfFont());
  doc.font(FONT);

  const width = doc.page.width - 2 * margin;
  const bottom = () => doc.page.height - margin;
  let y = margin;
  const room = (height: number) => {
    if (y + height > bottom()) {
      doc.addPage();
      y = margin;
    }
  };
  const line = (text: string, size: number, options: { align?: 'center' | 'left'; gap?: number; x?: number; width?: number } = {}) => {
    doc.fontSize(size);
    const w = options.width ?? width;
    const h = doc.heightOfString(text, { width: w });
    room(h);
    doc.fillColor('black').text(text, options.x ?? margin, y, { width: w, align: options.align ?? 'left' });
    y += h + (options.gap ?? 4);
  };

  line(input.printout.title, 18, { align: 'center', gap: 14 });
  for (const text of input.printout.header) line(text, 10.5);
  y += 8;
  for (const table of input.printout.tables) y = drawTable(doc, table, { y, width, bottom, newPage: () => { doc.addPage(); return margin; } });
  for (const note of input.printout.notes) line(note, 9, { gap: 6 });

  // The check block stays on one page.
  const qrSize = 104;
  room(qrSize + 70);
  y += 8;
  doc.moveTo(margin, y).lineTo(margin + width, y).lineWidth(0.5).strokeColor('#888888').stroke();
  y += 10;
  line(zh('rights.cert.verify_heading'), 12, { gap: 6 });
  const top = y;
  drawQr(doc, input.verifyUrl, margin, top, qrSize);
  const x = margin + qrSize + 14;
  const textWidth = width - qrSize - 14;
  y = top;
  line(zh('rights.cert.code', { code: input.code }), 12, { x, width: textWidth, gap: 6 });
  line(zh('rights.cert.verify_at'), 9, { x, width: textWidth, gap: 2 });
  line(input.verifyUrl, 8.5, { x, width: textWidth, gap: 6 });
  line(zh('rights.cert.valid_until', { date: input.validUntil }), 9, { x, width: textWidth, gap: 6 });
  line(zh('rights.cert.digest'), 9, { x, width: textWidth, gap: 2 });
  line(input.digest, 8, { x, width: textWidth, gap: 6 });
  y = Math.max(y, top + qrSize) + 8;
  line(zh('rights.cert.footer'), 8, { gap: 0 });

  doc.end();
  return finished;
}

/** One table: caption, header row and rows (wrapping cells), continued on a new page when full; returns the y after it. */
function drawTable(
  doc: PDFKit.PDFDocument,
  table: PrintedTable,
  area: { y: number; width: number; bottom: () => number; newPage: () => number },
): number {
  // The first column (the insurance type, the year) gets twice the room of the others.
  const unit = area.width / (table.columns.length + 1);
  const widths = table.columns.map((_, i) => (i === 0 ? 2 * unit : unit));
  let y = area.y;
  doc.fontSize(12);
  const captionHeight = doc.heightOfString(table.caption, { width: area.width });
  if (y + captionHeight + 40 > area.bottom()) y = area.newPage();
  doc.fillColor('black').text(table.caption, margin, y, { width: area.width });
  y += captionHeight + 4;

  const row = (cells: string[], size: number, header: boolean) => {
    doc.fontSize(size);
    const height = Math.max(...cells.map((cell, i) => doc.heightOfString(cell, { width: (widths[i] ?? unit) - 2 * cellPad }))) + 2 * cellPad;
    if (y + height > area.bottom()) y = area.newPage();
    if (header) doc.rect(margin, y, area.width, height).fill('#eeeeee');
    let x = margin;
    cells.forEach((cell, i) => {
      const w = widths[i] ?? unit;
      doc.fillColor('black').text(cell, x + cellPad, y + cellPad, { width: w - 2 * cellPad });
      x += w;
    });
    y += height;
    doc.moveTo(margin, y).lineTo(margin + area.width, y).lineWidth(0.5).strokeColor('#999999').stroke();
  };
  row(table.columns, 9, true);
  if (table.rows.length === 0 && table.empty) row([table.empty], 9, false);
  for (const cells of table.rows) row(cells, 9.5, false);
  return y + 14;
}

/** A QR code of `text` as filled squares (vector, no image), with a four-module quiet zone. */
function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const count = qr.modules.size;
  const cell = size / (count + 8);
  for (let r = 0; r < count; r += 1) {
    for (let c = 0; c < count; c += 1) {
      if (qr.modules.get(r, c)) doc.rect(x + (c + 4) * cell, y + (r + 4) * cell, cell, cell);
    }
  }
  doc.fillColor('black').fill();
}
