/* apdir search core: ranks with BM25 over the static export of the build's tantivy index.
 * Formats: docs/search.md. Planning and scoring follow src/search/query.rs exactly, so the
 * order agrees with `apdir search`. No framework, no request to another host. */
(function () {
  'use strict';

  var BASE = '/search/';
  var cache = new Map();
  var stats = { bytes: 0, requests: 0 };
  var decoder = new TextDecoder();

  function get(url, kind) {
    if (!cache.has(url)) {
      cache.set(url, fetch(url, { credentials: 'same-origin' }).then(function (r) {
        if (!r.ok) throw new Error('cannot load ' + url + ' (' + r.status + ')');
        return kind === 'bin' ? r.arrayBuffer() : r.text();
      }).then(function (body) {
        stats.requests += 1;
        stats.bytes += kind === 'bin' ? body.byteLength : body.length;
        return kind === 'bin' ? body : JSON.parse(body);
      }));
    }
    return cache.get(url);
  }

  var metaPromise = null;
  function meta() {
    if (!metaPromise) {
      metaPromise = get(BASE + 'meta.json').then(function (m) {
        var f32 = Math.fround;
        m.cache = m.fields.map(function (f) {
          var avg = f32(f.tokens / m.docs);
          return m.norms.map(function (dl) { return f32(f32(m.k1) * f32(f32(1 - m.b) + f32(f32(m.b) * f32(dl) / avg))); });
        });
        m.letterSet = new Set(m.letters);
        return m;
      });
    }
    return metaPromise;
  }

  // The surface analyzer: split on anything not alphanumeric, drop long words, lower-case.
  var WORD = /[\p{Alphabetic}\p{Nd}\p{Nl}\p{No}]+/gu;
  var encoder = new TextEncoder();
  function words(text) {
    var out = [];
    var m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text)) !== null) {
      var w = m[0].toLowerCase();
      if (encoder.encode(w).length < 40) out.push(w);
    }
    return out;
  }

  function letterOf(w) {
    var c = w.charAt(0);
    if (c >= 'a' && c <= 'z') return c;
    if (c >= '0' && c <= '9') return '0';
    return '_';
  }

  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

  var vocabs = new Map();
  var resolved = new Map();
  function vocab(letter) {
    if (!vocabs.has(letter)) {
      vocabs.set(letter, meta().then(function (m) {
        if (!m.letterSet.has(letter)) return { map: Object.create(null), keys: [] };
        return get(BASE + 'v/' + encodeURIComponent(letter) + '.json').then(function (obj) {
          var map = Object.create(null);
          Object.keys(obj).forEach(function (k) { map[k] = obj[k] === '' ? k : obj[k]; });
          return { map: map, keys: Object.keys(map).sort(cmp) };
        });
      }).then(function (v) { resolved.set(letter, v); return v; }));
    }
    return vocabs.get(letter);
  }

  function lowerBound(keys, w) {
    var lo = 0, hi = keys.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (keys[mid] < w) lo = mid + 1; else hi = mid; }
    return lo;
  }

  function withinOneEdit(a, b) {
    var la = a.length, lb = b.length;
    if (Math.abs(la - lb) > 1) return false;
    var i = 0;
    while (i < la && i < lb && a[i] === b[i]) i++;
    if (i === la && i === lb) return true;
    var rest = function (x, from) { return x.slice(from).join('\u0000'); };
    if (la === lb) {
      if (rest(a, i + 1) === rest(b, i + 1)) return true;
      return i + 1 < la && a[i] === b[i + 1] && a[i + 1] === b[i] && rest(a, i + 2) === rest(b, i + 2);
    }
    return la > lb ? rest(a, i + 1) === rest(b, i) : rest(a, i) === rest(b, i + 1);
  }

  // Plans a query exactly as src/search/query.rs `plan` does.
  function plan(query, prefix) {
    var ws = [];
    words(query).forEach(function (w) { if (ws.indexOf(w) < 0) ws.push(w); });
    return meta().then(function (m) {
      return Promise.all(ws.map(function (w) { return vocab(letterOf(w)); })).then(function (vs) {
        return ws.map(function (w, i) {
          var v = vs[i];
          var terms = [];
          var add = function (t) { if (terms.indexOf(t) < 0) terms.push(t); };
          var exact = Object.prototype.hasOwnProperty.call(v.map, w) ? v.map[w] : null;
          if (exact !== null) add(exact);
          var chars = Array.from(w);
          if (prefix && i + 1 === ws.length && chars.length >= 2) {
            var taken = 0;
            for (var k = lowerBound(v.keys, w); k < v.keys.length && taken < m.max_prefix; k++) {
              var s = v.keys[k];
              if (s.lastIndexOf(w, 0) !== 0) break;
              if (s === w) continue;
              add(v.map[s]);
              taken++;
            }
          }
          if (exact === null && chars.length >= m.typo_min) {
            var first = chars[0];
            for (var j = lowerBound(v.keys, first); j < v.keys.length; j++) {
              var cand = v.keys[j];
              if (cand.lastIndexOf(first, 0) !== 0) break;
              if (withinOneEdit(chars, Array.from(cand))) add(v.map[cand]);
            }
          }
          terms.sort(cmp);
          return { word: w, terms: terms };
        });
      });
    });
  }

  // Postings shards.
  var shards = new Map();
  function readVarint(b, st) {
    var v = 0, shift = 0, byte;
    do { byte = b[st.pos++]; v += (byte & 0x7f) * Math.pow(2, shift); shift += 7; } while (byte & 0x80);
    return v;
  }
  function shard(n) {
    if (!shards.has(n)) {
      shards.set(n, get(BASE + 't/' + n + '.bin', 'bin').then(function (buf) {
        var b = new Uint8Array(buf);
        var st = { pos: 0 };
        var count = readVarint(b, st);
        var terms = new Map();
        for (var t = 0; t < count; t++) {
          var len = readVarint(b, st);
          var term = decoder.decode(b.subarray(st.pos, st.pos + len));
          st.pos += len;
          var nf = b[st.pos++];
          var fields = [];
          for (var f = 0; f < nf; f++) {
            var fi = b[st.pos++];
            var df = readVarint(b, st);
            var start = st.pos;
            for (var d = 0; d < df; d++) { readVarint(b, st); readVarint(b, st); st.pos++; }
            fields.push({ field: fi, df: df, start: start });
          }
          terms.set(term, fields);
        }
        return { bytes: b, terms: terms };
      }));
    }
    return shards.get(n);
  }
  function shardOf(m, term) {
    var lo = 0, hi = m.shards.length - 1, ans = 0;
    while (lo <= hi) { var mid = (lo + hi) >> 1; if (m.shards[mid] <= term) { ans = mid; lo = mid + 1; } else hi = mid - 1; }
    return ans;
  }

  function idf(df, n) { return Math.fround(Math.log(1 + Math.fround(Math.fround(n - df + 0.5) / Math.fround(df + 0.5)))); }

  // Scores one word: every (term, field) pair is a boosted BM25 term query; scores add up.
  function scoreWord(m, planned) {
    return Promise.all(planned.terms.map(function (t) { return shard(shardOf(m, t)).then(function (s) { return { s: s, t: t }; }); })).then(function (got) {
      var scores = new Map();
      var f32 = Math.fround;
      got.forEach(function (g) {
        var fields = g.s.terms.get(g.t);
        if (!fields) return;
        fields.forEach(function (fp) {
          var boost = f32(m.fields[fp.field].boost);
          var weight = f32(idf(fp.df, m.docs) * f32(1 + m.k1));
          var normCache = m.cache[fp.field];
          var st = { pos: fp.start };
          var doc = 0;
          for (var i = 0; i < fp.df; i++) {
            doc += readVarint(g.s.bytes, st);
            var tf = readVarint(g.s.bytes, st);
            var norm = normCache[g.s.bytes[st.pos++]];
            var sc = f32(f32(weight * f32(tf / f32(tf + norm))) * boost);
            scores.set(doc, (scores.get(doc) || 0) + sc);
          }
        });
      });
      return scores;
    });
  }

  /* search(query, {prefix, kind: 'provider'|'guide'|null}) → {planned, hits: [{doc, score, kind}]},
   * every match, best first, ties by document number. */
  function search(query, opts) {
    opts = opts || {};
    return meta().then(function (m) {
      return plan(query, !!opts.prefix).then(function (planned) {
        if (!planned.length || planned.some(function (p) { return !p.terms.length; })) return { planned: planned, hits: [] };
        return Promise.all(planned.map(function (p) { return scoreWord(m, p); })).then(function (perWord) {
          perWord.sort(function (a, b) { return a.size - b.size; });
          var hits = [];
          perWord[0].forEach(function (s, doc) {
            var total = s;
            for (var i = 1; i < perWord.length; i++) {
              var x = perWord[i].get(doc);
              if (x === undefined) return;
              total += x;
            }
            var kind = doc < m.guides ? 'guide' : 'provider';
            if (opts.kind && opts.kind !== kind) return;
            hits.push({ doc: doc, score: total, kind: kind });
          });
          hits.sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
          return { planned: planned, hits: hits };
        });
      });
    });
  }

  // Documents are packed `docs_per_file` to a file (see src/search/export.rs).
  function doc(n) {
    return meta().then(function (m) {
      var per = m.docs_per_file || 1;
      return get(BASE + 'd/' + Math.floor(n / per) + '.json').then(function (pack) { return pack[n % per]; });
    });
  }

  // A snippet of the document's text around the first matched word, matches in <mark>.
  function snippet(text, planned, maxChars) {
    maxChars = maxChars || 220;
    var wanted = new Set();
    planned.forEach(function (p) { p.terms.forEach(function (t) { wanted.add(t); }); });
    var marks = [];
    var m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text)) !== null) {
      var w = m[0].toLowerCase();
      var loaded = resolved.get(letterOf(w));
      var term = loaded && Object.prototype.hasOwnProperty.call(loaded.map, w) ? loaded.map[w] : w;
      if (wanted.has(term)) marks.push([m.index, m.index + m[0].length]);
    }
    var start = 0;
    if (marks.length) start = Math.max(0, marks[0][0] - 60);
    if (start > 0) { var sp = text.indexOf(' ', start); if (sp > 0 && sp < marks[0][0]) start = sp + 1; }
    var end = Math.min(text.length, start + maxChars);
    if (end < text.length) { var sp2 = text.lastIndexOf(' ', end); if (sp2 > start) end = sp2; }
    var frag = document.createDocumentFragment();
    if (start > 0) frag.appendChild(document.createTextNode('… '));
    var pos = start;
    marks.forEach(function (r) {
      if (r[0] < pos || r[1] > end) return;
      frag.appendChild(document.createTextNode(text.slice(pos, r[0]).replace(/\s+/g, ' ')));
      var mark = document.createElement('mark');
      mark.textContent = text.slice(r[0], r[1]);
      frag.appendChild(mark);
      pos = r[1];
    });
    frag.appendChild(document.createTextNode(text.slice(pos, end).replace(/\s+/g, ' ')));
    if (end < text.length) frag.appendChild(document.createTextNode(' …'));
    return frag;
  }

  window.APDIRSearch = { search: search, plan: plan, doc: doc, snippet: snippet, meta: meta, words: words, stats: stats };
})();
