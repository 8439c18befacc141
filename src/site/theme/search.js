// Offline search over a static index (see src/site/search.rs): the query is
// cut into tokens (CJK bigrams, lower-case words) exactly as the index was;
// only the index shards of those tokens and the document chunks of the hits
// are downloaded. No external resources.
(function () {
  "use strict";
  var results = document.getElementById("results");
  var status = document.getElementById("status");
  var input = document.getElementById("q");
  var deletedOnly = document.getElementById("deleted");
  var base = results.getAttribute("data-base") || "";
  var root = base + "/search/";
  var cache = {};

  function get(path) {
    if (!cache[path]) {
      cache[path] = fetch(root + path).then(function (r) {
        if (!r.ok) { throw new Error(r.status + " " + path); }
        return r.json();
      });
    }
    return cache[path];
  }

  function isCjk(c) {
    var n = c.codePointAt(0);
    return (n >= 0x3040 && n <= 0x30ff) || (n >= 0x3400 && n <= 0x4dbf) || (n >= 0x4e00 && n <= 0x9fff) ||
      (n >= 0xf900 && n <= 0xfaff) || (n >= 0xac00 && n <= 0xd7af) || (n >= 0x20000 && n <= 0x2fa1f);
  }

  function isWord(c) { return /[\p{L}\p{N}]/u.test(c) && !isCjk(c); }

  function tokens(text) {
    var out = [], run = [], word = "";
    function flushRun() {
      if (run.length === 1) { out.push(run[0]); }
      for (var i = 0; i + 1 < run.length; i++) { out.push(run[i] + run[i + 1]); }
      run = [];
    }
    function flushWord() { if (word.length >= 2) { out.push(word); } word = ""; }
    for (var c of text.toLowerCase()) {
      if (isCjk(c)) { flushWord(); run.push(c); }
      else if (isWord(c)) { flushRun(); word += c; }
      else { flushRun(); flushWord(); }
    }
    flushRun(); flushWord();
    return out.filter(function (t, i) { return out.indexOf(t) === i; });
  }

  function fnv1a(s) {
    var h = 0x811c9dc5, bytes = new TextEncoder().encode(s);
    for (var i = 0; i < bytes.length; i++) { h ^= bytes[i]; h = Math.imul(h, 0x01000193) >>> 0; }
    return h >>> 0;
  }

  function hex(n) { return (n < 16 ? "0" : "") + n.toString(16); }

  function postings(meta, token) {
    var h = fnv1a(token), parts = [];
    meta.segments.forEach(function (seg, s) {
      var file = "s" + s + "/" + hex(h % seg.shards) + ".json?v=" + seg.v;
      parts.push(get(file).then(function (idx) { return idx[token] || []; }));
    });
    return Promise.all(parts).then(function (lists) { return [].concat.apply([], lists); });
  }

  function show(meta, ids, query) {
    results.textContent = "";
    ids.sort(function (a, b) { return b - a; });
    var shown = ids.slice(0, 100);
    var chunks = {};
    shown.forEach(function (id) { chunks[Math.floor(id / meta.doc_chunk)] = true; });
    var names = Object.keys(chunks);
    return Promise.all(names.map(function (c) { return get("docs/" + c + ".json?v=" + meta.chunks[c]); })).then(function (docs) {
      var byChunk = {};
      names.forEach(function (c, i) { byChunk[c] = docs[i]; });
      shown.forEach(function (id) {
        var d = byChunk[Math.floor(id / meta.doc_chunk)][id % meta.doc_chunk];
        if (!d) { return; }
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.className = "title";
        a.href = base + d[1];
        a.textContent = d[0];
        var m = document.createElement("span");
        m.className = "meta";
        m.textContent = (d[3] ? d[3] + " · " : "") + d[2];
        li.appendChild(a);
        li.appendChild(m);
        results.appendChild(li);
      });
      status.textContent = ids.length === 0 ? "没有找到“" + query + "”" :
        "找到 " + ids.length + " 篇" + (ids.length > shown.length ? "，显示最新的 " + shown.length + " 篇" : "");
    });
  }

  // Posts whose original was deleted, by index number (changes/deleted.json).
  function deletedIds() {
    return fetch(base + "/changes/deleted.json").then(function (r) {
      return r.ok ? r.json() : { ids: [] };
    }).then(function (d) { return d.ids || []; });
  }

  function search(query) {
    var toks = tokens(query);
    var onlyDeleted = deletedOnly && deletedOnly.checked;
    if (toks.length === 0 && !onlyDeleted) { status.textContent = ""; results.textContent = ""; return; }
    status.textContent = "搜索中…";
    get("meta.json").then(function (meta) {
      var lists = toks.map(function (t) { return postings(meta, t); });
      if (onlyDeleted) { lists.push(deletedIds()); }
      return Promise.all(lists).then(function (lists) {
        lists.sort(function (a, b) { return a.length - b.length; });
        var hits = lists[0];
        for (var i = 1; i < lists.length; i++) {
          var set = new Set(lists[i]);
          hits = hits.filter(function (id) { return set.has(id); });
        }
        return show(meta, Array.from(new Set(hits)), query);
      });
    }).catch(function (e) { status.textContent = "搜索索引无法读取：" + e.message; });
  }

  var params = new URLSearchParams(location.search);
  var q = params.get("q") || "";
  if (deletedOnly && params.get("deleted") === "1") { deletedOnly.checked = true; }
  if (q || (deletedOnly && deletedOnly.checked)) { input.value = q; search(q); }
  document.querySelector("form.search").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var value = input.value.trim();
    history.replaceState(null, "", "?q=" + encodeURIComponent(value) + (deletedOnly && deletedOnly.checked ? "&deleted=1" : ""));
    search(value);
  });
})();
