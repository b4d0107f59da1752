/* The provider finder on /providers/: filters with live counts, a text query (the search
 * index), a postcode with a distance limit, and results drawn from one card shape
 * (finder/c/<k>.json, packed by rows in name order; the same facts as the no-JavaScript
 * cards). State lives in the URL.
 * Without JavaScript the page keeps its full, paginated list. See docs/finder.md. */
(function () {
  'use strict';
  var root = document.getElementById('finder');
  var form = document.getElementById('finder-form');
  if (!root || !form || !window.fetch) return;
  var S = window.APDIRSearch;
  var $ = function (id) { return document.getElementById(id); };
  var facetsBox = $('finder-facets');
  var qInput = $('finder-q');
  var pcInput = $('finder-pc');
  var distSelect = $('finder-dist');
  var pcGroup = $('finder-pc-group');
  var pcError = $('finder-pc-error');
  var errors = $('finder-errors');
  var status = $('finder-status');
  var list = $('finder-results');
  var more = $('finder-more');
  var applied = $('finder-applied');
  var filters = $('finder-filters');
  var filtersLabel = $('finder-filters-label');
  var staticList = $('directory-list');
  var browse = $('browse-facets');

  var PAGE = 25;
  var FACETS = [
    ['district', 'District'], ['tier', 'Tier'], ['ks', 'Key stage'], ['need', 'Need'],
    ['reg', 'Registration type'], ['qa', 'Authority quality-assurance list'], ['ofsted', 'Ofsted grade'],
  ];
  var FLAGS = [
    ['vacancies', 'Has places free now'], ['day6', 'Can start by day 6 of an exclusion'],
    ['pex', 'Accepts permanently excluded pupils'], ['ehcp', 'Accepts pupils with an EHC plan'],
    ['lac', 'Accepts looked-after children'],
  ];
  // Year group → key stage index (KS1..KS5 are facet values 0..4) and the ages in that year.
  var YEARS = [['R', 'Reception'], ['1'], ['2'], ['3'], ['4'], ['5'], ['6'], ['7'], ['8'], ['9'], ['10'], ['11'], ['12'], ['13']];
  function yearKs(y) { return y <= 2 ? 0 : y <= 6 ? 1 : y <= 9 ? 2 : y <= 11 ? 3 : 4; }
  var DISTS = { '3': 3, '5': 5, '10': 10, '15': 15, '25': 25, travel: 'travel' };
  var data, cols, n = 0, guidesOffset = 0;
  var state = emptyState();
  var view = { order: [], shown: 0 };
  var textHits = null; // Map row → score, or null
  var origin = null; // {label, lat, lon, district}
  var sites = null; // Promise of decoded sites (row → [[lat, lon, masked]...])
  var siteRows = null;
  var dist = null; // Float64Array of miles per row, for the current origin
  var limit = null; // {miles, text} or {error}
  var chunks = new Map(); // file number → Promise of its cards
  var docRows = null; // Promise of an Int32Array: search document (among providers) → row
  var seq = 0;

  function emptyState() {
    var s = { q: '', pc: '', age: '', year: '', dist: '', all: false, flags: new Set() };
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
  // A multi-valued fact is a bit mask (facets of up to 30 values) or a list of indexes.
  function hasAny(v, set, bits) {
    if (typeof v === 'number' && bits !== null) return (v & bits) !== 0;
    if (Array.isArray(v)) { for (var i = 0; i < v.length; i++) if (set.has(v[i])) return true; return false; }
    return set.has(v);
  }
  function each(v, facet, fn) {
    if (typeof v === 'number' && data.masks[facet]) { for (var b = 0; v; b++, v >>>= 1) if (v & 1) fn(b); }
    else if (Array.isArray(v)) v.forEach(fn);
    else fn(v);
  }
  function flagOn(i, flag) {
    var f = cols.flags[i];
    if (flag === 'vacancies') return (f & data.flags.free) !== 0;
    return (f & data.flags[flag]) !== 0;
  }
  function ageOk(i, age) {
    var a = cols.age[i], lo = a >> 5, hi = a & 31;
    return lo <= age && age <= hi;
  }
  function yearOk(i, y) {
    var a = cols.age[i], lo = a >> 5, hi = a & 31;
    if (hi < y + 4 || lo > y + 5) return false;
    var k = yearKs(y), v = cols.ks[i];
    if (typeof v === 'number' && data.masks.ks) return (v & (1 << k)) !== 0;
    return Array.isArray(v) ? v.indexOf(k) >= 0 : v === k;
  }
  function leftOut(i) { return data.status[cols.status[i]][2]; }

  // Filter groups, one bit each: a row's failures decide both the results (none) and each
  // option's count (none but its own group), in one pass over the rows.
  var G = { text: 1, age: 2, year: 4, status: 8, dist: 16 };
  var nextBit = 32;
  FACETS.forEach(function (f) { G[f[0]] = nextBit; nextBit *= 2; });
  FLAGS.forEach(function (f) { G['flag:' + f[0]] = nextBit; nextBit *= 2; });
  var fails = null;

  function computeFails() {
    if (!fails || fails.length !== n) fails = new Int32Array(n);
    var bits = {};
    FACETS.forEach(function (f) {
      var name = f[0], b = null;
      if (data.masks[name]) { b = 0; state[name].forEach(function (x) { b |= 1 << x; }); }
      bits[name] = b;
    });
    var age = state.age === '' ? null : Number(state.age);
    var year = state.year === '' ? null : (state.year === 'R' ? 0 : Number(state.year));
    var maxMiles = limit && limit.miles ? limit.miles : null;
    var flagList = [];
    state.flags.forEach(function (fl) { flagList.push([fl === 'vacancies' ? data.flags.free : data.flags[fl], G['flag:' + fl]]); });
    for (var i = 0; i < n; i++) {
      var x = 0;
      if (textHits && !textHits.has(i)) x += G.text;
      for (var f = 0; f < FACETS.length; f++) {
        var name = FACETS[f][0];
        if (state[name].size && !hasAny(cols[name][i], state[name], bits[name])) x += G[name];
      }
      if (age !== null && !ageOk(i, age)) x += G.age;
      if (year !== null && !yearOk(i, year)) x += G.year;
      if (!state.all && leftOut(i)) x += G.status;
      if (maxMiles !== null && dist && !(dist[i] <= maxMiles)) x += G.dist;
      for (var k = 0; k < flagList.length; k++) if ((cols.flags[i] & flagList[k][0]) === 0) x += flagList[k][1];
      fails[i] = x;
    }
  }
  // Passes every group except `skip` (a group bit, or 0).
  function passes(i, skip) { var x = fails[i]; return x === 0 || x === skip; }

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
  function selectGroup(id, label, options) {
    var g = el('div', 'form-group');
    var l = el('label', 'label', label);
    l.htmlFor = id;
    var s = el('select', 'select');
    s.id = id;
    s.name = id.replace('finder-', '');
    options.forEach(function (o) { var opt = el('option', null, o[1]); opt.value = o[0]; s.appendChild(opt); });
    g.appendChild(l);
    g.appendChild(s);
    return g;
  }
  function buildForm() {
    var frag = document.createDocumentFragment();
    var fs = el('fieldset');
    fs.appendChild(el('legend', null, 'Placement'));
    var ul = el('ul', 'checkboxes');
    FLAGS.forEach(function (f) { ul.appendChild(checkbox('flag', f[0], f[1], 'finder-flag-' + f[0])); });
    fs.appendChild(ul);
    frag.appendChild(fs);
    frag.appendChild(selectGroup('finder-year', 'Year group', [['', 'Any year group']].concat(YEARS.map(function (y) { return [y[0], y[1] || 'Year ' + y[0]]; }))));
    var ages = [['', 'Any age']];
    for (var a = 4; a <= 19; a++) ages.push([String(a), String(a)]);
    frag.appendChild(selectGroup('finder-age', 'Pupil\u2019s age', ages));
    FACETS.forEach(function (f) {
      var set = el('fieldset');
      set.appendChild(el('legend', null, f[1]));
      var u = el('ul', 'checkboxes');
      data.facets[f[0]].forEach(function (v, idx) { u.appendChild(checkbox(f[0], idx, v[1], 'finder-' + f[0] + '-' + idx)); });
      set.appendChild(u);
      frag.appendChild(set);
    });
    var st = el('fieldset');
    st.appendChild(el('legend', null, 'Providers not taking placements'));
    var su = el('ul', 'checkboxes');
    su.appendChild(checkbox('all', '1', 'Include suspended, removed, closed and inactive providers (labelled)', 'finder-all'));
    st.appendChild(su);
    frag.appendChild(st);
    facetsBox.appendChild(frag);
  }

  function updateCounts() {
    FACETS.forEach(function (f) {
      var name = f[0], skip = G[name], col = cols[name], mask = data.masks[name];
      var counts = new Array(data.facets[name].length).fill(0);
      for (var i = 0; i < n; i++) {
        var x = fails[i];
        if (x !== 0 && x !== skip) continue;
        var v = col[i];
        if (mask && typeof v === 'number') { for (var b = 0; v; b++, v >>>= 1) if (v & 1) counts[b]++; }
        else each(v, name, function (k) { counts[k]++; });
      }
      counts.forEach(function (c, idx) {
        var span = countSpans.get(name + '=' + idx);
        if (span) span.textContent = '(' + c + ')';
      });
    });
    FLAGS.forEach(function (f) {
      var c = 0, skip = G['flag:' + f[0]];
      for (var i = 0; i < n; i++) if (passes(i, skip) && flagOn(i, f[0])) c++;
      countSpans.get('flag=' + f[0]).textContent = '(' + c + ')';
    });
    var out = 0;
    for (var i = 0; i < n; i++) if (passes(i, G.status) && leftOut(i)) out++;
    countSpans.get('all=1').textContent = '(' + out + ')';
    // Ages 4 to 19 and years R to 13: one pass, each row adding to the options it fits.
    var ages = new Array(32).fill(0), years = new Array(14).fill(0);
    for (var r = 0; r < n; r++) {
      var pa = passes(r, G.age), py = passes(r, G.year);
      if (!pa && !py) continue;
      var a = cols.age[r], lo = a >> 5, hi = a & 31;
      if (pa) for (var x = Math.max(lo, 4); x <= Math.min(hi, 19); x++) ages[x]++;
      if (py) for (var y = 0; y < 14; y++) if (yearOk(r, y)) years[y]++;
    }
    optionCounts('finder-age', function (v) { return ages[Number(v)]; });
    optionCounts('finder-year', function (v) { return years[v === 'R' ? 0 : Number(v)]; });
  }
  function optionCounts(id, count) {
    Array.prototype.forEach.call($(id).options, function (opt) {
      if (!opt.value) return;
      if (!opt.dataset.label) opt.dataset.label = opt.textContent;
      opt.textContent = opt.dataset.label + ' (' + count(opt.value) + ')';
    });
  }

  function readForm() {
    var s = emptyState();
    s.q = qInput.value.trim();
    s.pc = pcInput.value.trim();
    s.age = $('finder-age').value;
    s.year = $('finder-year').value;
    s.dist = distSelect.value;
    form.querySelectorAll('input[type="checkbox"]:checked').forEach(function (c) {
      if (c.name === 'flag') s.flags.add(c.value);
      else if (c.name === 'all') s.all = true;
      else if (s[c.name]) s[c.name].add(Number(c.value));
    });
    return s;
  }
  function writeForm(s) {
    qInput.value = s.q;
    pcInput.value = s.pc;
    $('finder-age').value = s.age;
    $('finder-year').value = s.year;
    distSelect.value = s.dist;
    form.querySelectorAll('input[type="checkbox"]').forEach(function (c) {
      c.checked = c.name === 'flag' ? s.flags.has(c.value) : c.name === 'all' ? s.all : !!(s[c.name] && s[c.name].has(Number(c.value)));
    });
  }

  // URL: facet values by key (district=E07000123), flags as name=1.
  function toUrl(s) {
    var p = new URLSearchParams();
    if (s.q) p.set('q', s.q);
    if (s.pc) p.set('pc', s.pc);
    if (s.dist) p.set('dist', s.dist);
    if (s.year) p.set('year', s.year);
    if (s.age) p.set('age', s.age);
    FACETS.forEach(function (f) {
      Array.from(s[f[0]]).sort(function (a, b) { return a - b; }).forEach(function (idx) { p.append(f[0], data.facets[f[0]][idx][0]); });
    });
    FLAGS.forEach(function (f) { if (s.flags.has(f[0])) p.set(f[0], '1'); });
    if (s.all) p.set('all', '1');
    var qs = p.toString();
    return location.pathname + (qs ? '?' + qs : '');
  }
  function fromUrl() {
    var p = new URLSearchParams(location.search);
    var s = emptyState();
    s.q = p.get('q') || '';
    s.pc = p.get('pc') || '';
    var d = p.get('dist') || '';
    if (Object.prototype.hasOwnProperty.call(DISTS, d)) s.dist = d;
    var y = p.get('year') || '';
    if (YEARS.some(function (x) { return x[0] === y; })) s.year = y;
    var age = p.get('age');
    if (age && /^\d+$/.test(age) && Number(age) >= 4 && Number(age) <= 19) s.age = String(Number(age));
    FACETS.forEach(function (f) {
      p.getAll(f[0]).forEach(function (key) {
        var idx = data.facets[f[0]].findIndex(function (v) { return v[0] === key; });
        if (idx >= 0) s[f[0]].add(idx);
      });
    });
    FLAGS.forEach(function (f) { if (p.get(f[0]) === '1') s.flags.add(f[0]); });
    s.all = p.get('all') === '1';
    return s;
  }

  // The applied filters, each with a button that removes it.
  function appliedList(s) {
    var out = [];
    var drop = function (fn) { return function () { var t = readForm(); fn(t); writeForm(t); changed(true); }; };
    if (s.q) out.push(['Words: ' + s.q, drop(function (t) { t.q = ''; })]);
    if (s.dist) out.push([distSelect.options[distSelect.selectedIndex].text, drop(function (t) { t.dist = ''; })]);
    if (s.year) out.push([s.year === 'R' ? 'Reception' : 'Year ' + s.year, drop(function (t) { t.year = ''; })]);
    if (s.age) out.push(['Age ' + s.age, drop(function (t) { t.age = ''; })]);
    FLAGS.forEach(function (f) { if (s.flags.has(f[0])) out.push([f[1], drop(function (t) { t.flags.delete(f[0]); })]); });
    FACETS.forEach(function (f) {
      s[f[0]].forEach(function (idx) { out.push([f[1] + ': ' + data.facets[f[0]][idx][1], drop(function (t) { t[f[0]].delete(idx); })]); });
    });
    if (s.all) out.push(['Including providers not taking placements', drop(function (t) { t.all = false; })]);
    return out;
  }
  function showApplied(s) {
    var items = appliedList(s);
    applied.textContent = '';
    filtersLabel.textContent = 'Filters (' + (items.length + (s.pc ? 1 : 0)) + ')';
    if (!items.length) return;
    applied.appendChild(el('h3', 'heading-s', 'Filters applied'));
    var ul = el('ul', 'finder__applied-list');
    items.forEach(function (it) {
      var li = el('li');
      var b = el('button', 'finder__remove');
      b.type = 'button';
      b.appendChild(document.createTextNode(it[0] + ' '));
      var x = el('span', null, '\u00d7');
      x.setAttribute('aria-hidden', 'true');
      b.appendChild(x);
      b.appendChild(el('span', 'visually-hidden', ' (remove this filter)'));
      b.addEventListener('click', it[1]);
      li.appendChild(b);
      ul.appendChild(li);
    });
    applied.appendChild(ul);
  }

  // ------------------------------------------------------------------ postcodes and places
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
      if (!inward) return { label: out, lat: shard.centre[0], lon: shard.centre[1], district: shard.d };
      var p = shard.p[inward];
      if (!p) throw new Error('We could not find ' + label + '. Check it, or enter just the first half, like ' + out);
      return { label: label, lat: p[0], lon: p[1], district: p[2] };
    });
  }
  function loadSites() {
    if (!sites) {
      sites = fetch('/finder/sites.json').then(function (r) { return r.json(); }).then(function (s) {
        var rowsOut = [], k = 0, masked = new Set(s.masked || []);
        for (var i = 0; i < s.count.length; i++) {
          var list = [];
          for (var j = 0; j < s.count[i]; j++, k++) {
            var v = s.pts[k], la = Math.floor(v / s.m), lo = v - la * s.m;
            // A masked site is its district's centre: drawn and measured as an area.
            list.push([s.lat0 + la / s.scale, s.lon0 + lo / s.scale, masked.has(k)]);
          }
          rowsOut.push(list);
        }
        siteRows = rowsOut;
        return rowsOut;
      });
    }
    return sites;
  }
  function miles(lat1, lon1, lat2, lon2) {
    var r = 3958.8, rad = Math.PI / 180;
    var dp = (lat2 - lat1) * rad, dl = (lon2 - lon1) * rad;
    var a = Math.sin(dp / 2) * Math.sin(dp / 2) + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dl / 2) * Math.sin(dl / 2);
    return 2 * r * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  // Each row's nearest site: its distance, and the site (for the map and the masked note).
  var nearestSite = null;
  function distances() {
    var d = new Float64Array(n);
    nearestSite = new Array(n);
    for (var i = 0; i < n; i++) {
      var best = Infinity, at = null;
      siteRows[i].forEach(function (s) { var m = miles(origin.lat, origin.lon, s[0], s[1]); if (m < best) { best = m; at = s; } });
      d[i] = best;
      nearestSite[i] = at;
    }
    return d;
  }
  // The distance limit in force: miles and words, or why none applies.
  function distanceLimit(s) {
    if (!s.dist) return null;
    if (!origin) return { note: 'Enter a postcode to use the distance limit.' };
    if (s.dist !== 'travel') return { miles: DISTS[s.dist], text: 'within ' + s.dist + ' miles of ' + origin.label };
    var idx = data.facets.district.findIndex(function (v) { return v[0] === origin.district; });
    var t = idx >= 0 ? data.travel[idx] : null;
    if (!t) return { note: 'The travel target of ' + origin.label + '\u2019s area is not known, so no distance limit is applied.' };
    return { miles: t, text: 'within ' + t + ' miles of ' + origin.label + ' (the travel target of ' + data.facets.district[idx][1] + ')' };
  }
  function showPcError(msg) {
    errors.textContent = '';
    pcError.hidden = !msg;
    pcGroup.classList.toggle('form-group--error', !!msg);
    pcInput.classList.toggle('input--error', !!msg);
    if (!msg) { pcInput.setAttribute('aria-describedby', 'finder-pc-hint'); return; }
    filters.open = true;
    pcError.textContent = '';
    pcError.appendChild(el('span', 'visually-hidden', 'Error: '));
    pcError.appendChild(document.createTextNode(msg));
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
  // Row i's card is number i % per in file i / per; a file is fetched once and kept.
  function cardFor(row) {
    var k = Math.floor(row / data.per);
    if (!chunks.has(k)) {
      var got = fetch('/finder/c/' + k + '.json').then(function (r) {
        if (!r.ok) throw new Error('card');
        return r.json();
      });
      got.catch(function () { chunks.delete(k); });
      chunks.set(k, got);
    }
    return chunks.get(k).then(function (list) { return list[row - k * data.per]; });
  }
  // Search documents to rows, fetched the first time words are typed.
  function loadDocRows() {
    if (!docRows) {
      docRows = fetch('/finder/docs.json').then(function (r) {
        if (!r.ok) throw new Error('docs');
        return r.json();
      }).then(function (docs) {
        var m = new Int32Array(docs.length).fill(-1);
        docs.forEach(function (d, row) { if (d >= 0 && d < m.length) m[d] = row; });
        return m;
      });
      docRows.catch(function () { docRows = null; });
    }
    return docRows;
  }
  function fact(dl, key, value) {
    var d = el('div');
    d.appendChild(el('dt', null, key));
    d.appendChild(document.createTextNode(' '));
    var dd = el('dd');
    if (typeof value === 'string') dd.textContent = value; else dd.appendChild(value);
    d.appendChild(dd);
    dl.appendChild(d);
  }
  // Draws a card exactly as partials/provider_card.html does, plus distance and shortlist.
  function drawCard(li, c, i, number) {
    li.textContent = '';
    li.dataset.provider = c.id;
    li.classList.toggle('card--status', !!c.status);
    if (c.status) {
      var sp = el('p', 'card__status');
      sp.appendChild(el('strong', 'tag tag--' + (c.left_out ? 'red' : 'orange'), c.status.label));
      sp.appendChild(document.createTextNode(' ' + c.status.meaning));
      li.appendChild(sp);
    }
    var h = el('h3', 'card__title heading-s');
    if (number) h.appendChild(el('span', 'finder__number', number + '. '));
    var a = el('a', null, c.name);
    a.href = c.url;
    h.appendChild(a);
    li.appendChild(h);
    li.appendChild(el('p', 'card__meta', c.kind + (c.districts.length ? ' \u00b7 ' + c.districts.join(', ') : '')));
    if (dist && origin) {
      var near = nearestSite[i];
      li.appendChild(el('p', 'finder__distance body-s', 'About ' + dist[i].toFixed(1) + ' miles from ' + origin.label +
        (near && near[2] ? ' (address not published: measured to the centre of its district)' : '')));
    }
    if (c.warning) {
      var w = el('p', 'card__warning');
      w.appendChild(el('strong', 'tag tag--red', 'Warning'));
      w.appendChild(document.createTextNode(' ' + c.warning));
      li.appendChild(w);
    }
    var dl = el('dl', 'card__facts body-s');
    var qa = el('span');
    qa.appendChild(el('strong', 'tag tag--' + c.qa.colour, c.qa.text));
    qa.appendChild(document.createTextNode(' ' + c.qa_visit));
    fact(dl, 'Quality assurance', qa);
    fact(dl, 'Inspection', c.inspection);
    fact(dl, 'Tiers', c.tiers.length ? c.tiers.join(', ') : 'Not stated');
    fact(dl, 'Key stages', c.key_stages.length ? c.key_stages.join(', ') : 'Not stated');
    fact(dl, 'Attendance', (c.pattern || 'Pattern not stated') + (c.hours ? ', ' + c.hours : '') + '. ' + (c.day6 === true ? 'Can start by day 6' : c.day6 === false ? 'No day-6 start' : 'Day-6 start not recorded') + '.');
    fact(dl, 'Vacancies', c.vacancies);
    li.appendChild(dl);
    if (window.APDIRShortlist) li.appendChild(window.APDIRShortlist.button(c.id, c.name));
  }
  function renderMore() {
    var frag = document.createDocumentFragment();
    var slice = view.order.slice(view.shown, view.shown + PAGE);
    var mySeq = seq;
    var start = view.shown;
    var numbered = !!origin;
    var done = slice.map(function (i, k) {
      var li = el('li', 'card');
      li.appendChild(el('p', 'body-s', 'Loading\u2026'));
      frag.appendChild(li);
      return cardFor(i).then(function (c) {
        if (mySeq === seq) drawCard(li, c, i, numbered ? start + k + 1 : 0);
      }, function () {
        li.textContent = 'This result could not load. Try again.';
      });
    });
    list.appendChild(frag);
    view.shown += slice.length;
    more.hidden = view.shown >= view.order.length;
    drawMap();
    return Promise.all(done);
  }
  // A small map of the results shown, numbered like the cards (no tiles, nothing fetched).
  var mapBox = $('finder-map');
  var SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function listWords(xs) {
    return xs.length < 2 ? String(xs[0]) : xs.slice(0, -1).join(', ') + ' and ' + xs[xs.length - 1];
  }
  function drawMap() {
    mapBox.textContent = '';
    var shown = view.order.slice(0, view.shown);
    var show = !!(origin && siteRows && shown.length);
    mapBox.hidden = !show;
    mapBox.parentNode.classList.toggle('finder__body--map', show);
    if (!show) return;
    // Each result at its nearest site.
    var pts = shown.map(function (i) { return nearestSite[i]; });
    var lats = pts.map(function (p) { return p[0]; }).concat([origin.lat]);
    var lons = pts.map(function (p) { return p[1]; }).concat([origin.lon]);
    var k = Math.cos(origin.lat * Math.PI / 180);
    var minX = Math.min.apply(null, lons) * k, maxX = Math.max.apply(null, lons) * k;
    var minY = -Math.max.apply(null, lats), maxY = -Math.min.apply(null, lats);
    var span = Math.max(maxX - minX, maxY - minY, 0.01);
    var W = 300, pad = 24, sc = (W - 2 * pad) / span;
    var xy = function (lat, lon) { return [pad + (lon * k - minX) * sc, pad + (-lat - minY) * sc]; };
    var H = Math.max(80, Math.round(pad * 2 + (maxY - minY) * sc));
    var s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-labelledby': 'finder-map-title' });
    var title = svg('title', { id: 'finder-map-title' });
    title.textContent = 'Map of the ' + shown.length + ' results shown, numbered as in the list, and ' + origin.label;
    s.appendChild(title);
    s.appendChild(svg('rect', { x: 0, y: 0, width: W, height: H, class: 'finder__map-bg' }));
    var o = xy(origin.lat, origin.lon);
    s.appendChild(svg('rect', { x: o[0] - 6, y: o[1] - 6, width: 12, height: 12, class: 'finder__map-origin' }));
    // A masked site is an area, not a point: a wide dashed ring around its district's centre,
    // its number beside it, and named in the note below.
    var maskedNums = [];
    for (var j = pts.length - 1; j >= 0; j--) {
      var p = xy(pts[j][0], pts[j][1]);
      var masked = !!pts[j][2];
      if (masked) {
        maskedNums.unshift(j + 1);
        s.appendChild(svg('circle', { cx: p[0], cy: p[1], r: 18, class: 'finder__map-area' }));
      } else s.appendChild(svg('circle', { cx: p[0], cy: p[1], r: 9, class: 'finder__map-site' }));
      var t = svg('text', { x: p[0], y: p[1] + 4, 'text-anchor': 'middle', class: masked ? 'finder__map-label finder__map-label--area' : 'finder__map-label' });
      t.textContent = String(j + 1);
      if (masked) t.setAttribute('data-masked', 'true');
      s.appendChild(t);
    }
    mapBox.appendChild(s);
    var note = 'The square is ' + origin.label + '. Each number is a result\u2019s nearest site.';
    if (maskedNums.length) {
      note += ' ' + (maskedNums.length === 1 ? 'Result ' + maskedNums[0] + ' does not publish an address: a dashed ring marks the district it is in, not where it is.'
        : 'Results ' + listWords(maskedNums) + ' do not publish an address: a dashed ring marks the district each is in, not where it is.');
    }
    mapBox.appendChild(el('p', 'body-s finder__map-note', note));
  }

  function render() {
    computeFails();
    var order = [];
    for (var i = 0; i < n; i++) if (fails[i] === 0) order.push(i);
    order.sort(function (a, b) {
      if (dist) { var d = dist[a] - dist[b]; if (d) return d; }
      if (textHits) { var s = textHits.get(b) - textHits.get(a); if (s) return s; }
      return a - b; // rows are in name order
    });
    view = { order: order, shown: 0 };
    list.textContent = '';
    var drawn = renderMore();
    updateCounts();
    showApplied(state);
    var k = order.length;
    var msg;
    if (k === 0) msg = 'No providers match. Remove a filter, or check the words you typed.';
    else {
      msg = k + ' provider' + (k === 1 ? '' : 's') + ' match';
      if (limit && limit.text) msg += ' ' + limit.text;
      if (origin) msg += ', nearest to ' + origin.label + ' first.';
      else if (textHits) msg += ', best match first.';
      else msg += ', by name.';
    }
    if (limit && limit.note) msg += ' ' + limit.note;
    if (!state.all) {
      var out = 0;
      for (var j = 0; j < n; j++) if (fails[j] === G.status) out++;
      if (out) msg += ' Left out: ' + out + ' not taking placements.';
    }
    status.textContent = msg;
    document.dispatchEvent(new CustomEvent('apdir:finder', { detail: { count: k } }));
    return drawn;
  }

  // Applies state: runs the text query and the postcode, then renders.
  function apply(s) {
    state = s;
    var mySeq = ++seq;
    var text = s.q && S ? Promise.all([S.search(s.q, { prefix: true, kind: 'provider' }), loadDocRows()]).then(function (r) {
      var m = new Map(), rowOf = r[1];
      r[0].hits.forEach(function (h) {
        var row = rowOf[h.doc - guidesOffset];
        if (row >= 0) m.set(row, h.score);
      });
      return m;
    }) : Promise.resolve(null);
    var place = s.pc ? Promise.all([resolvePostcode(s.pc), loadSites()]).then(function (r) { return { origin: r[0] }; }, function (e) { return { error: e.message }; }) : Promise.resolve({ origin: null });
    return Promise.all([text, place]).then(function (r) {
      if (mySeq !== seq) return;
      textHits = r[0];
      origin = r[1].origin || null;
      dist = origin ? distances() : null;
      limit = distanceLimit(s);
      showPcError(r[1].error || '');
      return render();
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
    cols = data.cols;
    n = data.n;
    buildForm();
    root.hidden = false;
    if (staticList) staticList.hidden = true;
    if (browse) browse.hidden = true;
    // The page's lead describes the plain list; the finder's status line replaces it.
    var lead = root.parentNode.querySelector('.lead');
    if (lead) lead.hidden = true;
    // Filters start open on wide screens, folded on narrow ones (the first result stays in view).
    if (window.matchMedia && window.matchMedia('(min-width: 48.0625em)').matches) filters.open = true;
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
      renderMore().then(function () {
        var link = list.children[first] && list.children[first].querySelector('a');
        if (link) link.focus();
      });
    });
    window.addEventListener('popstate', function () { var st = fromUrl(); writeForm(st); apply(st); });
  }).catch(function () {
    // Keep the static list: the finder could not load.
  });
})();
