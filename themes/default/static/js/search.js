/* The results page /search/?q=…&type=…: results as you type, shareable URL, polite announcements. */
(function () {
  'use strict';
  var S = window.APDIRSearch;
  var form = document.getElementById('search-form');
  var input = document.getElementById('search-q');
  var status = document.getElementById('search-status');
  var list = document.getElementById('search-results');
  var more = document.getElementById('search-more');
  var nojs = document.getElementById('search-nojs');
  if (!S || !form || !input) return;
  nojs.hidden = true;

  var PAGE = 10;
  var seq = 0;
  var current = { hits: [], planned: [], shown: 0, query: '' };

  function kindValue() {
    var r = form.querySelector('input[name="type"]:checked');
    return r && r.value ? r.value : '';
  }

  function setUrl(q, kind, push) {
    var params = new URLSearchParams();
    if (q) params.set('q', q);
    if (kind) params.set('type', kind);
    var url = '/search/' + (params.toString() ? '?' + params.toString() : '');
    if (url === location.pathname + location.search) return;
    history[push ? 'pushState' : 'replaceState'](null, '', url);
  }

  function item(hit, d) {
    var li = document.createElement('li');
    li.className = 'search-result';
    var label = document.createElement('p');
    label.className = 'search-result__kind';
    var tag = document.createElement('strong');
    tag.className = 'tag ' + (hit.kind === 'provider' ? 'tag--blue' : 'tag--purple');
    tag.textContent = hit.kind === 'provider' ? 'Provider' : 'Guide page';
    label.appendChild(tag);
    if (hit.partial) {
      var part = document.createElement('strong');
      part.className = 'tag tag--grey';
      part.textContent = 'Partial match';
      label.appendChild(document.createTextNode(' '));
      label.appendChild(part);
    }
    var h = document.createElement('h2');
    h.className = 'heading-s search-result__title';
    var a = document.createElement('a');
    a.href = d.u;
    a.textContent = d.t;
    h.appendChild(a);
    var p = document.createElement('p');
    p.className = 'search-result__snippet';
    p.appendChild(S.snippet(d.x, current.planned));
    li.appendChild(label);
    li.appendChild(h);
    li.appendChild(p);
    li.dataset.doc = String(hit.doc);
    return li;
  }

  function showMore(mySeq) {
    var slice = current.hits.slice(current.shown, current.shown + PAGE);
    return Promise.all(slice.map(function (h) { return S.doc(h.doc); })).then(function (docs) {
      if (mySeq !== seq) return;
      var frag = document.createDocumentFragment();
      docs.forEach(function (d, i) { frag.appendChild(item(slice[i], d)); });
      list.appendChild(frag);
      current.shown += slice.length;
      more.hidden = current.shown >= current.hits.length;
    });
  }

  // "Providers in Preston": a district named in the query ranks the providers serving it
  // above others matching the same words; say so, and link to the district's listing.
  function showPlaces(found) {
    var box = document.getElementById('search-places');
    if (!box) return;
    box.textContent = '';
    box.hidden = !found.length;
    found.forEach(function (p, i) {
      if (i) box.appendChild(document.createTextNode(' '));
      box.appendChild(document.createTextNode('Providers in ' + p.name + ' rank above others matching the same words. '));
      var a = document.createElement('a');
      a.href = p.url;
      a.textContent = 'All providers in ' + p.name;
      box.appendChild(a);
      box.appendChild(document.createTextNode('.'));
    });
  }

  // Did you mean: a link to the query with the words that match nothing corrected, added to
  // the status so it is announced with the results count.
  function showSuggestion(corrected, kind) {
    if (!corrected) return;
    var box = document.createElement('span');
    box.id = 'search-suggest';
    var params = new URLSearchParams();
    params.set('q', corrected);
    if (kind) params.set('type', kind);
    var a = document.createElement('a');
    a.href = '/search/?' + params.toString();
    a.textContent = corrected;
    box.appendChild(document.createTextNode('Did you mean '));
    box.appendChild(a);
    box.appendChild(document.createTextNode('?'));
    status.appendChild(document.createTextNode(' '));
    status.appendChild(box);
  }

  function run(prefix) {
    var q = input.value.trim();
    var kind = kindValue();
    var mySeq = ++seq;
    var t0 = performance.now();
    if (!q) {
      list.textContent = '';
      more.hidden = true;
      status.textContent = '';
      var b = document.getElementById('search-browse');
      if (b) b.hidden = true;
      showPlaces([]);
      return Promise.resolve();
    }
    return Promise.all([S.search(q, { prefix: prefix, kind: kind || null }), S.places(q), S.suggest(q, prefix)]).then(function (got) {
      var r = got[0];
      if (mySeq !== seq) return;
      showPlaces(got[1]);
      current = { hits: r.hits, planned: r.planned, shown: 0, query: q };
      list.textContent = '';
      return showMore(mySeq).then(function () {
        if (mySeq !== seq) return;
        var n = r.hits.length;
        var browse = document.getElementById('search-browse');
        if (browse) browse.hidden = n > 0;
        var full = r.hits.filter(function (h) { return !h.partial; }).length;
        var what = kind === 'provider' ? 'provider' : kind === 'guide' ? 'guide page' : 'result';
        status.textContent = n === 0
          ? 'No ' + what + 's match “' + q + '”. Check the spelling, use fewer words, or browse the directory and the guide.'
          : full === 0
            ? 'Nothing matches every word of “' + q + '”; ' + n + ' ' + what + (n === 1 ? '' : 's') + ' match some of them, closest first.'
            : n + ' ' + what + (n === 1 ? '' : 's') + ' for “' + q + '”' + (full < n ? ' (' + (n - full) + ' partial)' : '') + '.';
        showSuggestion(got[2], kind);
        document.dispatchEvent(new CustomEvent('apdir:results', { detail: { query: q, count: n, ms: performance.now() - t0 } }));
      });
    }).catch(function (e) {
      if (mySeq !== seq) return;
      status.textContent = 'Search could not load (' + e.message + '). Try again, or browse the directory and the guide.';
    });
  }

  input.addEventListener('input', function () {
    setUrl(input.value.trim(), kindValue(), false);
    // While typing, the last word is a prefix unless it is finished with a space.
    run(!/\s$/.test(input.value));
  });
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    setUrl(input.value.trim(), kindValue(), true);
    run(false);
  });
  form.addEventListener('change', function (e) {
    if (e.target.name === 'type') {
      setUrl(input.value.trim(), kindValue(), true);
      run(false);
    }
  });
  more.addEventListener('click', function () {
    var first = current.shown;
    showMore(seq).then(function () {
      var link = list.children[first] && list.children[first].querySelector('a');
      if (link) link.focus();
    });
  });

  function fromUrl() {
    var params = new URLSearchParams(location.search);
    input.value = params.get('q') || '';
    var kind = params.get('type') || '';
    var radio = form.querySelector('input[name="type"][value="' + (kind === 'provider' || kind === 'guide' ? kind : '') + '"]');
    if (radio) radio.checked = true;
    var header = document.getElementById('site-search');
    if (header) header.value = input.value;
    return run(false);
  }
  window.addEventListener('popstate', fromUrl);
  fromUrl();
})();
