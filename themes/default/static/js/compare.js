/* The compare page (/compare/?ids=a,b,c): up to 6 providers side by side, from the same
 * card files as the finder (finder/ids.json maps an id to its row; row r is card r % per of
 * file r / per). The ids
 * come from the URL when it has them (a shared link), else from the shortlist. */
(function () {
  'use strict';
  var box = document.getElementById('compare');
  var table = document.getElementById('compare-table');
  if (!box || !table || !window.fetch) return;
  var SL = window.APDIRShortlist;
  var MAX = 6;
  var ID = /^[a-z0-9][a-z0-9-]{0,99}$/;
  var status = document.getElementById('compare-status');
  var actions = document.getElementById('compare-actions');
  document.getElementById('compare-nojs').hidden = true;
  box.hidden = false;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fromUrl() {
    var raw = new URLSearchParams(location.search).get('ids');
    if (raw === null) return null;
    return raw.split(',').map(function (s) { return s.trim(); }).filter(function (s) { return ID.test(s); }).slice(0, MAX);
  }
  var urlIds = fromUrl();
  var ids = urlIds || (SL ? SL.ids() : []);

  var ROWS = [
    ['Status', function (c) { return c.status ? c.status.label + ': ' + c.status.meaning : 'Active'; }],
    ['Warnings', function (c) { return c.warning || 'None'; }],
    ['Quality assurance', function (c) { return c.qa.text + ', ' + c.qa_visit; }],
    ['Inspection', function (c) { return c.inspection; }],
    ['Tiers', function (c) { return c.tiers.length ? c.tiers.join(', ') : 'Not stated'; }],
    ['Key stages', function (c) { return c.key_stages.length ? c.key_stages.join(', ') : 'Not stated'; }],
    ['Needs', function (c) { return c.needs.length ? c.needs : 'Not stated'; }],
    ['Hours and weeks', function (c) { return [c.pattern || 'Pattern not stated', c.hours || 'hours not stated', c.weeks || 'weeks not stated', c.day6 ? 'can start by day 6' : 'no day-6 start'].join('; '); }],
    ['Vacancies', function (c) { return c.vacancies; }],
    ['Safeguarding', function (c) { return c.safeguarding.map(function (f) { return [f.key, f.value]; }); }],
    ['Costs', function (c) { return c.costs.length ? c.costs : 'Not published'; }],
    ['Referral routes', function (c) { return c.referral.length ? c.referral : 'Not stated'; }],
    ['Contact', function (c) { return c.contact.length ? c.contact.map(function (f) { return f.key + ': ' + f.value; }) : 'Not published'; }],
  ];

  var SHORT = {
    'Enhanced DBS checks for all staff': 'DBS', 'Single central record': 'SCR', 'Named safeguarding lead': 'DSL',
    'Written confirmation of checks': 'Written confirmation', 'Public liability insurance until': 'Public liability to',
    'Employer\u2019s liability insurance until': 'Employer\u2019s liability to', "Employer's liability insurance until": 'Employer\u2019s liability to',
  };
  function cell(value) {
    var td = el('td');
    if (Array.isArray(value)) {
      var ul = el('ul', 'compare__list');
      value.forEach(function (v) {
        if (!Array.isArray(v)) { ul.appendChild(el('li', null, v)); return; }
        // [key, value]: the key in full on screen, in its short form on paper.
        var li = el('li');
        li.appendChild(el('span', 'compare__long', v[0] + ': '));
        var short = el('span', 'compare__short', (SHORT[v[0]] || v[0]) + ': ');
        short.setAttribute('aria-hidden', 'true');
        li.appendChild(short);
        li.appendChild(document.createTextNode(v[1]));
        ul.appendChild(li);
      });
      td.appendChild(ul);
    } else td.textContent = value;
    return td;
  }
  function draw(cards, missing) {
    while (table.rows.length) table.deleteRow(0);
    var old = table.querySelector('thead, tbody');
    while (old) { old.remove(); old = table.querySelector('thead, tbody'); }
    actions.textContent = '';
    if (!cards.length) {
      status.textContent = 'Your shortlist is empty. Add providers from the finder or their pages, then come back here.';
      table.parentNode.hidden = true;
      var a = el('a', null, 'Find a provider');
      a.href = '/providers/';
      actions.appendChild(a);
      return;
    }
    table.parentNode.hidden = false;
    status.textContent = 'Comparing ' + cards.length + ' provider' + (cards.length === 1 ? '' : 's') + '.' + (missing.length ? ' Not found in the directory: ' + missing.join(', ') + '.' : '');
    var thead = el('thead');
    var hr = el('tr');
    var corner = el('td');
    hr.appendChild(corner);
    cards.forEach(function (c) {
      var th = el('th');
      th.scope = 'col';
      var a = el('a', null, c.name);
      a.href = c.url;
      th.appendChild(a);
      if (c.status) { th.appendChild(document.createTextNode(' ')); th.appendChild(el('strong', 'tag tag--' + (c.left_out ? 'red' : 'orange'), c.status.label)); }
      hr.appendChild(th);
    });
    thead.appendChild(hr);
    table.appendChild(thead);
    var tbody = el('tbody');
    ROWS.forEach(function (r) {
      var tr = el('tr');
      var th = el('th', null, r[0]);
      th.scope = 'row';
      tr.appendChild(th);
      cards.forEach(function (c) { tr.appendChild(cell(r[1](c))); });
      tbody.appendChild(tr);
    });
    if (SL) {
      var tr = el('tr', 'compare__controls');
      var th = el('th', null, 'Shortlist');
      th.scope = 'row';
      tr.appendChild(th);
      cards.forEach(function (c) {
        var td = el('td');
        var b = el('button', 'button button--secondary', 'Remove');
        b.type = 'button';
        b.appendChild(el('span', 'visually-hidden', ' ' + c.name + ' from the comparison'));
        b.addEventListener('click', function () {
          ids = ids.filter(function (x) { return x !== c.id; });
          if (!urlIds || sameAsShortlist()) SL.set(SL.ids().filter(function (x) { return x !== c.id; }));
          urlIds = ids;
          history.replaceState(null, '', SL.compareUrl(ids));
          load();
        });
        td.appendChild(b);
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    }
    table.appendChild(tbody);
    var share = el('a', null, 'Link to this comparison');
    share.href = '/compare/?ids=' + cards.map(function (c) { return encodeURIComponent(c.id); }).join(',');
    actions.appendChild(share);
    if (SL && urlIds && !sameAsShortlist()) {
      actions.appendChild(document.createTextNode(' '));
      var keep = el('button', 'button button--secondary', 'Make these my shortlist');
      keep.type = 'button';
      keep.addEventListener('click', function () { SL.set(ids.slice()); load(); });
      actions.appendChild(keep);
    }
  }
  function sameAsShortlist() {
    var s = SL ? SL.ids() : [];
    return s.length === ids.length && s.every(function (x, i) { return x === ids[i]; });
  }
  var idMap = null;
  function load() {
    if (!ids.length) return draw([], []);
    if (!idMap) idMap = fetch('/finder/ids.json').then(function (r) { return r.json(); });
    return idMap.then(function (map) {
      var rows = map.rows, per = map.per, files = new Map();
      var known = ids.filter(function (id) { return Object.prototype.hasOwnProperty.call(rows, id); });
      var missing = ids.filter(function (id) { return known.indexOf(id) < 0; });
      var file = function (k) {
        if (!files.has(k)) files.set(k, fetch('/finder/c/' + k + '.json').then(function (r) { if (!r.ok) throw new Error('cards'); return r.json(); }));
        return files.get(k);
      };
      return Promise.all(known.map(function (id) {
        var k = Math.floor(rows[id] / per);
        return file(k).then(function (list) { return list[rows[id] - k * per]; });
      })).then(function (cards) { draw(cards, missing); });
    }).catch(function () {
      status.textContent = 'The comparison could not load. Try again, or open each provider\u2019s page.';
    });
  }
  load();
})();
