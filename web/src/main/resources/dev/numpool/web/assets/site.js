// Numpool's one script: copy buttons, the catalogue's filter as you type, and the activation
// page's live code and countdowns.
// Pages work without it (forms post, the activation page shows its state on reload).
// The words it writes come from the page, in the page's language: the body's data-copied,
// data-copied-text, data-copy-failed and data-copy-by-hand, the activation's data-t-* ("{0}"
// marks where a countdown goes), and the live state's statusText and each message's "from".
(function () {
  'use strict';
  window.numpoolLoadedAt = Date.now();

  document.addEventListener('click', function (e) {
    var button = e.target.closest('button[data-copy]');
    if (!button) { return; }
    var text = button.getAttribute('data-copy');
    var say = function (msg) { var s = document.getElementById('copied'); if (s) { s.textContent = msg; } };
    // The words come from the page (body data-*), in the visitor's language.
    var words = document.body.dataset;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { say(words.copiedText.replace('{0}', text)); button.textContent = words.copied; },
        function () { say(words.copyFailed); });
    } else {
      say(words.copyByHand);
    }
  });

  // The catalogue's lists filter as the visitor types: the search field names its list
  // (data-filter), whose items carry their lower-cased words (data-search); an item shows when
  // every typed word is among them, as the server's ?q= search decides. Without the script the
  // form's ?q= does the same on the server. data-shown is the count's words ("{0}" the number).
  var filter = document.querySelector('input[data-filter]');
  if (filter) {
    var list = document.getElementById(filter.getAttribute('data-filter'));
    var none = document.getElementById(filter.getAttribute('data-filter') + '-none');
    var status = document.getElementById('filter-status');
    var apply = function (announce) {
      if (!list) { return; }
      var words = filter.value.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 0; });
      var shown = 0;
      list.querySelectorAll('[data-search]').forEach(function (item) {
        var hay = item.getAttribute('data-search');
        var match = words.every(function (w) { return hay.indexOf(w) >= 0; });
        item.hidden = !match;
        if (match) { shown++; }
      });
      if (none) { none.hidden = shown > 0; }
      if (status && announce) { status.textContent = (filter.getAttribute('data-shown') || '').replace('{0}', shown); }
    };
    filter.addEventListener('input', function () { apply(true); });
    apply(false); // a value the browser kept from before (the back button) filters at once
  }

  var root = document.getElementById('activation');
  if (!root) { return; }

  // Times come from the server as absolute instants; the page counts with the server's clock
  // (its "now" at render, plus the time elapsed here), so a wrong clock on the phone does not matter.
  var state = {
    live: root.dataset.live === 'true', canFinish: root.dataset.canFinish === 'true', canRetry: root.dataset.canRetry === 'true',
    cancelWhenDue: root.dataset.cancelWhenDue === 'true', cancellableAt: +root.dataset.cancellableAt, expiresAt: +root.dataset.expiresAt
  };
  var offset = +root.dataset.now - Date.now();
  var serverNow = function () { return Date.now() + offset; };
  var el = function (id) { return document.getElementById(id); };
  // The page's words, in its language; {0} is where a countdown goes.
  var t = function (name, value) { return (root.getAttribute('data-t-' + name) || '').replace('{0}', value === undefined ? '' : value); };

  function clock(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    var m = Math.floor(s / 60);
    var r = s % 60;
    return m + ':' + (r < 10 ? '0' : '') + r;
  }

  function tick() {
    var now = serverNow();
    var expired = now >= state.expiresAt;
    if (state.live) {
      el('expires').textContent = expired ? t('window-ended') : t('expires-in', clock(state.expiresAt - now));
    }
    // The buttons follow the state machine exactly: cancel while waiting for the code once the
    // early window is over, finish and another code once a code came; the server decides again.
    var early = now < state.cancellableAt;
    el('cancel').disabled = !(state.live && state.cancelWhenDue && !early);
    el('cancel-timer').textContent = state.live && state.cancelWhenDue && early
      ? t('cancel-in', clock(state.cancellableAt - now)) : '';
    el('finish').disabled = !(state.live && state.canFinish);
    el('retry').disabled = !(state.live && state.canRetry);
  }

  function render(s) {
    offset = s.now - Date.now();
    state.live = s.live; state.canFinish = s.canFinish; state.canRetry = s.canRetry;
    state.cancelWhenDue = s.cancelWhenDue; state.cancellableAt = s.cancellableAt; state.expiresAt = s.expiresAt;
    el('status').textContent = s.statusText;
    if (!s.live) { el('expires').textContent = t('ended'); }
    var codes = el('codes');
    if (s.messages.length > 0) {
      var list = document.createElement('ol');
      list.className = 'messages';
      s.messages.forEach(function (m) {
        var li = document.createElement('li');
        var code = document.createElement('p'); code.className = 'code';
        code.textContent = m.withheld ? t('withheld') : (m.code || t('no-code'));
        var sms = document.createElement('p'); sms.className = 'sms'; sms.textContent = m.text;
        var from = document.createElement('p'); from.className = 'hint';
        from.textContent = m.from;
        li.appendChild(code); li.appendChild(sms); li.appendChild(from);
        list.appendChild(li);
      });
      codes.replaceChildren(list);
    }
    tick();
  }

  tick();
  setInterval(tick, 500);
  if (window.EventSource && root.dataset.live === 'true') {
    var source = new EventSource(root.dataset.events);
    source.addEventListener('state', function (e) {
      var s = JSON.parse(e.data);
      render(s);
      if (!s.live) { source.close(); } // an ended activation changes no more
    });
  }
})();
