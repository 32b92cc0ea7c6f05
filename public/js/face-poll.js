// Follows a face check without reloading: polls the status URL every 2 s; when the verifier
// (asked server-side) says passed, submits the continue form; on failure shows the retry.
(function () {
  var box = document.getElementById('face-status');
  if (!box) return;
  var url = box.getAttribute('data-status-url');
  var labels = { pending: box.getAttribute('data-pending'), passed: box.getAttribute('data-passed'), failed: box.getAttribute('data-failed') };
  var tries = 0;
  function poll() {
    tries += 1;
    if (tries > 300) return;
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (labels[body.status]) box.textContent = labels[body.status];
        if (body.status === 'passed') {
          var form = document.getElementById('face-continue');
          if (form) form.submit();
          return;
        }
        if (body.status === 'failed') {
          var retry = document.getElementById('face-retry');
          if (retry) retry.hidden = false;
          return;
        }
        setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 4000); });
  }
  setTimeout(poll, 1500);
})();
