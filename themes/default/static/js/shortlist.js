/* The shortlist: up to 6 provider ids kept in this browser only (localStorage), never sent
 * anywhere. Adds "Add to shortlist" buttons to provider cards ([data-provider]) and the
 * provider page, and a bar linking to the compare page (/compare/?ids=a,b,c). */
(function () {
  'use strict';
  var KEY = 'apdir-shortlist';
  var MAX = 6;
  var ID = /^[a-z0-9][a-z0-9-]{0,99}$/;

  function read() {
    try {
      var v = JSON.parse(window.localStorage.getItem(KEY) || '[]');
      return Array.isArray(v) ? v.filter(function (x) { return typeof x === 'string' && ID.test(x); }).slice(0, MAX) : [];
    } catch (e) { return []; }
  }
  function write(ids) {
    try { window.localStorage.setItem(KEY, JSON.stringify(ids)); } catch (e) { /* storage off: the shortlist lasts this page */ }
    memo = ids;
    refresh();
  }
  var memo = read();
  var buttons = [];
  var live = null;

  function compareUrl(ids) { return '/compare/?ids=' + ids.map(encodeURIComponent).join(','); }
  function label(b) {
    var on = memo.indexOf(b.dataset.id) >= 0;
    b.firstChild.textContent = on ? 'Remove from shortlist' : 'Add to shortlist';
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
    b.disabled = !on && memo.length >= MAX;
  }
  function refresh() {
    buttons = buttons.filter(function (b) { return b.isConnected; });
    buttons.forEach(label);
    drawBar();
  }
  function say(text) {
    if (!live) {
      live = document.createElement('p');
      live.className = 'visually-hidden';
      live.setAttribute('role', 'status');
      document.body.appendChild(live);
    }
    live.textContent = text;
  }
  function toggle(id, name) {
    var ids = memo.slice();
    var at = ids.indexOf(id);
    if (at >= 0) { ids.splice(at, 1); say(name + ' removed from your shortlist.'); }
    else if (ids.length < MAX) { ids.push(id); say(name + ' added to your shortlist (' + ids.length + ' of ' + MAX + ').'); }
    write(ids);
  }
  function button(id, name) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'button button--secondary shortlist__toggle';
    b.dataset.id = id;
    b.appendChild(document.createTextNode(''));
    var vh = document.createElement('span');
    vh.className = 'visually-hidden';
    vh.textContent = ': ' + name;
    b.appendChild(vh);
    b.addEventListener('click', function () { toggle(id, name); });
    buttons.push(b);
    label(b);
    return b;
  }
  function drawBar() {
    var bar = document.getElementById('shortlist-bar');
    var main = document.getElementById('main-content') || document.querySelector('main');
    if (!bar) {
      if (!main) return;
      bar = document.createElement('div');
      bar.id = 'shortlist-bar';
      bar.className = 'shortlist-bar';
      main.insertBefore(bar, main.firstChild);
    }
    bar.textContent = '';
    bar.hidden = memo.length === 0 || location.pathname === '/compare/';
    if (bar.hidden) return;
    var p = document.createElement('p');
    p.appendChild(document.createTextNode('Your shortlist: ' + memo.length + ' provider' + (memo.length === 1 ? '' : 's') + '. '));
    var a = document.createElement('a');
    a.href = compareUrl(memo);
    a.textContent = 'Compare your shortlist';
    p.appendChild(a);
    bar.appendChild(p);
  }

  window.APDIRShortlist = { ids: function () { return memo.slice(); }, set: write, button: button, compareUrl: compareUrl, MAX: MAX };
  document.querySelectorAll('[data-provider][data-name]').forEach(function (e) {
    e.appendChild(button(e.dataset.provider, e.dataset.name));
  });
  document.querySelectorAll('#directory-list li[data-provider]').forEach(function (li) {
    var a = li.querySelector('.card__title a');
    li.appendChild(button(li.dataset.provider, a ? a.textContent : li.dataset.provider));
  });
  drawBar();
})();
