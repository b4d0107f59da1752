/* The provider finder on /providers/: facets with live counts, a text query (the search
 * index), and postcode distance from static, outcode-sharded files. State lives in the URL.
 * Without JavaScript the page keeps its full, paginated list. */
(function () {
  'use strict';
  var root = document.getElementById('finder');
  var form = document.getElementById('finder-form');
  if (!root || !form || !window.fetch) return;
  var S = window.APDIRSearch;
  var facetsBox = document.getElementById('finder-facets');
  var qInput = document.getElementById('finder-q');
  var pcInput = document.getElementById('finder-pc');
  var pcGroup = document.getElementById('finder-pc-group');
  var pcError = document.getElementById('finder-pc-error');
  var errors = document.getElementById('finder-errors');
  var status = document.getElementById('finder-status');
  var list = document.getElementById('finder-results');
  var more = document.getElementById('finder-more');
  var staticList = document.getElementById('directory-list');

  var PAGE = 25;
  var FACETS = [
    ['district', 'District'], ['tier', 'Tier'], ['ks', 'Key stage'], ['need', 'Need'],
    ['reg', 'Registration type'], ['qa', 'Authority quality-assurance list'], ['ofsted', 'Ofsted grade'],
  ];
  var MULTI = { district: true, tier: true, ks: true, need: true };
  var FLAGS = [
    ['vacancies', 'Has places free now'], ['day6', 'Can start by day 6 of an exclusion'],
    ['pex', 'Accepts permanently excluded pupils'], ['ehcp', 'Accepts pupils with an EHC plan'],
    ['lac', 'Accepts looked-after children'],
  ];
  var data, rows, col, guidesOffset = 0;
  var state = emptyState();
  var view = { order: [], shown: 0 };
  var textHits = null; // Map provider row → score, or null
  var origin = null; // {label, lat, lon}
  var seq = 0;

  function emptyState() {
    var s = { q: '', pc: '', age: '', flags: new Set() };
    FACETS.forEach(function (f) { s[f[0]] = new Set(); });
    return s;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // ------------------------------------------------------------------ matching
  function has(row, facet, set) {
    var v = row[col[facet]];
    if (Array.isArray(v)) { for (var i = 0; i < v.length; i++) if (set.has(v[i])) return true; return false; }
    return set.has(v);
  }
  function flagOn(row, flag) {
    if (flag === 'vacancies') return (row[col.vacancies] || 0) > 0;
    return (row[col.flags] & data.flags[flag]) !== 0;
  }
  function ageOk(row, age) {
    var lo = row[col.age_min], hi = row[col.age_max];
    return (lo === null || lo <= age) && (hi === null || age <= hi);
  }
  // Does the row pass every selection except `skip` (a facet name, 'age' or 'flag:x')?
  function passes(i, skip) {
    if (textHits && !textHits.has(i)) return false;
    var row = rows[i];
    for (var f = 0; f < FACETS.length; f++) {
      var name = FACETS[f][0];
      if (name !== skip && state[name].size && !has(row, name, state[name])) return false;
    }
    if (skip !== 'age' && state.age !== '' && !ageOk(row, Number(state.age))) return false;
    var ok = true;
    state.flags.forEach(function (fl) { if (skip !== 'flag:' + fl && !flagOn(row, fl)) ok = false; });
    return ok;
  }

  // ------------------------------------------------------------------ the form
  var countSpans = new Map();
  function checkbox(name, value, label, idBase) {
    var li = el('li', 'checkboxes__item');
    var input = el('input');
    input.type = 'checkbox';
    input.name = name;
    input.value = String(value);
    input.id = idBase;
    var lab = el('label', null, label + ' ');
    lab.htmlFor = idBase;
    var count = el('span', 'finder__count', '');
    lab.appendChild(count);
    li.appendChild(input);
    li.appendChild(lab);
    countSpans.set(name + '=' + value, count);
    return li;
  }
  function buildForm() {
    var frag = document.createDocumentFragment();
    // Placement needs first: what schools ask most.
    var fs = el('fieldset');
    fs.appendChild(el('legend', null, 'Placement'));
    var ul = el('ul', 'checkboxes');
    FLAGS.forEach(function (f) { ul.appendChild(checkbox('flag', f[0], f[1], 'finder-flag-' + f[0])); });
    fs.appendChild(ul);
    frag.appendChild(fs);
    // Age.
    var ageGroup = el('div', 'form-group');
    var ageLabel = el('label', 'label', 'Pupil\u2019s age');
    ageLabel.htmlFor = 'finder-age';
    var select = el('select', 'select');
    select.id = 'finder-age';
    select.name = 'age';
    var any = el('option', null, 'Any age');
    any.value = '';
    select.appendChild(any);
    for (var a = 4; a <= 19; a++) { var o = el('option', null, String(a)); o.value = String(a); select.appendChild(o); }
    ageGroup.appendChild(ageLabel);
    ageGroup.appendChild(select);
    frag.appendChild(ageGroup);
    FACETS.forEach(function (f) {
      var set = el('fieldset');
      set.appendChild(el('legend', null, f[1]));
      var u = el('ul', 'checkboxes');
      data.facets[f[0]].forEach(function (v, idx) { u.appendChild(checkbox(f[0], idx, v[1], 'finder-' + f[0] + '-' + idx)); });
      set.appendChild(u);
      frag.appendChild(set);
    });
    facetsBox.insertBefore(frag, facetsBox.lastElementChild);
  }

  function updateCounts() {
    var n = rows.length;
    FACETS.forEach(function (f) {
      var name = f[0];
      var counts = new Array(data.facets[name].length).fill(0);
      for (var i = 0; i < n; i++) {
        if (!passes(i, name)) continue;
        var v = rows[i][col[name]];
        if (Array.isArray(v)) {
          var seen = new Set(v);
          seen.forEach(function (x) { counts[x]++; });
        } else counts[v]++;
      }
      counts.forEach(function (c, idx) {
        var span = countSpans.get(name + '=' + idx);
        if (span) span.textContent = '(' + c + ')';
      });
    });
    FLAGS.forEach(function (f) {
      var c = 0;
      for (var i = 0; i < n; i++) if (passes(i, 'flag:' + f[0]) && flagOn(rows[i], f[0])) c++;
      countSpans.get('flag=' + f[0]).textContent = '(' + c + ')';
    });
    var select = document.getElementById('finder-age');
    Array.prototype.forEach.call(select.options, function (opt) {
      if (!opt.value) return;
      var c = 0;
      for (var i = 0; i < n; i++) if (passes(i, 'age') && ageOk(rows[i], Number(opt.value))) c++;
      opt.textContent = opt.value + ' (' + c + ')';
    });
  }

  function readForm() {
    var s = emptyState();
    s.q = qInput.value.trim();
    s.pc = pcInput.value.trim();
    s.age = document.getElementById('finder-age').value;
    form.querySelectorAll('input[type="checkbox"]:checked').forEach(function (c) {
      if (c.name === 'flag') s.flags.add(c.value);
      else if (s[c.name]) s[c.name].add(Number(c.value));
    });
    return s;
  }
  function writeForm(s) {
    qInput.value = s.q;
    pcInput.value = s.pc;
    document.getElementById('finder-age').value = s.age;
    form.querySelectorAll('input[type="checkbox"]').forEach(function (c) {
      c.checked = c.name === 'flag' ? s.flags.has(c.value) : !!(s[c.name] && s[c.name].has(Number(c.value)));
    });
  }

  // URL: facet values by key (district=E07000123), flags as name=1.
  function toUrl(s) {
    var p = new URLSearchParams();
    if (s.q) p.set('q', s.q);
    if (s.pc) p.set('pc', s.pc);
    if (s.age) p.set('age', s.age);
    FACETS.forEach(function (f) {
      Array.from(s[f[0]]).sort(function (a, b) { return a - b; }).forEach(function (idx) { p.append(f[0], data.facets[f[0]][idx][0]); });
    });
    FLAGS.forEach(function (f) { if (s.flags.has(f[0])) p.set(f[0], '1'); });
    var qs = p.toString();
    return location.pathname + (qs ? '?' + qs : '');
  }
  function fromUrl() {
    var p = new URLSearchParams(location.search);
    var s = emptyState();
    s.q = p.get('q') || '';
    s.pc = p.get('pc') || '';
    var age = p.get('age');
    if (age && /^\d+$/.test(age) && Number(age) >= 4 && Number(age) <= 19) s.age = String(Number(age));
    FACETS.forEach(function (f) {
      p.getAll(f[0]).forEach(function (key) {
        var idx = data.facets[f[0]].findIndex(function (v) { return v[0] === key; });
        if (idx >= 0) s[f[0]].add(idx);
      });
    });
    FLAGS.forEach(function (f) { if (p.get(f[0]) === '1') s.flags.add(f[0]); });
    return s;
  }

  // ------------------------------------------------------------------ postcodes
  var outcodes = null;
  var OUTCODE = /^[A-Z]{1,2}[0-9][0-9A-Z]?$/;
  var FULL = /^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][A-Z]{2})$/;
  function resolvePostcode(text) {
    var compact = text.replace(/\s+/g, '').toUpperCase();
    var m = FULL.exec(compact);
    var out = m ? m[1] : OUTCODE.test(compact) ? compact : null;
    if (!out) return Promise.reject(new Error('Enter a postcode like PR7 1AA, or the first half of one, like PR7'));
    var inward = m ? m[2] : null;
    var label = m ? out + ' ' + inward : out;
    if (!outcodes) outcodes = fetch('/finder/outcodes.json').then(function (r) { return r.json(); });
    return outcodes.then(function (list) {
      if (list.indexOf(out) < 0) throw new Error('We do not know the postcode area ' + out + '. Check it, or enter a postcode in the authority\u2019s area');
      return fetch('/finder/pc/' + out + '.json').then(function (r) { if (!r.ok) throw new Error('The postcode list could not load. Try again'); return r.json(); });
    }).then(function (shard) {
      if (!inward) return { label: out, lat: shard.centre[0], lon: shard.centre[1] };
      var p = shard.p[inward];
      if (!p) throw new Error('We could not find ' + label + '. Check it, or enter just the first half, like ' + out);
      return { label: label, lat: p[0], lon: p[1] };
    });
  }
  function miles(lat1, lon1, lat2, lon2) {
    var r = 3958.8, rad = Math.PI / 180;
    var dp = (lat2 - lat1) * rad, dl = (lon2 - lon1) * rad;
    var a = Math.sin(dp / 2) * Math.sin(dp / 2) + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dl / 2) * Math.sin(dl / 2);
    return 2 * r * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  function distance(row) {
    var best = Infinity;
    row[col.sites].forEach(function (s) { best = Math.min(best, miles(origin.lat, origin.lon, s[0], s[1])); });
    return best;
  }
  function showPcError(msg) {
    errors.textContent = '';
    pcError.hidden = !msg;
    pcGroup.classList.toggle('form-group--error', !!msg);
    pcInput.classList.toggle('input--error', !!msg);
    if (!msg) { pcInput.setAttribute('aria-describedby', 'finder-pc-hint'); return; }
    pcError.textContent = '';
    var vh = el('span', 'visually-hidden', 'Error: ');
    pcError.appendChild(vh);
    pcError.appendChild(document.createTextNode(msg));
    pcError.id = 'finder-pc-error';
    pcInput.setAttribute('aria-describedby', 'finder-pc-hint finder-pc-error');
    var box = el('div', 'error-summary');
    box.setAttribute('role', 'alert');
    box.tabIndex = -1;
    box.appendChild(el('h2', 'error-summary__title', 'There is a problem'));
    var ul = el('ul', 'error-summary__list');
    var li = el('li');
    var a = el('a', null, msg);
    a.href = '#finder-pc';
    li.appendChild(a);
    ul.appendChild(li);
    var body = el('div', 'error-summary__body');
    body.appendChild(ul);
    box.appendChild(body);
    errors.appendChild(box);
  }

  // ------------------------------------------------------------------ results
  function card(i) {
    var row = rows[i];
    var li = el('li', 'card');
    var h = el('h3', 'card__title heading-s');
    var a = el('a', null, row[col.name]);
    a.href = '/providers/' + row[col.id] + '/';
    h.appendChild(a);
    li.appendChild(h);
    var dn = row[col.district].map(function (d) { return data.facets.district[d][1]; }).join(', ');
    li.appendChild(el('p', 'card__meta', data.facets.reg[row[col.reg]][1] + (dn ? ' · ' + dn : '')));
    var facts = [];
    if (origin) facts.push(['finder__distance', 'About ' + distance(row).toFixed(1) + ' miles from ' + origin.label]);
    var v = row[col.vacancies];
    facts.push([null, v === null ? 'Vacancies not published' : v === 1 ? '1 place free' : v + ' places free']);
    facts.forEach(function (f) { li.appendChild(el('p', (f[0] ? f[0] + ' ' : '') + 'body-s', f[1])); });
    return li;
  }
  function renderMore() {
    var frag = document.createDocumentFragment();
    var slice = view.order.slice(view.shown, view.shown + PAGE);
    slice.forEach(function (i) { frag.appendChild(card(i)); });
    list.appendChild(frag);
    view.shown += slice.length;
    more.hidden = view.shown >= view.order.length;
  }
  function render() {
    var order = [];
    for (var i = 0; i < rows.length; i++) if (passes(i, null)) order.push(i);
    var dist = null;
    if (origin) { dist = new Map(); order.forEach(function (i) { dist.set(i, distance(rows[i])); }); }
    order.sort(function (a, b) {
      if (dist) { var d = dist.get(a) - dist.get(b); if (d) return d; }
      if (textHits) { var s = textHits.get(b) - textHits.get(a); if (s) return s; }
      var na = rows[a][col.name].toLowerCase(), nb = rows[b][col.name].toLowerCase();
      return na < nb ? -1 : na > nb ? 1 : a - b;
    });
    view = { order: order, shown: 0 };
    list.textContent = '';
    renderMore();
    updateCounts();
    var n = order.length;
    var msg = n === 0 ? 'No providers match. Remove a filter, or ' : n + ' provider' + (n === 1 ? '' : 's') + ' match';
    if (n === 0) msg += 'check the words you typed.';
    else if (origin) msg += ', nearest to ' + origin.label + ' first.';
    else if (textHits) msg += ', best match first.';
    else msg += '.';
    status.textContent = msg;
    document.dispatchEvent(new CustomEvent('apdir:finder', { detail: { count: n } }));
  }

  // Applies state: runs the text query and the postcode, then renders.
  function apply(s) {
    state = s;
    var mySeq = ++seq;
    var text = s.q && S ? S.search(s.q, { prefix: true, kind: 'provider' }).then(function (r) {
      var m = new Map();
      r.hits.forEach(function (h) { m.set(h.doc - guidesOffset, h.score); });
      return m;
    }) : Promise.resolve(null);
    var place = s.pc ? resolvePostcode(s.pc).then(function (o) { return { origin: o }; }, function (e) { return { error: e.message }; }) : Promise.resolve({ origin: null });
    return Promise.all([text, place]).then(function (r) {
      if (mySeq !== seq) return;
      textHits = r[0];
      origin = r[1].origin || null;
      showPcError(r[1].error || '');
      render();
    });
  }

  function changed(push) {
    var s = readForm();
    var url = toUrl(s);
    if (url !== location.pathname + location.search) history[push ? 'pushState' : 'replaceState'](null, '', url);
    return apply(s);
  }

  Promise.all([fetch('/finder/providers.json').then(function (r) { return r.json(); }), S ? S.meta() : Promise.resolve({ guides: 0 })]).then(function (got) {
    data = got[0];
    guidesOffset = got[1].guides;
    col = {};
    data.columns.forEach(function (c, i) { col[c] = i; });
    rows = [];
    for (var r = 0; r < data.n; r++) rows.push(data.columns.map(function (c) { return data.cols[c][r]; }));
    buildForm();
    root.hidden = false;
    if (staticList) staticList.hidden = true;
    var s = fromUrl();
    writeForm(s);
    apply(s);
    form.addEventListener('change', function (e) {
      if (e.target === qInput || e.target === pcInput) return;
      changed(true);
    });
    qInput.addEventListener('input', function () { changed(false); });
    pcInput.addEventListener('change', function () { changed(true); });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      changed(true).then(function () {
        var box = errors.firstChild;
        if (box) box.focus();
      });
    });
    more.addEventListener('click', function () {
      var first = view.shown;
      renderMore();
      var link = list.children[first] && list.children[first].querySelector('a');
      if (link) link.focus();
    });
    window.addEventListener('popstate', function () { var st = fromUrl(); writeForm(st); apply(st); });
  }).catch(function () {
    // Keep the static list: the finder could not load.
  });
})();
