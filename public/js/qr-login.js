// Polls a QR sign-in status endpoint and updates the page without a reload (扫码登录 and 电子社保卡):
// the element with data-status-url says where to poll; `submit` posts the completion form; `renew`
// fetches a fresh QR from data-renew-url when the shown one expired. No inline script (CSP).
(function () {
  'use strict';
  var box = document.querySelector('[data-status-url]');
  if (!box || !window.fetch) return;
  var statusEl = document.getElementById('qr-status');
  var form = document.getElementById('qr-complete');
  var image = document.getElementById('qr-image');
  var simulate = document.getElementById('qr-simulate');
  var appLink = document.getElementById('qr-app-link');
  var refresh = document.getElementById('qr-refresh');
  var pollMs = Math.max(1000, Number(box.getAttribute('data-poll-ms')) || 2000);
  var ticket = box.getAttribute('data-ticket') || '';
  var lastState = '';
  var stopped = false;

  function statusUrl() {
    var url = box.getAttribute('data-status-url');
    return ticket ? url + (url.indexOf('?') < 0 ? '?' : '&') + 'ticket=' + encodeURIComponent(ticket) : url;
  }

  function show(message) {
    if (statusEl && message) statusEl.textContent = message;
  }

  function renew() {
    var renewUrl = box.getAttribute('data-renew-url');
    if (!renewUrl) { stopped = true; return Promise.resolve(); }
    return fetch(renewUrl, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        ticket = data.ticket;
        box.setAttribute('data-ticket', ticket);
        if (image) image.src = data.image;
        if (simulate) simulate.href = data.link;
        if (appLink && data.app_link) appLink.href = data.app_link;
        if (refresh) refresh.href = refresh.href.replace(/ticket=[^&]*/, 'ticket=' + encodeURIComponent(ticket));
        var input = form && form.querySelector('input[name="ticket"]');
        if (input) input.value = ticket;
        show(data.message);
        lastState = 'pending';
      });
  }

  function tick() {
    if (stopped) return;
    fetch(statusUrl(), { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        if (data.state !== lastState) show(data.message);
        lastState = data.state;
        if (data.submit && form) {
          stopped = true;
          form.hidden = false;
          form.submit();
          return undefined;
        }
        if (data.renew) return renew();
        if (data.state === 'cancelled' || data.state === 'rejected' || data.state === 'failed') stopped = true;
        return undefined;
      })
      .catch(function () { /* keep polling: a network blip is not an answer */ })
      .then(function () { if (!stopped) window.setTimeout(tick, pollMs); });
  }

  window.setTimeout(tick, pollMs);
})();
