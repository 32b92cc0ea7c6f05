// Solves the proof-of-work challenge of every captcha form before an SMS is sent: finds the counter
// whose SHA-256(salt ‖ nonce ‖ counter) starts with the signed key prefix (ALTCHA v2, SHA-256, cost 1)
// and puts the payload into the hidden `pow` field. Runs as a Web Worker (this same file) when it
// can, in slices on the page otherwise; also swaps the captcha in place for 换一张.
(function () {
  'use strict';

  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ];
  var W = new Int32Array(64);

  /** SHA-256 of `bytes` (a Uint8Array) as a Uint8Array of 32. */
  function sha256(bytes) {
    var length = bytes.length;
    var blocks = ((length + 9 + 63) >> 6) << 6;
    var padded = new Uint8Array(blocks);
    padded.set(bytes);
    padded[length] = 0x80;
    var bits = length * 8;
    padded[blocks - 4] = (bits >>> 24) & 0xff;
    padded[blocks - 3] = (bits >>> 16) & 0xff;
    padded[blocks - 2] = (bits >>> 8) & 0xff;
    padded[blocks - 1] = bits & 0xff;
    var h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a;
    var h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (var offset = 0; offset < blocks; offset += 64) {
      for (var i = 0; i < 16; i++) {
        var j = offset + i * 4;
        W[i] = (padded[j] << 24) | (padded[j + 1] << 16) | (padded[j + 2] << 8) | padded[j + 3];
      }
      for (i = 16; i < 64; i++) {
        var w15 = W[i - 15], w2 = W[i - 2];
        var s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
        var s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
        W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
      }
      var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
      for (i = 0; i < 64; i++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
    }
    var out = new Uint8Array(32);
    var words = [h0, h1, h2, h3, h4, h5, h6, h7];
    for (i = 0; i < 8; i++) {
      out[i * 4] = (words[i] >>> 24) & 0xff;
      out[i * 4 + 1] = (words[i] >>> 16) & 0xff;
      out[i * 4 + 2] = (words[i] >>> 8) & 0xff;
      out[i * 4 + 3] = words[i] & 0xff;
    }
    return out;
  }

  function fromHex(hex) {
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }

  function toHex(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return s;
  }

  var MAX_COUNTER = 50000000;

  /**
   * A solver for one challenge: `step(n)` tries the next n counters and returns the payload string
   * once found, null while still searching, or '' when the search space is exhausted.
   */
  function solver(challenge) {
    var p = challenge.parameters;
    var salt = fromHex(p.salt);
    var nonce = fromHex(p.nonce);
    var prefix = fromHex(p.keyPrefix);
    var input = new Uint8Array(salt.length + nonce.length + 4);
    input.set(salt, 0);
    input.set(nonce, salt.length);
    var at = salt.length + nonce.length;
    var counter = 0;
    return function step(n) {
      for (var end = counter + n; counter < end; counter++) {
        if (counter > MAX_COUNTER) return '';
        input[at] = (counter >>> 24) & 0xff;
        input[at + 1] = (counter >>> 16) & 0xff;
        input[at + 2] = (counter >>> 8) & 0xff;
        input[at + 3] = counter & 0xff;
        var key = sha256(input);
        var match = true;
        for (var i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) { match = false; break; }
        if (match) {
          var keyHex = toHex(key.subarray(0, p.keyLength || 32));
          return btoa(JSON.stringify({ challenge: challenge, solution: { counter: counter, derivedKey: keyHex } }));
        }
      }
      return null;
    };
  }

  // As a Web Worker: solve what the page sends, answer with the payload ('' when none was found).
  if (typeof document === 'undefined') {
    self.onmessage = function (event) {
      var result;
      try {
        var step = solver(event.data);
        do result = step(100000); while (result === null);
      } catch (err) {
        result = '';
      }
      self.postMessage(result);
    };
    return;
  }

  // Every captcha on a page includes this script; the first copy does the work.
  if (window.jsrsProofOfWork) return;
  window.jsrsProofOfWork = true;
  var scriptUrl = document.currentScript && document.currentScript.src;

  /** Solves `challenge`; calls done(payload) once, with '' when it could not. */
  function solve(challenge, done) {
    if (typeof Worker === 'function' && scriptUrl) {
      try {
        var worker = new Worker(scriptUrl);
        worker.onmessage = function (event) { worker.terminate(); done(String(event.data || '')); };
        worker.onerror = function () { worker.terminate(); inPage(challenge, done); };
        worker.postMessage(challenge);
        return;
      } catch (err) {
        // No worker (blocked or unsupported): solve on the page below.
      }
    }
    inPage(challenge, done);
  }

  function inPage(challenge, done) {
    var step;
    try { step = solver(challenge); } catch (err) { done(''); return; }
    (function slice() {
      var result = step(5000);
      if (result === null) setTimeout(slice, 0); else done(result);
    })();
  }

  /** Starts solving the challenge of one hidden field; remembers waiters until the payload is there. */
  function start(field) {
    var generation = (field.powGeneration || 0) + 1;
    field.powGeneration = generation;
    field.value = '';
    field.powDone = false;
    field.powWaiters = [];
    var challenge;
    try { challenge = JSON.parse(field.getAttribute('data-pow-challenge')); } catch (err) { challenge = null; }
    var finish = function (payload) {
      if (field.powGeneration !== generation) return;
      field.value = payload;
      field.powDone = true;
      var waiters = field.powWaiters;
      field.powWaiters = [];
      for (var i = 0; i < waiters.length; i++) waiters[i]();
    };
    if (!challenge || !challenge.parameters) { finish(''); return; }
    solve(challenge, finish);
  }

  var fields = document.querySelectorAll('input[name="pow"][data-pow-challenge]');
  for (var i = 0; i < fields.length; i++) start(fields[i]);

  // A submit waits for the proof (usually done long before the person has typed the captcha).
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var field = form.querySelector && form.querySelector('input[name="pow"][data-pow-challenge]');
    if (!field || field.powDone) return;
    event.preventDefault();
    var submitter = event.submitter || null;
    field.powWaiters.push(function () {
      if (form.requestSubmit) form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
      else form.submit();
    });
  }, true);

  // 换一张: a new image and challenge in place; without JavaScript the link reloads the page instead.
  document.addEventListener('click', function (event) {
    var link = event.target && event.target.closest && event.target.closest('a[data-captcha-refresh]');
    if (!link || typeof fetch !== 'function') return;
    var box = link.closest('.captcha');
    var image = box && box.querySelector('img[data-captcha-image]');
    var id = box && box.querySelector('input[name="captchaId"]');
    var field = box && box.querySelector('input[name="pow"][data-pow-challenge]');
    if (!image || !id || !field) return;
    event.preventDefault();
    fetch('/api/register/captcha', { method: 'POST', headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) { if (!res.ok) throw new Error(String(res.status)); return res.json(); })
      .then(function (body) {
        image.src = body.image;
        id.value = body.captcha_id;
        field.setAttribute('data-pow-challenge', JSON.stringify(body.pow_challenge));
        start(field);
        var input = box.querySelector('input[name="captcha"]');
        if (input) { input.value = ''; input.focus(); }
      })
      .catch(function () { window.location.href = link.href; });
  });
})();
