// apdir serve: live reload and the problems overlay. Served only by `apdir serve`, at
// /__apdir/live.js; never part of a built site.
(function () {
  'use strict';
  var overlay = null;
  var lastFocus = null;

  function currentFile() {
    var p = decodeURIComponent(location.pathname).replace(/^\//, '');
    return p === '' || p.slice(-1) === '/' ? p + 'index.html' : p;
  }

  function addStyles() {
    if (document.getElementById('apdir-live-css')) return;
    var link = document.createElement('link');
    link.id = 'apdir-live-css';
    link.rel = 'stylesheet';
    link.href = '/__apdir/live.css';
    document.head.appendChild(link);
  }

  function hide() {
    if (!overlay) return;
    overlay.remove();
    overlay = null;
    if (lastFocus && document.contains(lastFocus)) lastFocus.focus();
  }

  function show(status) {
    addStyles();
    hide();
    lastFocus = document.activeElement;
    overlay = document.createElement('section');
    overlay.className = 'apdir-overlay';
    overlay.setAttribute('role', 'alert');
    overlay.setAttribute('aria-labelledby', 'apdir-overlay-title');
    var h = document.createElement('h2');
    h.id = 'apdir-overlay-title';
    h.textContent = 'The site could not be rebuilt: you are seeing the last good version';
    overlay.appendChild(h);
    var list = document.createElement('ul');
    status.problems.forEach(function (p) {
      var li = document.createElement('li');
      if (p.location) {
        var loc = document.createElement('code');
        loc.textContent = p.location;
        li.appendChild(loc);
        li.appendChild(document.createTextNode(' '));
      }
      var msg = document.createElement('span');
      msg.textContent = p.message;
      li.appendChild(msg);
      if (p.help) {
        var help = document.createElement('p');
        help.className = 'apdir-overlay__help';
        help.textContent = 'How to fix it: ' + p.help;
        li.appendChild(help);
      }
      list.appendChild(li);
    });
    overlay.appendChild(list);
    var note = document.createElement('p');
    note.textContent = 'Save the file again once it is fixed; this message goes away by itself.';
    overlay.appendChild(note);
    var close = document.createElement('button');
    close.type = 'button';
    close.className = 'apdir-overlay__close';
    close.textContent = 'Close this message';
    close.addEventListener('click', hide);
    overlay.appendChild(close);
    document.body.appendChild(overlay);
    close.focus({ preventScroll: true });
  }

  function check() {
    fetch('/__apdir/status', { cache: 'no-store' })
      .then(function (r) { return r.json(); })
      .then(function (s) { if (s.ok) hide(); else show(s); })
      .catch(function () {});
  }

  // Data the site's scripts fetch, by folder, and the script that fetches it.
  var DATA = /\.(json|csv|geojson|xml|txt|bin)$/;
  function pageRuns(script) {
    return !!document.querySelector('script[src$="/js/' + script + '"]');
  }

  // This page's own file, a stylesheet, script, image or font, or data this page's scripts
  // fetch. Downloads and feeds (the open data, the sitemap) change nothing on the page, so an
  // edit to one record does not reload every open tab.
  // "*" (the server no longer knows what changed since this page last heard) reloads.
  function affectsThisPage(changed) {
    var here = currentFile();
    return changed.some(function (f) {
      if (f === here) return true;
      if (/\.html$/.test(f)) return false;
      if (!DATA.test(f)) return true;
      if (/^search\//.test(f)) return pageRuns('search-core.js');
      if (/^finder\//.test(f)) return pageRuns('finder.js');
      return false;
    });
  }

  if (!window.EventSource) return;
  var source = new EventSource('/__apdir/events');
  source.addEventListener('reload', function (e) {
    var s = JSON.parse(e.data);
    if (affectsThisPage(s.changed)) location.reload();
    else hide();
  });
  source.addEventListener('status', function () { check(); });
  check();
})();
