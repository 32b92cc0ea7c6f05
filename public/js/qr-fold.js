// Folds the QR codes of a page (details.qr-fold, views/macros/phone-first.njk) on small screens,
// where the button above them opens the app or the check on the phone itself; keeps them open on
// wider screens, following a rotation or resize across the 48rem line. No inline script (CSP).
(function () {
  'use strict';
  if (!window.matchMedia) return;
  var narrow = window.matchMedia('(max-width: 47.99rem)');
  function apply() {
    var folds = document.querySelectorAll('details.qr-fold');
    for (var i = 0; i < folds.length; i += 1) folds[i].open = !narrow.matches;
  }
  apply();
  if (window.__qrFoldListening) return;
  window.__qrFoldListening = true;
  if (narrow.addEventListener) narrow.addEventListener('change', apply);
  else if (narrow.addListener) narrow.addListener(apply);
})();
