// `npx tsx bench/captcha-solver.ts [--train=150] [--test=30] [--url=http://127.0.0.1:3000]`: how
// many tries an automated solver needs against the graphical captcha. Collects samples with known
// answers through the development peek (POST /api/register/captcha, GET /dev/captcha.json), then
// runs three attacks on fresh captchas: the markup table that read every SVG captcha (glyph paths
// → characters), an exact table of glyph rasters, and template matching on the raster (binarise,
// split into four, nearest mean template per character). Without --url it starts the app in this
// process (development mode, in-memory database). An external server needs POSTS_PER_IP_PER_MINUTE
// raised for the collection. Prints one table; docs/security.md keeps the last result.

import http from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createCanvas, loadImage } from '@napi-rs/canvas';

export interface Sample {
  /** The image bytes as served (JPEG now; PNG and SVG text before). */
  image: Buffer;
  answer: string;
}

export interface Attack {
  name: string;
  train(samples: readonly Sample[]): Promise<void>;
  /** The attack's reading of a captcha, or undefined when it cannot even guess. */
  solve(image: Buffer): Promise<string | undefined>;
  /** Share of single characters read right (attacks that read characters one by one). */
  characterAccuracy?(samples: readonly Sample[]): Promise<number>;
}

/** Decodes a data: URI as served in the page or the app API. */
export function imageBytes(dataUri: string): Buffer {
  const comma = dataUri.indexOf(',');
  return Buffer.from(dataUri.slice(comma + 1), 'base64');
}

// ---------------------------------------------------------------------------------------------
// 1. The markup table: each glyph of an SVG captcha is a <path> whose drawing commands identify
//    the character; a table from command signature to character reads the next ones.

function glyphPaths(image: Buffer): Array<{ x: number; signature: string }> {
  const text = image.toString('latin1');
  const paths = [...text.matchAll(/<path[^>]*\sd="([^"]+)"[^>]*>/g)].filter((m) => !/fill="none"/.test(m[0]));
  return paths.map((m) => {
    const d = m[1] ?? '';
    const x = Number(/[-\d.]+/.exec(d)?.[0] ?? 0);
    return { x, signature: d.replace(/[-\d.]+/g, '#').replace(/\s+/g, '') };
  });
}

export function markupTableAttack(): Attack {
  const table = new Map<string, string>();
  return {
    name: 'markup table (glyph paths → characters)',
    async train(samples) {
      for (const s of samples) {
        const glyphs = glyphPaths(s.image).sort((a, b) => a.x - b.x);
        if (glyphs.length !== s.answer.length) continue;
        glyphs.forEach((g, i) => table.set(g.signature, s.answer[i] ?? ''));
      }
    },
    async solve(image) {
      const glyphs = glyphPaths(image).sort((a, b) => a.x - b.x);
      if (glyphs.length === 0) return undefined;
      const read = glyphs.map((g) => table.get(g.signature));
      return read.every((c) => c !== undefined) ? read.join('') : undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Raster helpers: decode, binarise (dark = ink), find the inked columns, cut into equal slots.

interface Bitmap {
  width: number;
  height: number;
  ink: Uint8Array;
}

async function decode(image: Buffer): Promise<Bitmap | undefined> {
  let img;
  try {
    img = await loadImage(image);
  } catch {
    return undefined;
  }
  const canvas = createCanvas(img.width, img.height);
  const g = canvas.getContext('2d');
  g.drawImage(img, 0, 0);
  const { data } = g.getImageData(0, 0, img.width, img.height);
  const ink = new Uint8Array(img.width * img.height);
  for (let i = 0; i < ink.length; i += 1) {
    const lum = 0.299 * (data[i * 4] ?? 0) + 0.587 * (data[i * 4 + 1] ?? 0) + 0.114 * (data[i * 4 + 2] ?? 0);
    ink[i] = lum < 128 ? 1 : 0;
  }
  return { width: img.width, height: img.height, ink };
}

const GRID_W = 12;
const GRID_H = 16;

/** Four feature vectors (GRID_W × GRID_H ink densities), one per character slot. */
function slots(bitmap: Bitmap, count: number): Float64Array[] {
  const { width, height, ink } = bitmap;
  const columnInk = Array.from({ length: width }, (_, x) => {
    let n = 0;
    for (let y = 0; y < height; y += 1) n += ink[y * width + x] ?? 0;
    return n;
  });
  let left = columnInk.findIndex((n) => n > 4);
  let right = width - 1 - [...columnInk].reverse().findIndex((n) => n > 4);
  if (left < 0 || right <= left) {
    left = 0;
    right = width - 1;
  }
  const slotWidth = (right - left + 1) / count;
  return Array.from({ length: count }, (_, s) => {
    const x0 = left + s * slotWidth;
    const features = new Float64Array(GRID_W * GRID_H);
    for (let gy = 0; gy < GRID_H; gy += 1) {
      for (let gx = 0; gx < GRID_W; gx += 1) {
        const xa = Math.floor(x0 + (gx * slotWidth) / GRID_W);
        const xb = Math.max(xa + 1, Math.floor(x0 + ((gx + 1) * slotWidth) / GRID_W));
        const ya = Math.floor((gy * height) / GRID_H);
        const yb = Math.max(ya + 1, Math.floor(((gy + 1) * height) / GRID_H));
        let sum = 0;
        let n = 0;
        for (let y = ya; y < yb; y += 1) {
          for (let x = xa; x < xb && x < width; x += 1) {
            sum += ink[y * width + x] ?? 0;
            n += 1;
          }
        }
        features[gy * GRID_W + gx] = n ? sum / n : 0;
      }
    }
    return features;
  });
}

// ---------------------------------------------------------------------------------------------
// 2. An exact table of glyph rasters: the SVG table's idea applied to pixels (a slot seen before
//    is recognised again). Random transforms and noise make every slot new.

export function rasterTableAttack(): Attack {
  const table = new Map<string, string>();
  const key = (features: Float64Array) => createHash('sha256').update(Buffer.from(features.map((v) => (v > 0.5 ? 1 : 0)))).digest('hex');
  return {
    name: 'exact table of glyph rasters',
    async train(samples) {
      for (const s of samples) {
        const bitmap = await decode(s.image);
        if (!bitmap) continue;
        slots(bitmap, s.answer.length).forEach((f, i) => table.set(key(f), s.answer[i] ?? ''));
      }
    },
    async solve(image) {
      const bitmap = await decode(image);
      if (!bitmap) return undefined;
      const read = slots(bitmap, 4).map((f) => table.get(key(f)));
      return read.every((c) => c !== undefined) ? read.join('') : undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// 3. Template matching: the mean ink pattern of each character over the training slots; a slot
//    is read as the character whose template correlates best.

function centred(v: Float64Array): Float64Array {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const out = v.map((x) => x - mean);
  const norm = Math.sqrt(out.reduce((a, b) => a + b * b, 0)) || 1;
  return out.map((x) => x / norm);
}

export function templateAttack(): Attack {
  const templates = new Map<string, Float64Array>();
  const classify = (features: Float64Array) => {
    const v = centred(features);
    let best = '';
    let bestScore = -Infinity;
    for (const [char, template] of templates) {
      let score = 0;
      for (let i = 0; i < v.length; i += 1) score += (v[i] ?? 0) * (template[i] ?? 0);
      if (score > bestScore) {
        bestScore = score;
        best = char;
      }
    }
    return best;
  };
  return {
    name: 'template matching on the raster (mean template per character)',
    async train(samples) {
      const sums = new Map<string, { sum: Float64Array; n: number }>();
      for (const s of samples) {
        const bitmap = await decode(s.image);
        if (!bitmap) continue;
        slots(bitmap, s.answer.length).forEach((f, i) => {
          const char = s.answer[i] ?? '';
          const entry = sums.get(char) ?? { sum: new Float64Array(f.length), n: 0 };
          f.forEach((v, j) => (entry.sum[j] = (entry.sum[j] ?? 0) + v));
          entry.n += 1;
          sums.set(char, entry);
        });
      }
      for (const [char, { sum, n }] of sums) templates.set(char, centred(sum.map((v) => v / n)));
    },
    async solve(image) {
      const bitmap = await decode(image);
      if (!bitmap || templates.size === 0) return undefined;
      return slots(bitmap, 4).map(classify).join('');
    },
    async characterAccuracy(samples) {
      let right = 0;
      let total = 0;
      for (const s of samples) {
        const read = await this.solve(s.image);
        for (let i = 0; i < s.answer.length; i += 1) {
          total += 1;
          if (read?.[i]?.toLowerCase() === s.answer[i]?.toLowerCase()) right += 1;
        }
      }
      return total ? right / total : 0;
    },
  };
}

/** Trains every attack on `train` and counts how many of `test` each reads exactly (case-insensitive). */
export async function runAttacks(train: readonly Sample[], test: readonly Sample[]) {
  const attacks = [markupTableAttack(), rasterTableAttack(), templateAttack()];
  const results: Array<{ name: string; solved: number; guessed: number; total: number; characterAccuracy?: number }> = [];
  for (const attack of attacks) {
    await attack.train(train);
    let solved = 0;
    let guessed = 0;
    for (const sample of test) {
      const read = await attack.solve(sample.image);
      if (read !== undefined) guessed += 1;
      if (read?.toLowerCase() === sample.answer.toLowerCase()) solved += 1;
    }
    results.push({ name: attack.name, solved, guessed, total: test.length, ...(attack.characterAccuracy ? { characterAccuracy: await attack.characterAccuracy(test) } : {}) });
  }
  return results;
}

/** Collects `count` captchas with their answers from a running provider (development mode). */
export async function collect(baseUrl: string, count: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = 0; i < count; i += 1) {
    const issued = await fetch(`${baseUrl}/api/register/captcha`, { method: 'POST' });
    if (!issued.ok) throw new Error(`POST /api/register/captcha answered ${issued.status} (raise POSTS_PER_IP_PER_MINUTE for the collection)`);
    const { image } = (await issued.json()) as { image: string };
    const { answer } = (await (await fetch(`${baseUrl}/dev/captcha.json`)).json()) as { answer: string | null };
    if (!answer) throw new Error('no answer from /dev/captcha.json: is the server in development mode?');
    samples.push({ image: imageBytes(image), answer });
  }
  return samples;
}

async function startLocalProvider(): Promise<{ url: string; stop(): Promise<void> }> {
  const [{ loadConfig }, { createContainer }, { buildApp }, { createLogger }] = await Promise.all([
    import('../src/config/load.js'),
    import('../src/container.js'),
    import('../src/app.js'),
    import('../src/log/logger.js'),
  ]);
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    env: { NODE_ENV: 'development', ENCRYPTION_KEY: 'k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY' },
    overrides: { issuer: url, port, dataDir: 'memory://', logLevel: 'silent', rateLimits: { postsPerIpPerMinute: 1_000_000 } },
  });
  const container = await createContainer({ config, logger: createLogger('silent'), jobs: false });
  server.on('request', buildApp(container).app.callback());
  return {
    url,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await container.close();
    },
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=').slice(1).join('=');
  const trainCount = Number(option('train') ?? 150);
  const testCount = Number(option('test') ?? 30);
  const external = option('url');
  const provider = external ? { url: external, stop: async () => undefined } : await startLocalProvider();
  try {
    const train = await collect(provider.url, trainCount);
    const test = await collect(provider.url, testCount);
    const results = await runAttacks(train, test);
    console.log(`captcha solver: ${trainCount} training samples, ${testCount} fresh captchas (${provider.url})`);
    console.log('| attack | solved | guessed at all | characters right | tries per success |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const r of results) {
      // Measured when something was solved; else estimated from the per-character rate (four independent reads).
      const estimate = r.characterAccuracy ? `≈ ${Math.round(1 / r.characterAccuracy ** 4)} (estimated)` : `> ${r.total}`;
      const tries = r.solved ? (r.total / r.solved).toFixed(1) : estimate;
      const chars = r.characterAccuracy === undefined ? '—' : `${(r.characterAccuracy * 100).toFixed(0)} %`;
      console.log(`| ${r.name} | ${r.solved}/${r.total} | ${r.guessed}/${r.total} | ${chars} | ${tries} |`);
    }
  } finally {
    await provider.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
