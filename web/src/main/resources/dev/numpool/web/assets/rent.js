// The rent pages' script (only they load it, beside site.js, so that no other page carries its
// weight): the rent form's total as the length changes, and a rental's SMS arriving live.
// Pages work without it: "Show the total" asks the server, and a reload shows every SMS.
// Its words come from the page: the rental's data-t-* attributes and each state's texts.
(function () {
  'use strict';
  // The rent form's total as the length changes: price per period × count × the unit's periods,
  // written with the page's locale and the currency's ISO code, as the server writes money. The
  // "Show the total" button does the same on the server for a page without the script.
  var rentForm = document.getElementById('rent-form');
  if (rentForm) {
    var count = rentForm.querySelector('input[name=count]');
    var unit = rentForm.querySelector('select[name=unit]');
    var total = document.getElementById('rent-total');
    var money = new Intl.NumberFormat(rentForm.dataset.locale, { style: 'currency', currency: rentForm.dataset.currency, currencyDisplay: 'code' });
    var update = function () {
      var n = parseInt(count.value, 10);
      var periods = +unit.options[unit.selectedIndex].getAttribute('data-periods');
      if (n > 0) { total.textContent = money.format(n * periods * +rentForm.dataset.price / 1e6); }
    };
    count.addEventListener('input', update);
    unit.addEventListener('change', update);
  }

  // A rental's page: its SMS arrive live over the session's server-sent events (as the
  // activation's code does), newest first; the time left counts down with the server's clock.
  // When it ends, the page reloads to show it read-only. Without the script, a reload shows all.
  var rental = document.getElementById('rental');
  if (rental && rental.dataset.live === 'true') {
    var rentalOffset = +rental.dataset.now - Date.now();
    var endsAt = +rental.dataset.endsAt;
    var say = function (name) { return rental.getAttribute('data-t-' + name) || ''; };
    var left = function () {
      var span = document.getElementById('time-left');
      if (!span) { return; }
      var s = Math.max(0, Math.ceil((endsAt - Date.now() - rentalOffset) / 1000));
      var two = function (n) { return (n < 10 ? '0' : '') + n; };
      span.textContent = s === 0 ? say('ended') : Math.floor(s / 3600) + ':' + two(Math.floor(s / 60) % 60) + ':' + two(s % 60);
    };
    left();
    setInterval(left, 1000);
    if (window.EventSource) {
      var rentalSource = new EventSource(rental.dataset.events);
      rentalSource.addEventListener('state', function (e) {
        var s = JSON.parse(e.data);
        if (!s.live) { rentalSource.close(); window.location.reload(); return; }
        rentalOffset = s.now - Date.now();
        endsAt = s.endsAt;
        document.getElementById('status').textContent = s.statusText;
        if (s.messages.length === 0) { return; }
        var list = document.createElement('ol');
        list.className = 'messages';
        s.messages.forEach(function (m) {
          var li = document.createElement('li');
          var code = document.createElement('p'); code.className = 'code'; code.textContent = m.code || say('no-code');
          var sms = document.createElement('p'); sms.className = 'sms'; sms.textContent = m.text;
          var from = document.createElement('p'); from.className = 'hint'; from.textContent = m.from;
          li.appendChild(code); li.appendChild(sms); li.appendChild(from);
          list.appendChild(li);
        });
        document.getElementById('messages').replaceChildren(list);
      });
    }
  }
})();
