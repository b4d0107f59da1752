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

  /* The Snowball English (Porter2) stemmer, as rust-stemmers (tantivy's stemmer) runs it, so a
   * word the site never uses is stemmed here as the index stems it. Checked against the Rust
   * stemmer word by word in tests/suite/search_stem.rs. Works on code points. */
  var STEM = (function () {
    var EXC1 = { skis: 'ski', skies: 'sky', dying: 'die', lying: 'lie', tying: 'tie', idly: 'idl', gently: 'gentl', ugly: 'ugli', early: 'earli',
      only: 'onli', singly: 'singl', sky: 'sky', news: 'news', howe: 'howe', atlas: 'atlas', cosmos: 'cosmos', bias: 'bias', andes: 'andes' };
    var EXC2 = { inning: 1, outing: 1, canning: 1, herring: 1, earring: 1, proceed: 1, exceed: 1, succeed: 1 };
    var DOUBLE = { bb: 1, dd: 1, ff: 1, gg: 1, mm: 1, nn: 1, pp: 1, rr: 1, tt: 1 };
    var STEP2 = [['ization', 'ize'],  ['ational', 'ate'], ['fulness', 'ful'], ['ousness', 'ous'], ['iveness', 'ive'], ['tional', 'tion'],
      ['biliti', 'ble'], ['lessli', 'less'], ['entli', 'ent'], ['ation', 'ate'], ['ogist', 'og'], ['alism', 'al'], ['aliti', 'al'], ['ousli', 'ous'],
      ['iviti', 'ive'], ['fulli', 'ful'], ['enci', 'ence'], ['anci', 'ance'], ['abli', 'able'], ['izer', 'ize'], ['ator', 'ate'],
      ['alli', 'al'], ['bli', 'ble'], ['ogi', 'og'], ['li', '']];
    var STEP3 = [['ational', 'ate'], ['tional', 'tion'], ['alize', 'al'], ['icate', 'ic'], ['iciti', 'ic'], ['ative', ''], ['ical', 'ic'],
      ['ness', ''], ['ful', '']];
    var STEP4 = ['ement', 'ance', 'ence', 'able', 'ible', 'ment', 'ant', 'ent', 'ism', 'ate', 'iti', 'ous', 'ive', 'ize', 'ion', 'al', 'er', 'ic'];
    function isV(c) { return c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u' || c === 'y'; }
    function ends(w, s) { if (s.length > w.length) return false; for (var i = 0; i < s.length; i++) if (w[w.length - s.length + i] !== s[i]) return false; return true; }
    function longest(w, list) { for (var i = 0; i < list.length; i++) { var s = typeof list[i] === 'string' ? list[i] : list[i][0]; if (ends(w, s)) return list[i]; } return null; }
    function hasV(w, from, to) { for (var i = from; i < to; i++) if (isV(w[i])) return true; return false; }
    // A short syllable ending just before position c.
    function shortv(w, c) {
      if (c >= 3 && !isV(w[c - 1]) && w[c - 1] !== 'w' && w[c - 1] !== 'x' && w[c - 1] !== 'Y' && isV(w[c - 2]) && !isV(w[c - 3])) return true;
      return c === 2 && !isV(w[1]) && isV(w[0]);
    }
    function region(w, start) {
      var i = start;
      while (i < w.length && !isV(w[i])) i++;
      while (i < w.length && isV(w[i])) i++;
      return Math.min(i + 1, w.length);
    }
    return function stem(word) {
      if (Object.prototype.hasOwnProperty.call(EXC1, word)) return EXC1[word];
      var w = Array.from(word);
      if (w.length < 3) return word;
      if (w[0] === "'") w.shift();
      for (var i = 0; i < w.length; i++) if (w[i] === 'y' && (i === 0 || isV(w[i - 1]))) w[i] = 'Y';
      var s = w.join('');
      // Snowball English's exceptional R1 prefixes (the list rust-stemmers uses).
      var pre = ['arsen', 'commun', 'emerg', 'gener', 'inter', 'later', 'organ', 'past', 'univers'].find(function (x) { return s.lastIndexOf(x, 0) === 0; });
      var p1 = pre ? pre.length : region(w, 0);
      var p2 = region(w, p1);
      if (p1 > w.length) p1 = w.length;
      var cut = function (n) { w.length -= n; };
      var put = function (n, rep) { cut(n); Array.prototype.push.apply(w, Array.from(rep)); };
      // Step 0
      var m = longest(w, ["'s'", "'s", "'"]);
      if (m) cut(m.length);
      // Step 1a
      m = longest(w, ['sses', 'ied', 'ies', 'us', 'ss', 's']);
      if (m === 'sses') put(4, 'ss');
      else if (m === 'ied' || m === 'ies') put(3, w.length - 3 > 1 ? 'i' : 'ie');
      else if (m === 's' && hasV(w, 0, w.length - 2)) cut(1);
      if (EXC2[w.join('')]) return w.join('');
      // Step 1b
      m = longest(w, ['eedly', 'ingly', 'edly', 'eed', 'ing', 'ed']);
      if (m === 'eed' || m === 'eedly') {
        if (w.length - m.length >= p1) put(m.length, 'ee');
      } else if (m && hasV(w, 0, w.length - m.length)) {
        cut(m.length);
        var e2 = w.slice(-2).join('');
        if (e2 === 'at' || e2 === 'bl' || e2 === 'iz') w.push('e');
        else if (DOUBLE[e2]) { if (!(w.length === 3 && isV(w[0]))) cut(1); }
        else if (w.length === p1 && shortv(w, w.length)) w.push('e');
      }
      // Step 1c
      var n = w.length;
      if (n > 2 && (w[n - 1] === 'y' || w[n - 1] === 'Y') && !isV(w[n - 2])) w[n - 1] = 'i';
      // Step 2
      m = longest(w, STEP2);
      if (m && w.length - m[0].length >= p1) {
        var before = w[w.length - m[0].length - 1];
        if (m[0] === 'ogi') { if (before === 'l') put(3, 'og'); }
        else if (m[0] === 'li') { if ('cdeghkmnrt'.indexOf(before) >= 0 && before !== undefined) cut(2); }
        else put(m[0].length, m[1]);
      }
      // Step 3
      m = longest(w, STEP3);
      if (m && w.length - m[0].length >= p1) {
        if (m[0] === 'ative') { if (w.length - 5 >= p2) cut(5); }
        else put(m[0].length, m[1]);
      }
      // Step 4
      m = longest(w, STEP4);
      if (m && w.length - m.length >= p2) {
        if (m === 'ion') { var b = w[w.length - 4]; if (b === 's' || b === 't') cut(3); }
        else cut(m.length);
      }
      // Step 5
      n = w.length;
      if (w[n - 1] === 'e') {
        if (n - 1 >= p2 || (n - 1 >= p1 && !shortv(w, n - 1))) cut(1);
      } else if (w[n - 1] === 'l') {
        if (n - 1 >= p2 && w[n - 2] === 'l') cut(1);
      }
      return w.join('').replace(/Y/g, 'y');
    };
  })();

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
        if (!m.letterSet.has(letter)) return { map: Object.create(null), keys: [], terms: new Set() };
        return get(BASE + 'v/' + encodeURIComponent(letter) + '.json').then(function (obj) {
          var map = Object.create(null);
          Object.keys(obj).forEach(function (k) { map[k] = obj[k] === '' ? k : obj[k]; });
          var terms = new Set();
          Object.keys(map).forEach(function (k) { terms.add(map[k]); });
          return { map: map, keys: Object.keys(map).sort(cmp), terms: terms };
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

  var synonymsPromise = null;
  function synonyms() {
    if (!synonymsPromise) synonymsPromise = get(BASE + 'synonyms.json').catch(function () { return {}; });
    return synonymsPromise;
  }
  var placesPromise = null;
  // The districts named in a query: [{name, url}] (search/places.json, from the site's areas).
  function places(query) {
    if (!placesPromise) placesPromise = get(BASE + 'places.json').catch(function () { return []; });
    var q = ' ' + words(query).join(' ') + ' ';
    return placesPromise.then(function (list) {
      return list.filter(function (p) { return q.indexOf(' ' + words(p[0]).join(' ') + ' ') >= 0; }).map(function (p) { return { name: p[0], url: p[1] }; });
    });
  }
  var MAX_PHRASE_WORDS = 6;
  var STOP_WORDS = ['a', 'an', 'the', 'and', 'or', 'of', 'to', 'for', 'in', 'on', 'at', 'by', 'is', 'are', 'be', 'can', 'do', 'does', 'did', 'i',
    'my', 'me', 'we', 'our', 'you', 'your', 'it', 'its', 'this', 'that', 'what', 'which', 'who', 'how', 'when', 'where', 'why', 'if', 'with', 'from'];
  var STEM_MIN = 3;

  // The terms one word stands for, as src/search/query.rs `plan_word`.
  function planWord(m, v, vFirst, w, lastInPrefixMode) {
    var terms = [];
    var add = function (t) { if (terms.indexOf(t) < 0) terms.push(t); };
    var exact = Object.prototype.hasOwnProperty.call(v.map, w) ? v.map[w] : null;
    if (exact !== null) add(exact);
    var chars = Array.from(w);
    var starting = function (vv, p, max, f) {
      var taken = 0;
      for (var k = lowerBound(vv.keys, p); k < vv.keys.length && taken < max; k++) {
        var s = vv.keys[k];
        if (s.lastIndexOf(p, 0) !== 0) break;
        if (f(s) !== false) taken++;
      }
    };
    if (lastInPrefixMode && chars.length >= 2) {
      starting(v, w, m.max_prefix, function (s) { if (s === w) return false; add(v.map[s]); });
    }
    if (exact === null) {
      var st = STEM(w);
      if (Array.from(st).length >= STEM_MIN) {
        if (vFirst.terms.has(st)) add(st);
        else starting(vFirst, st, m.max_prefix, function (s) { add(vFirst.map[s]); });
      }
    }
    if (exact === null && chars.length >= m.typo_min) {
      var first = chars[0];
      starting(v, first, Infinity, function (cand) { if (withinOneEdit(chars, Array.from(cand))) add(v.map[cand]); });
    }
    return terms;
  }

  // The other terms of a term's family (query.rs `family`): a stem of 5+ characters ending in
  // d and the same stem ending in s instead (exclud/exclus, decid/decis, provid/provis), as
  // English alternates them (exclude, exclusion).
  var FAMILY_MIN = 5;
  function family(t) {
    if (Array.from(t).length < FAMILY_MIN) return [];
    var base = t.slice(0, -1), last = t.slice(-1);
    if (last === 'd') return [base + 's'];
    if (last === 's' && base.slice(-1) !== 's') return [base + 'd'];
    return [];
  }

  // The term a word stands for on its own (src/search/query.rs `own_term`).
  function ownTerm(v, vFirst, w) {
    if (Object.prototype.hasOwnProperty.call(v.map, w)) return v.map[w];
    var st = STEM(w);
    return vFirst.terms.has(st) ? st : null;
  }

  // Plans a query exactly as src/search/query.rs `plan_with` does: units (a word, or a phrase
  // of the synonyms), each with its alternatives (a term, or terms that must stand together),
  // every term, and the word's own term for phrases with its neighbours.
  function plan(query, prefix) {
    var ws = [];
    words(query).forEach(function (w) { if (ws.indexOf(w) < 0) ws.push(w); });
    var CONNECTORS = ['near', 'nearby', 'around'];
    if (ws.some(function (w) { return CONNECTORS.indexOf(w) < 0; })) ws = ws.filter(function (w) { return CONNECTORS.indexOf(w) < 0; });
    return Promise.all([meta(), synonyms()]).then(function (got) {
      var m = got[0], syn = got[1];
      var letters = [];
      ws.forEach(function (w) { letters.push(letterOf(w)); letters.push(letterOf(STEM(w))); });
      return Promise.all(letters.map(vocab)).then(function () {
        var out = [];
        var i = 0;
        while (i < ws.length) {
          var len = 1, alts = [], own = [];
          for (var n = Math.min(MAX_PHRASE_WORDS, ws.length - i); n >= 1; n--) {
            var phrase = ws.slice(i, i + n).join(' ');
            if (Object.prototype.hasOwnProperty.call(syn, phrase)) { len = n; alts = syn[phrase].map(function (a) { return a.slice(); }); break; }
          }
          if (len === 1) {
            var w = ws[i];
            var v = resolved.get(letterOf(w)), vFirst = resolved.get(letterOf(STEM(w)));
            planWord(m, v, vFirst, w, prefix && i + 1 === ws.length).forEach(function (t) {
              if (!alts.some(function (a) { return a.length === 1 && a[0] === t; })) alts.push([t]);
            });
            var ot = ownTerm(v, vFirst, w);
            if (ot !== null) {
              own = [ot].concat(family(ot).filter(function (t) { return vFirst.terms.has(t); }));
              own.forEach(function (t) { if (!alts.some(function (a) { return a.length === 1 && a[0] === t; })) alts.push([t]); });
            }
          }
          var terms = [];
          alts.forEach(function (a) { a.forEach(function (t) { if (terms.indexOf(t) < 0) terms.push(t); }); });
          terms.sort(cmp);
          out.push({ word: ws.slice(i, i + len).join(' '), terms: terms, alts: alts, own: own, joined: true, at: out.length });
          i += len;
        }
        // Question words are dropped when the query has anything else (STOP_WORDS in query.rs);
        // a unit typed right after the one before it is `joined` to it.
        var isStop = function (p) { return STOP_WORDS.indexOf(p.word) >= 0; };
        if (out.some(function (p) { return !isStop(p); })) {
          out = out.filter(function (p) { return !isStop(p); });
          for (var k = 1; k < out.length; k++) out[k].joined = out[k].at === out[k - 1].at + 1;
        }
        return out;
      });
    });
  }

  // Phrases: for every two neighbouring units with terms of their own, [the pairs of their
  // own terms (any one will do), may be bridged] (query.rs `phrase_pairs`): side by side
  // when typed side by side.
  function phrasePairs(units) {
    var out = [];
    for (var i = 0; i + 1 < units.length; i++) {
      var a = units[i].own, b = units[i + 1].own;
      if (a.length && b.length) {
        var ps = [];
        a.forEach(function (x) { b.forEach(function (y) { ps.push(x + ' ' + y); }); });
        var loose = !units[i + 1].joined, key = ps.join('|');
        if (!out.some(function (x) { return x[0].join('|') === key && x[1] === loose; })) out.push([ps, loose]);
      }
    }
    return out;
  }
  function altPairs(alt) {
    var out = [];
    for (var i = 0; i + 1 < alt.length; i++) out.push([[alt[i] + ' ' + alt[i + 1]], true]);
    return out;
  }
  // The bridged form of a pair's text: only question words between the two (query.rs `bridged`).
  function bridged(p) { return p.replace(' ', ' _ '); }

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

  // One term's scores: doc → the sum over fields of its boosted BM25 term query (memoised).
  var termCache = new Map();
  function termScores(m, t) {
    if (!termCache.has(t)) {
      termCache.set(t, shard(shardOf(m, t)).then(function (s) {
        var scores = new Map();
        var f32 = Math.fround;
        var fields = s.terms.get(t);
        if (!fields) return scores;
        fields.forEach(function (fp) {
          var boost = f32(m.fields[fp.field].boost);
          var weight = f32(idf(fp.df, m.docs) * f32(1 + m.k1));
          var normCache = m.cache[fp.field];
          var st = { pos: fp.start };
          var doc = 0;
          for (var i = 0; i < fp.df; i++) {
            doc += readVarint(s.bytes, st);
            var tf = readVarint(s.bytes, st);
            var norm = normCache[s.bytes[st.pos++]];
            var sc = f32(f32(weight * f32(tf / f32(tf + norm))) * boost);
            scores.set(doc, f32((scores.get(doc) || 0) + sc));
          }
        });
        return scores;
      }));
    }
    return termCache.get(t);
  }

  // Pairs shards (search/p/<fnv1a(pair) % pair_shards>.bin): pair → the documents holding it.
  function fnv1a(str) {
    var b = encoder.encode(str), h = 0x811c9dc5;
    for (var i = 0; i < b.length; i++) { h ^= b[i]; h = Math.imul(h, 0x01000193) >>> 0; }
    return h;
  }
  var pairShards = new Map();
  function pairShard(n) {
    if (!pairShards.has(n)) {
      pairShards.set(n, get(BASE + 'p/' + n + '.bin', 'bin').then(function (buf) {
        var b = new Uint8Array(buf);
        var st = { pos: 0 };
        var count = readVarint(b, st);
        var pairs = new Map();
        for (var i = 0; i < count; i++) {
          var len = readVarint(b, st);
          var pair = decoder.decode(b.subarray(st.pos, st.pos + len));
          st.pos += len;
          var df = readVarint(b, st);
          var docs = new Set();
          var doc = 0;
          for (var d = 0; d < df; d++) { doc += readVarint(b, st); docs.add(doc); }
          pairs.set(pair, docs);
        }
        return pairs;
      }));
    }
    return pairShards.get(n);
  }
  var EMPTY = new Set();
  function pairDocs(m, p) {
    if (!m.pair_shards) return Promise.resolve(EMPTY);
    return pairShard(fnv1a(p) % m.pair_shards).then(function (pairs) { return pairs.get(p) || EMPTY; });
  }

  // How much matching a unit counts when not every unit matches (src/search/query.rs `unit_weight`).
  function unitWeight(df, n) { return Math.log(1 + (n - df + 0.5) / (df + 0.5)); }

  // Ranks as src/search/query.rs `rank`: units matched (by rarity), then the query held as a
  // phrase (every pair), then score, ties by document number.
  function rank(units, ev, n) {
    var f32 = Math.fround;
    var none = new Map();
    var term = function (t) { return ev.terms.get(t) || none; };
    var pair = function (p) { return ev.pairs.get(p) || EMPTY; };
    var holds = function (pp, d) { return pp[0].some(function (p) { return pair(p).has(d) || (pp[1] && pair(bridged(p)).has(d)); }); };
    var holders = function (pp) {
      var docs = new Set();
      pp[0].forEach(function (p) {
        pair(p).forEach(function (d) { docs.add(d); });
        if (pp[1]) pair(bridged(p)).forEach(function (d) { docs.add(d); });
      });
      return Array.from(docs).sort(function (a, b) { return a - b; });
    };
    var found = new Map();
    units.forEach(function (u) {
      var held = new Map();
      u.alts.forEach(function (alt, ai) {
        var docs = [];
        if (alt.length === 1) docs = Array.from(term(alt[0]).keys());
        else if (alt.length > 1) {
          var ps = altPairs(alt);
          holders(ps[0]).forEach(function (d) { if (ps.every(function (p) { return holds(p, d); })) docs.push(d); });
        }
        docs.forEach(function (d) { var h = held.get(d); if (!h) { h = []; held.set(d, h); } h.push(ai); });
      });
      var w = unitWeight(held.size, n);
      held.forEach(function (ais, d) {
        var ts = [];
        ais.forEach(function (ai) { u.alts[ai].forEach(function (t) { if (ts.indexOf(t) < 0) ts.push(t); }); });
        ts.sort(cmp);
        var score = 0;
        ts.forEach(function (t) { score = f32(score + (term(t).get(d) || 0)); });
        var e = found.get(d);
        if (!e) { e = { doc: d, cov: 0, phrase: 0, score: 0, matched: 0 }; found.set(d, e); }
        e.cov += w;
        e.score = f32(e.score + score);
        e.matched += 1;
      });
    });
    var phrase = phrasePairs(units);
    if (phrase.length) {
      holders(phrase[0]).forEach(function (d) {
        var e = found.get(d);
        if (e && phrase.every(function (p) { return holds(p, d); })) e.phrase = 1;
      });
    }
    var out = Array.from(found.values());
    out.sort(function (a, b) { return b.cov - a.cov || b.phrase - a.phrase || b.score - a.score || a.doc - b.doc; });
    return out;
  }

  /* search(query, {prefix, kind: 'provider'|'guide'|null}) → {planned, hits: [{doc, score, kind, partial}]},
   * ranked by `rank`; `partial` when a document misses some unit. */
  function search(query, opts) {
    opts = opts || {};
    return meta().then(function (m) {
      return plan(query, !!opts.prefix).then(function (planned) {
        var terms = [], pairs = [];
        var ask = function (pp) {
          pp[0].forEach(function (p) {
            if (pairs.indexOf(p) < 0) pairs.push(p);
            if (pp[1] && pairs.indexOf(bridged(p)) < 0) pairs.push(bridged(p));
          });
        };
        phrasePairs(planned).forEach(ask);
        planned.forEach(function (u) {
          u.alts.forEach(function (a) {
            a.forEach(function (t) { if (terms.indexOf(t) < 0) terms.push(t); });
            altPairs(a).forEach(ask);
          });
        });
        return Promise.all([
          Promise.all(terms.map(function (t) { return termScores(m, t); })),
          Promise.all(pairs.map(function (p) { return pairDocs(m, p); })),
        ]).then(function (got) {
          var ev = { terms: new Map(), pairs: new Map() };
          terms.forEach(function (t, i) { ev.terms.set(t, got[0][i]); });
          pairs.forEach(function (p, i) { ev.pairs.set(p, got[1][i]); });
          var hits = [];
          rank(planned, ev, m.docs).forEach(function (e) {
            var kind = e.doc < m.guides ? 'guide' : 'provider';
            if (opts.kind && opts.kind !== kind) return;
            hits.push({ doc: e.doc, score: e.score, cov: e.cov, phrase: e.phrase, kind: kind, partial: e.matched < planned.length });
          });
          return { planned: planned, hits: hits };
        });
      });
    });
  }

  // Optimal-string-alignment distance, or cap + 1 once it must exceed cap (query.rs `edit_distance`).
  function editDistance(a, b, cap) {
    var la = a.length, lb = b.length;
    if (Math.abs(la - lb) > cap) return cap + 1;
    var rows = [[], [], []];
    for (var j = 0; j <= lb; j++) { rows[0][j] = j; rows[1][j] = 0; rows[2][j] = 0; }
    for (var i = 1; i <= la; i++) {
      var cur = rows[i % 3], prev = rows[(i + 2) % 3], prev2 = rows[(i + 1) % 3];
      cur[0] = i;
      var low = i;
      for (j = 1; j <= lb; j++) {
        var v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
        cur[j] = v;
        if (v < low) low = v;
      }
      if (low > cap) return cap + 1;
    }
    return Math.min(rows[la % 3][lb], cap + 1);
  }

  // The word of the site closest to w, for did-you-mean (query.rs `closest_word`): same first
  // character, at most 1 edit (under 5 characters) or 2, fewest edits, then most word forms of
  // its term in the shard, then first in order.
  function closestWord(m, w) {
    var chars = Array.from(w);
    if (chars.length < STEM_MIN) return null;
    var v = resolved.get(letterOf(w));
    if (!v) return null;
    var max = chars.length >= m.typo_min ? 2 : 1;
    var best = [], bestD = max + 1;
    for (var k = lowerBound(v.keys, chars[0]); k < v.keys.length; k++) {
      var s = v.keys[k];
      if (s.lastIndexOf(chars[0], 0) !== 0) break;
      var sc = Array.from(s);
      if (Math.abs(sc.length - chars.length) > max) continue;
      var d = editDistance(chars, sc, max);
      if (d > max) continue;
      if (d < bestD) { bestD = d; best = []; }
      if (d === bestD) best.push(s);
    }
    if (!best.length) return null;
    if (!v.forms) {
      v.forms = new Map();
      v.keys.forEach(function (x) { v.forms.set(v.map[x], (v.forms.get(v.map[x]) || 0) + 1); });
    }
    best.sort(function (a, b) { return v.forms.get(v.map[b]) - v.forms.get(v.map[a]) || cmp(a, b); });
    return best[0];
  }

  // Did you mean (query.rs `suggest`): the query with every word that matches nothing replaced
  // by its closest word of the site; null when nothing changed.
  function suggest(query, prefix) {
    return meta().then(function (m) {
      return plan(query, !!prefix).then(function (planned) {
        var unknown = planned.filter(function (p) { return !p.terms.length; }).map(function (p) { return p.word; });
        if (!unknown.length) return null;
        var changed = false;
        var out = words(query).map(function (w) {
          if (unknown.indexOf(w) < 0) return w;
          var c = closestWord(m, w);
          if (c === null) return w;
          changed = true;
          return c;
        });
        return changed ? out.join(' ') : null;
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

  window.APDIRSearch = { places: places, stem: STEM, search: search, suggest: suggest, plan: plan, doc: doc, snippet: snippet, meta: meta, words: words, stats: stats };
})();
