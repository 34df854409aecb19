// hostenv monitor: live updates. On each "cycle" server-sent event the page's <main> is fetched again (the
// server renders the same fragment for "X-Partial: 1") and replaced. Not while focus is inside <main> (that
// would move a keyboard user's focus; the refresh waits until focus leaves), not when <main data-live="off">,
// and on the logs page (data-live="form") only while the search form is as it was loaded.
// On a job's page the progress log is filled from the job's own event stream (see the second function).
(function () {
  'use strict';
  var main = document.getElementById('main');
  var status = document.getElementById('live-status');
  if (!main || !window.EventSource || !window.fetch) {
    if (status) { status.textContent = 'Live updates: not supported by this browser'; }
    return;
  }
  if (main.getAttribute('data-live') === 'off') {
    if (status) { status.textContent = ''; }
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
        if (response.status === 401) { throw new Error('signed out'); }
        if (!(response.headers.get('Content-Type') || '').startsWith('text/html')) { throw new Error('not html'); }
        return response.text();
      })
      .then(function (html) {
        if (focusInMain()) { pending = true; return; }
        main.innerHTML = html;
        loadedForm = formState();
        say('Live updates: on, last ' + new Date().toISOString().slice(11, 19) + ' UTC');
      })
      .catch(function (error) {
        say(error.message === 'signed out'
          ? 'Live updates: your session has ended, reload to sign in again'
          : 'Live updates: refresh failed, will retry on the next cycle');
      });
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

// A running job's progress: "progress" events carry one line each (from the job's first line on, or from
// Last-Event-ID after a reconnect); "result" carries {state, exitCode, summary} and ends the stream.
(function () {
  'use strict';
  var log = document.querySelector('pre[data-job-events]');
  if (!log || !window.EventSource) { return; }
  var live = document.getElementById('job-live');
  function say(text) { if (live) { live.textContent = text; } }
  function setText(id, text) { var el = document.getElementById(id); if (el) { el.textContent = text; } }

  var source = new EventSource(log.getAttribute('data-job-events'));
  source.addEventListener('open', function () { say('Following the job live.'); });
  source.addEventListener('progress', function (event) {
    log.appendChild(document.createTextNode(event.data + '\n'));
  });
  source.addEventListener('result', function (event) {
    source.close();
    var result = {};
    try { result = JSON.parse(event.data); } catch (e) { result = {}; }
    var state = document.getElementById('job-state');
    if (state) {
      state.textContent = '';
      var badge = document.createElement('span');
      badge.className = 'badge outcome-' + (result.state === 'succeeded' ? 'ok' : result.state === 'cancelled' ? 'other' : 'bad');
      badge.setAttribute('data-state', String(result.state || 'ended'));
      badge.textContent = String(result.state || 'ended');
      state.appendChild(badge);
    }
    if (result.exitCode !== undefined && result.exitCode !== null) { setText('job-exit', String(result.exitCode)); }
    if (result.summary) { setText('job-summary', String(result.summary)); }
    var cancel = document.getElementById('job-cancel');
    if (cancel) { cancel.remove(); }
    say('The job has ended.');
  });
  source.addEventListener('error', function () {
    if (source.readyState === EventSource.CLOSED) { say('Live progress stopped: reload the page.'); }
    else { say('Reconnecting…'); }
  });
  window.addEventListener('pagehide', function () { source.close(); });
})();
