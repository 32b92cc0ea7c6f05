// Draws a graphical captcha as a JPEG raster (no markup to read): each glyph gets its own random
// rotation, scale, skew and position and overlaps its neighbours; noise curves, arcs, dots and a
// wavy warp go over a noisy background. The font ships with the project (Roboto, OFL), never the system's.

import { randomBytes, randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import { createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';

/** Characters people do not confuse with each other (no 0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, 6/G, U/V). */
export const CAPTCHA_ALPHABET = 'ACEFHJKMNPRTWXY3479';
export const CAPTCHA_LENGTH = 4;
export const CAPTCHA_WIDTH = 160;
export const CAPTCHA_HEIGHT = 50;
/**
 * JPEG, not PNG: a noisy 160×50 raster cost 0.2–0.45 ms to encode as JPEG and ~1.9 ms as PNG (most of
 * a captcha's CPU, and captchas are what anyone can ask for without an account), at a fifth of the bytes.
 */
export const CAPTCHA_MIME = 'image/jpeg';
const JPEG_QUALITY = 85;

const FONT_FAMILY = 'JsrsCaptchaSans';
const FONT_FILE = '@expo-google-fonts/roboto/700Bold/Roboto_700Bold.ttf';

let fontReady = false;

/**
 * Registers the shipped font once per process. Throws when the font file is missing or unusable,
 * so a machine without it fails at start instead of drawing blank or system-font captchas.
 */
export function ensureCaptchaFont(): void {
  if (fontReady) return;
  const path = createRequire(import.meta.url).resolve(FONT_FILE);
  GlobalFonts.registerFromPath(path, FONT_FAMILY);
  if (!GlobalFonts.has(FONT_FAMILY)) throw new Error(`captcha font could not be loaded from ${path}`);
  fontReady = true;
}

/** The family name the shipped font is registered under (for tests). */
export const captchaFontFamily = FONT_FAMILY;

/** A fresh random answer from the unambiguous alphabet. */
export function randomCaptchaText(length = CAPTCHA_LENGTH): string {
  let text = '';
  for (let i = 0; i < length; i += 1) text += CAPTCHA_ALPHABET[randomInt(CAPTCHA_ALPHABET.length)];
  return text;
}

/** Uniform floats in [0, 1) from the CSPRNG, drawn from a pool refilled as needed. */
function randomSource(): (min: number, max: number) => number {
  let pool = randomBytes(1024);
  let at = 0;
  return (min, max) => {
    if (at + 4 > pool.length) {
      pool = randomBytes(1024);
      at = 0;
    }
    const unit = pool.readUInt32BE(at) / 2 ** 32;
    at += 4;
    return min + unit * (max - min);
  };
}

function colour(rand: (min: number, max: number) => number, light: boolean): string {
  const hue = Math.floor(rand(0, 360));
  return light ? `hsl(${hue}, ${Math.floor(rand(20, 50))}%, ${Math.floor(rand(78, 92))}%)` : `hsl(${hue}, ${Math.floor(rand(45, 80))}%, ${Math.floor(rand(18, 38))}%)`;
}

function drawBackground(g: SKRSContext2D, rand: (min: number, max: number) => number): void {
  const gradient = g.createLinearGradient(0, rand(0, CAPTCHA_HEIGHT), CAPTCHA_WIDTH, rand(0, CAPTCHA_HEIGHT));
  gradient.addColorStop(0, colour(rand, true));
  gradient.addColorStop(1, colour(rand, true));
  g.fillStyle = gradient;
  g.fillRect(0, 0, CAPTCHA_WIDTH, CAPTCHA_HEIGHT);
  // Soft blobs and speckles so the background is never one flat colour.
  for (let i = 0; i < 6; i += 1) {
    g.fillStyle = colour(rand, true);
    g.globalAlpha = rand(0.3, 0.7);
    g.beginPath();
    g.ellipse(rand(0, CAPTCHA_WIDTH), rand(0, CAPTCHA_HEIGHT), rand(8, 30), rand(5, 18), rand(0, Math.PI), 0, Math.PI * 2);
    g.fill();
  }
  g.globalAlpha = 1;
}

function drawGlyphs(g: SKRSContext2D, text: string, rand: (min: number, max: number) => number): void {
  const slot = (CAPTCHA_WIDTH - 24) / text.length;
  let x = rand(10, 18);
  for (const char of text) {
    const size = rand(27, 35);
    g.save();
    g.translate(x + slot / 2, CAPTCHA_HEIGHT / 2 + rand(-4, 4));
    g.rotate(rand(-0.5, 0.5));
    g.transform(1, rand(-0.15, 0.15), rand(-0.35, 0.35), 1, 0, 0);
    g.scale(rand(0.8, 1.25), rand(0.85, 1.15));
    g.font = `${size.toFixed(1)}px ${FONT_FAMILY}`;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillStyle = colour(rand, false);
    g.fillText(char, 0, 0);
    // A thin outline in another colour breaks the flat fill a template would key on.
    g.lineWidth = rand(0.6, 1.4);
    g.strokeStyle = colour(rand, false);
    g.strokeText(char, rand(-1, 1), rand(-1, 1));
    g.restore();
    // Less than a full slot: neighbours overlap.
    x += slot * rand(0.72, 0.95);
  }
}

function drawNoise(g: SKRSContext2D, rand: (min: number, max: number) => number): void {
  for (let i = 0; i < 3; i += 1) {
    g.strokeStyle = colour(rand, false);
    g.lineWidth = rand(1.2, 2.6);
    g.beginPath();
    g.moveTo(rand(-10, 20), rand(0, CAPTCHA_HEIGHT));
    g.bezierCurveTo(rand(30, 70), rand(-20, CAPTCHA_HEIGHT + 20), rand(80, 130), rand(-20, CAPTCHA_HEIGHT + 20), rand(140, CAPTCHA_WIDTH + 10), rand(0, CAPTCHA_HEIGHT));
    g.stroke();
  }
  for (let i = 0; i < 2; i += 1) {
    g.strokeStyle = colour(rand, false);
    g.lineWidth = rand(1, 2);
    g.beginPath();
    g.arc(rand(20, CAPTCHA_WIDTH - 20), rand(0, CAPTCHA_HEIGHT), rand(10, 30), rand(0, Math.PI * 2), rand(0, Math.PI * 2));
    g.stroke();
  }
  for (let i = 0; i < 40; i += 1) {
    g.fillStyle = colour(rand, false);
    g.beginPath();
    g.arc(rand(0, CAPTCHA_WIDTH), rand(0, CAPTCHA_HEIGHT), rand(0.6, 1.6), 0, Math.PI * 2);
    g.fill();
  }
}

/**
 * Shifts every row and column by a random sine wave (so no two renders share glyph pixels) and
 * sprinkles pixel noise over the result, in one pass over the raster.
 */
function warp(g: SKRSContext2D, rand: (min: number, max: number) => number): void {
  const source = g.getImageData(0, 0, CAPTCHA_WIDTH, CAPTCHA_HEIGHT);
  const target = g.createImageData(CAPTCHA_WIDTH, CAPTCHA_HEIGHT);
  const from = source.data;
  const to = target.data;
  const ax = rand(1.5, 3), px = rand(0, Math.PI * 2), fx = rand(0.08, 0.16);
  const ay = rand(1, 2.5), py = rand(0, Math.PI * 2), fy = rand(0.03, 0.07);
  const rowShift = Array.from({ length: CAPTCHA_HEIGHT }, (_, y) => Math.round(ax * Math.sin(y * fx + px)));
  const columnShift = Array.from({ length: CAPTCHA_WIDTH }, (_, x) => Math.round(ay * Math.sin(x * fy + py)));
  const speckles = randomBytes(CAPTCHA_WIDTH * CAPTCHA_HEIGHT);
  for (let y = 0; y < CAPTCHA_HEIGHT; y += 1) {
    for (let x = 0; x < CAPTCHA_WIDTH; x += 1) {
      const sx = Math.min(CAPTCHA_WIDTH - 1, Math.max(0, x + (rowShift[y] ?? 0)));
      const sy = Math.min(CAPTCHA_HEIGHT - 1, Math.max(0, y + (columnShift[x] ?? 0)));
      const s = (sy * CAPTCHA_WIDTH + sx) * 4;
      const t = (y * CAPTCHA_WIDTH + x) * 4;
      const noise = speckles[y * CAPTCHA_WIDTH + x] ?? 0;
      // About one pixel in twelve is pushed lighter or darker by up to ±60.
      const delta = noise < 21 ? (noise - 10) * 6 : 0;
      to[t] = (from[s] ?? 0) + delta;
      to[t + 1] = (from[s + 1] ?? 0) + delta;
      to[t + 2] = (from[s + 2] ?? 0) + delta;
      to[t + 3] = 255;
    }
  }
  g.putImageData(target, 0, 0);
}

/** Renders `text` as a fresh image (CAPTCHA_MIME): two renders of the same text never share their pixels. */
export function renderCaptchaImage(text: string): Buffer {
  ensureCaptchaFont();
  const rand = randomSource();
  const canvas = createCanvas(CAPTCHA_WIDTH, CAPTCHA_HEIGHT);
  const g = canvas.getContext('2d');
  drawBackground(g, rand);
  drawGlyphs(g, text, rand);
  drawNoise(g, rand);
  warp(g, rand);
  return canvas.encodeSync('jpeg', JPEG_QUALITY);
}
