// hostenv monitor: live updates. On each "cycle" server-sent event the page's <main> is fetched again (the
// server renders the same fragment for "X-Partial: 1") and replaced. Not while focus is inside <main> (that
// would move a keyboard user's focus; the refresh waits until focus leaves), not when <main data-live="off">,
// and on the logs page (data-live="form") only while the search form is as it was loaded.
(function () {
  'use strict';
  var main = document.getElementById('main');
  var status = document.getElementById('live-status');
  if (!main || !window.EventSource || !window.fetch) {
    if (status) { status.textContent = 'Live updates: not supported by this browser'; }
    return;
  }

  var timer = null;
  var pending = false;
  var loadedForm = formState();

  function formState() {
    var form = main.querySelector('form[data-live-form]');
    return form ? new URLSearchParams(new FormData(form)).toString() : '';
  }

  function say(text) { if (status) { status.textContent = text; } }

  function focusInMain() {
    var active = document.activeElement;
    return active && active !== main && active !== document.body && main.contains(active);
  }

  function refresh() {
    var mode = main.getAttribute('data-live');
    if (mode === 'off') { return; }
    if (mode === 'form' && formState() !== loadedForm) { return; }
    if (focusInMain()) { pending = true; return; }
    fetch(location.href, { headers: { 'X-Partial': '1' }, cache: 'no-store', credentials: 'same-origin' })
      .then(function (response) {
        if (!(response.headers.get('Content-Type') || '').startsWith('text/html')) { throw new Error('not html'); }
        return response.text();
      })
      .then(function (html) {
        if (focusInMain()) { pending = true; return; }
        main.innerHTML = html;
        loadedForm = formState();
        say('Live updates: on, last ' + new Date().toISOString().slice(11, 19) + ' UTC');
      })
      .catch(function () { say('Live updates: refresh failed, will retry on the next cycle'); });
  }

  function schedule() {
    // A cycle stores each node in turn: one refresh for a burst of events.
    clearTimeout(timer);
    timer = setTimeout(refresh, 200);
  }

  main.addEventListener('focusout', function (event) {
    if (pending && !main.contains(event.relatedTarget)) { pending = false; schedule(); }
  });

  var events = new EventSource('/api/events');
  events.addEventListener('open', function () { say('Live updates: on'); });
  events.addEventListener('cycle', schedule);
  events.addEventListener('error', function () { say('Live updates: reconnecting…'); });
  window.addEventListener('pagehide', function () { events.close(); });
})();
