// The 权益单 PDF renderer on its own: a long record flows onto further pages with every row
// printed and the check block (code, digest, QR of the verify URL) intact on the last page; the
// font embedded is the shipped Noto Sans SC; a name without Han characters prints as given.

import t from 'tap';
import { syntheticRightsRecord } from '../../../src/adapters/rights-record/mock.js';
import { rightsPdfFontPath, renderRightsCertificatePdf } from '../../../src/services/rights-certificate-pdf.js';
import { printoutDigest, printoutLines, rightsPrintout } from '../../../src/services/rights-printout.js';
import { pdfPageCount, pdfQrText, pdfText } from '../../helpers/pdf.js';

const code = '0123-4567-89AB-CDEF-GHJK-MNPQ';
const verifyUrl = `https://idp.example.test/verify/${code}`;

t.test('the font is the one shipped through npm', async (t) => {
  t.match(rightsPdfFontPath(), /node_modules\/@expo-google-fonts\/noto-sans-sc\/400Regular\/NotoSansSC_400Regular\.ttf$/);
});

t.test('a long record: every row printed across pages, the check block on the last', async (t) => {
  const base = syntheticRightsRecord('320311197709042120', 2026);
  const record = { ...base, years: Array.from({ length: 45 }, (_, i) => ({ year: 2025 - i, base: 3000 + i * 101, months: 12 })) };
  const printout = rightsPrintout(record, { maskedName: 'S**** J***', maskedDocument: 'E*******9', issuedOn: '2026-12-03', amounts: true });
  const digest = printoutDigest(printout);
  const pdf = await renderRightsCertificatePdf({ printout, code, verifyUrl, validUntil: '2027-03-03 08:00', digest, issuedAt: new Date('2026-12-03T00:00:00Z') });
  t.ok((await pdfPageCount(pdf)) >= 2, 'more than one page');
  const flat = (await pdfText(pdf)).replace(/\s+/g, '');
  for (const line of printoutLines(printout)) t.ok(flat.includes(line.replace(/\s+/g, '')), `printed: ${line.replace(/\t/g, ' | ')}`);
  t.ok(flat.includes('姓名：S****J***'), 'a Latin name prints as masked');
  t.ok(flat.includes(`验证码：${code}`));
  t.ok(flat.includes(digest));
  t.equal(await pdfQrText(pdf), verifyUrl, 'the QR on the last page carries the verify URL');
  t.match(Buffer.from(pdf).toString('latin1'), /\/BaseFont \/[A-Z]{6}\+NotoSansSC/);
});
