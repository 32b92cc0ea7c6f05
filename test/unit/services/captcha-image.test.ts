// The raster captcha cannot be read by matching its markup or its bytes: no two renders of one
// answer share their pixels, the shipped font draws the glyphs, and the attacks of
// bench/captcha-solver.ts (the markup table that read every SVG captcha, an exact raster table,
// template matching) read at most 1 of 30 fresh captchas after 150 samples with known answers.

import t from 'tap';
import { createCanvas, GlobalFonts, loadImage } from '@napi-rs/canvas';
import { markupTableAttack, rasterTableAttack, templateAttack, type Sample } from '../../../bench/captcha-solver.js';
import { CAPTCHA_ALPHABET, CAPTCHA_HEIGHT, CAPTCHA_WIDTH, captchaFontFamily, randomCaptchaText, renderCaptchaImage } from '../../../src/services/captcha-image.js';

async function pixels(encoded: Buffer): Promise<Uint8ClampedArray> {
  const image = await loadImage(encoded);
  const canvas = createCanvas(image.width, image.height);
  const g = canvas.getContext('2d');
  g.drawImage(image, 0, 0);
  return g.getImageData(0, 0, image.width, image.height).data;
}

const samples = (n: number): Sample[] =>
  Array.from({ length: n }, () => {
    const answer = randomCaptchaText();
    return { image: renderCaptchaImage(answer), answer };
  });

t.test('answers come from the unambiguous alphabet only', async (t) => {
  for (let i = 0; i < 200; i += 1) t.match(randomCaptchaText(), new RegExp(`^[${CAPTCHA_ALPHABET}]{4}$`));
  for (const confusable of '0OQD1IL2Z5S8B6GUVoil') t.notOk(CAPTCHA_ALPHABET.includes(confusable), `no ${confusable}`);
});

t.test('two renders of the same answer differ in their pixels', async (t) => {
  const a = await pixels(renderCaptchaImage('ACK4'));
  const b = await pixels(renderCaptchaImage('ACK4'));
  t.equal(a.length, CAPTCHA_WIDTH * CAPTCHA_HEIGHT * 4);
  let differing = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (Math.abs((a[i] ?? 0) - (b[i] ?? 0)) + Math.abs((a[i + 1] ?? 0) - (b[i + 1] ?? 0)) + Math.abs((a[i + 2] ?? 0) - (b[i + 2] ?? 0)) > 30) differing += 1;
  }
  t.ok(differing > (CAPTCHA_WIDTH * CAPTCHA_HEIGHT) / 2, `${differing} of ${CAPTCHA_WIDTH * CAPTCHA_HEIGHT} pixels differ`);
});

t.test('the glyphs are drawn with the shipped font, not a system one', async (t) => {
  renderCaptchaImage('ACK4');
  t.ok(GlobalFonts.has(captchaFontFamily), 'the font from @expo-google-fonts/roboto is registered');
  // With the font, the four glyphs leave much more dark ink than the noise alone.
  const data = await pixels(renderCaptchaImage('MWMW'));
  let dark = 0;
  for (let i = 0; i < data.length; i += 4) if (0.299 * (data[i] ?? 0) + 0.587 * (data[i + 1] ?? 0) + 0.114 * (data[i + 2] ?? 0) < 110) dark += 1;
  t.ok(dark > 600, `${dark} dark pixels`);
});

t.test('the solver of bench/captcha-solver.ts reads at most 1 of 30 fresh captchas', async (t) => {
  const train = samples(150);
  const fresh = samples(30);
  for (const attack of [markupTableAttack(), rasterTableAttack(), templateAttack()]) {
    await attack.train(train);
    let solved = 0;
    for (const sample of fresh) if ((await attack.solve(sample.image))?.toLowerCase() === sample.answer.toLowerCase()) solved += 1;
    t.ok(solved <= 1, `${attack.name}: ${solved}/30`);
  }
  const markup = markupTableAttack();
  await markup.train(train);
  t.equal(await markup.solve(fresh[0]?.image ?? Buffer.alloc(0)), undefined, 'no markup: the table attack cannot even guess');
});
