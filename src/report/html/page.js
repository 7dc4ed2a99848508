// bgsim's HTML timeline: draws the runs embedded in #data as SVG lanes. No libraries, no
// network. Every string from the data is rendered with textContent, never as markup.
(function () {
  'use strict';
  var started = performance.now();
  var data = JSON.parse(document.getElementById('data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var LABEL = 150, AXIS = 26, STATE = 16, THIN = 12, EVENTS = 18, TASK = 16, BUCKET = 2;
  var KINDS = ['callback', 'sdk', 'handler', 'wake', 'attempt', 'error', 'step', 'state', 'system'];

  function html(tag, parent, cls, str) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (str !== undefined) e.textContent = str;
    if (parent) parent.appendChild(e);
    return e;
  }
  function svg(tag, parent, attrs) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    parent.appendChild(e);
    return e;
  }
  function pad(n, w) { var s = String(n); while (s.length < w) s = '0' + s; return s; }
  // Virtual microseconds as the history writes them, to the millisecond.
  function fmtTime(us) {
    var s = Math.floor(us / 1e6), ms = Math.floor(us / 1000) % 1000;
    return Math.floor(s / 86400) + 'd' + pad(Math.floor(s / 3600) % 24, 2) + ':' +
      pad(Math.floor(s / 60) % 60, 2) + ':' + pad(s % 60, 2) + '.' + pad(ms, 3);
  }

  document.getElementById('heading').textContent = data.title;
  document.getElementById('note').textContent = data.note || '';
  var index = document.getElementById('index');
  var main = document.getElementById('scenarios');
  var details = {
    title: document.getElementById('detail-title'),
    line: document.getElementById('detail-line'),
    events: document.getElementById('detail-events')
  };
  var tip = document.getElementById('tip');

  function makeSection(sc, i) {
    var li = html('li', index, sc.passed ? 'pass' : 'fail');
    var a = html('a', li, null, (sc.passed ? 'PASS ' : 'FAIL ') + sc.name);
    a.href = '#s' + i;
    html('span', li, null, ' (' + sc.file + ')');
    var root = html('section', main);
    root.id = 's' + i;
    html('h2', root, sc.passed ? 'pass' : 'fail', (sc.passed ? 'PASS ' : 'FAIL ') + sc.name);
    html('div', root, 'verdict', sc.file + ' · app ' + sc.app + ' · seed ' + sc.seed + ' · ' + sc.verdict);
    var t = sc.timeline;
    var s = { sc: sc, t: t, v0: 0, v1: Math.max(t.axis.pieces[t.axis.pieces.length - 1].x1, 1), hl: {}, root: root };
    s.viol = {};
    t.violations.forEach(function (v) { v.events.forEach(function (e) { s.viol[e] = true; }); });
    if (t.violations.length) {
      var ol = html('ol', root, 'violations');
      t.violations.forEach(function (v, vi) {
        var item = html('li', ol, 'violation' + (v.expected ? ' expected' : ''));
        item.dataset.v = vi;
        html('b', item, null, v.check + (v.expected ? ' (expected)' : '') + ': ');
        html('span', item, null, v.statement);
        html('div', item, 'message', v.message);
        html('div', item, 'why', 'why: ' + v.explanation);
        item.addEventListener('click', function () { selectViolation(s, vi, item); });
      });
    }
    var controls = html('div', root, 'controls');
    [['−', function () { zoom(s, 2); }], ['+', function () { zoom(s, 0.5); }],
     ['reset', function () { s.v0 = 0; s.v1 = s.end; draw(s); }]].forEach(function (b) {
      var button = html('button', controls, 'zoom', b[0]);
      button.type = 'button';
      button.addEventListener('click', b[1]);
    });
    s.rangeLabel = html('span', controls, 'range');
    html('span', controls, null, '  drag on the chart to zoom into a range; click a mark for its history line');
    s.end = s.v1;
    s.chart = html('div', root, 'chart');
    var legend = html('div', root, 'legend');
    KINDS.forEach(function (k) {
      var span = html('span', legend);
      html('i', span).style.background = fillOf(k);
      span.appendChild(document.createTextNode(k));
    });
    draw(s);
    return s;
  }

  // The legend swatches take the colour the marks get from the style sheet.
  var fills = {};
  function fillOf(kind) {
    if (fills[kind]) return fills[kind];
    var probe = svg('svg', document.body, {});
    var r = svg('rect', probe, { 'class': 'k-' + kind });
    fills[kind] = getComputedStyle(r).fill;
    document.body.removeChild(probe);
    return fills[kind];
  }

  function zoom(s, factor) {
    var mid = (s.v0 + s.v1) / 2, half = (s.v1 - s.v0) * factor / 2;
    setView(s, mid - half, mid + half);
  }
  function setView(s, a, b) {
    var span = Math.min(Math.max(b - a, 100), s.end);
    a = Math.max(0, Math.min(a, s.end - span));
    s.v0 = a; s.v1 = a + span;
    draw(s);
  }

  function draw(s) {
    var t = s.t, width = Math.max(s.chart.clientWidth || 0, 600), plot = width - LABEL - 8;
    var v0 = s.v0, v1 = s.v1, scale = plot / (v1 - v0);
    function px(x) { return LABEL + (x - v0) * scale; }
    function clip(a, b) { return b >= v0 && a <= v1; }
    var height = AXIS + STATE + (t.lanes.length - 1) * THIN + EVENTS + t.tasks.length * TASK + 4;
    while (s.chart.firstChild) s.chart.removeChild(s.chart.firstChild);
    var root = svg('svg', s.chart, { width: width, height: height, 'class': 'timeline' });
    s.svg = root;
    s.rangeLabel.textContent = timeAt(t, v0) + ' – ' + timeAt(t, v1);
    // The axis: squeezed gaps with their length, and ticks in virtual time.
    var labelEnd = 0;
    t.axis.pieces.forEach(function (p) {
      if (!p.gap || !clip(p.x0, p.x1)) return;
      var x = px(p.x0), w = Math.max(px(p.x1) - x, 2);
      var band = svg('rect', root, { x: x, y: 0, width: w, height: height, 'class': 'gap' });
      svg('title', band, {}).textContent = 'no event for ' + p.label;
      // A label that would run into the one before it is cut to `⋯`: hover the break, or
      // zoom, for its length.
      var label = svg('text', root, { x: x + 2, y: 22, 'class': 'gap-label' });
      var fits = x + 2 >= labelEnd;
      label.textContent = fits ? p.label : '⋯';
      if (fits) labelEnd = x + 2 + p.label.length * 5.5;
    });
    for (var i = 0; i <= 6; i++) {
      var tx = v0 + (v1 - v0) * i / 6, tp = piece(t, tx);
      if (tp && tp.gap) continue;
      svg('line', root, { x1: px(tx), x2: px(tx), y1: 12, y2: height, 'class': 'tick' });
      svg('text', root, { x: px(tx) - (i === 6 ? 70 : 0), y: 10 }).textContent = timeAt(t, tx);
    }
    var y = AXIS;
    t.lanes.forEach(function (lane, li) {
      var h = li === 0 ? STATE : THIN;
      svg('text', root, { x: 4, y: y + h - 2 }).textContent = lane.name;
      var g = svg('g', root, { 'class': 'lane lane-' + lane.name.replace(/ /g, '-') });
      lane.segs.forEach(function (seg) {
        if (!clip(seg[0], seg[1])) return;
        var a = Math.max(px(seg[0]), LABEL), b = Math.min(px(seg[1]), width);
        var r = svg('rect', g, { x: a, y: y + 1, width: Math.max(b - a, 1), height: h - 2, 'class': 'st st-' + seg[2] });
        svg('title', r, {}).textContent = lane.name + ': ' + seg[2];
      });
      if (li === 0) {
        t.wakes.forEach(function (w) {
          if (!clip(w[0], w[1])) return;
          var a = Math.max(px(w[0]), LABEL);
          var r = svg('rect', g, { x: a, y: y + h - 5, width: Math.max(Math.min(px(w[1]), width - 8) - a, 2), height: 4, 'class': 'wake', 'data-seq': w[2] });
          svg('title', r, {}).textContent = 'wake budget: ' + t.lines[w[2]];
        });
      }
      y += h;
    });
    svg('text', root, { x: 4, y: y + EVENTS - 5 }).textContent = 'app & system';
    marks(s, root, t.marks, y, EVENTS, px, scale);
    y += EVENTS;
    t.tasks.forEach(function (task) {
      var g = svg('g', root, { 'class': 'task' });
      var name = task.name + ' ×' + task.attempts;
      // Long session identifiers keep their end (the task number) within the label column.
      var label = svg('text', g, { x: 4, y: y + TASK - 4 });
      label.textContent = name.length > 26 ? '…' + name.slice(name.length - 25) : name;
      svg('title', label, {}).textContent = name + ' ' + task.url;
      if (clip(task.x0, task.x1)) {
        var a = Math.max(px(task.x0), LABEL);
        var span = svg('rect', g, { x: a, y: y + 1, width: Math.max(Math.min(px(task.x1), width) - a, 1), height: TASK - 2, 'class': 'task-span' });
        svg('title', span, {}).textContent = task.name + ' ' + task.url;
      }
      var max = 1, pts = [];
      task.bytes.forEach(function (b) { max = Math.max(max, b[1]); });
      task.bytes.forEach(function (b, bi) {
        var next = task.bytes[bi + 1], prev = task.bytes[bi - 1];
        if (b[0] < v0 && !(next && next[0] >= v0)) return;
        if (b[0] > v1 && !(prev && prev[0] <= v1)) return;
        pts.push(px(b[0]).toFixed(1) + ',' + (y + TASK - 2 - b[1] / max * (TASK - 4)).toFixed(1));
      });
      if (pts.length) svg('polyline', g, { points: pts.join(' '), 'class': 'bytes' });
      marks(s, g, task.marks, y, TASK, px, scale);
      y += TASK;
    });
    dragToZoom(s, root, px, scale);
  }

  // Marks in view, at most one per BUCKET pixels of a lane (the first event there), so a
  // lane of thousands of events stays a few hundred elements; highlighted and violating
  // events are always drawn.
  function marks(s, parent, list, y, h, px, scale) {
    var t = s.t, taken = {};
    list.forEach(function (m) {
      var x = t.x[m[0]];
      if (x < s.v0 || x > s.v1) return;
      var bucket = Math.floor(px(x) / BUCKET), special = s.hl[m[0]] || s.viol[m[0]];
      if (taken[bucket] && !special) { taken[bucket].more++; return; }
      var cls = 'mark k-' + m[1] + (s.viol[m[0]] ? ' viol' : '') + (s.hl[m[0]] ? ' hl' : '');
      var r = svg('rect', parent, { x: px(x) - 1.5, y: y + 2, width: 3, height: h - 4, 'class': cls, 'data-seq': m[0] });
      if (!taken[bucket]) taken[bucket] = { more: 0, el: r };
    });
    Object.keys(taken).forEach(function (k) {
      if (taken[k].more) taken[k].el.setAttribute('data-more', taken[k].more);
    });
  }

  function piece(t, x) {
    var ps = t.axis.pieces;
    for (var i = 0; i < ps.length; i++) if (x <= ps[i].x1) return ps[i];
    return ps[ps.length - 1];
  }
  function timeAt(t, x) {
    var p = piece(t, x);
    if (p.gap) return fmtTime(p.t0) + ' ' + p.label;
    return fmtTime(p.t0 + Math.max(0, x - p.x0));
  }

  function dragToZoom(s, root, px, scale) {
    var start = null, band = null;
    function at(e) { return e.clientX - root.getBoundingClientRect().left; }
    root.addEventListener('mousedown', function (e) {
      if (e.button !== 0 || at(e) < LABEL) return;
      start = at(e);
      band = svg('rect', root, { x: start, y: 0, width: 0, height: root.getAttribute('height'), 'class': 'selection' });
    });
    root.addEventListener('mousemove', function (e) {
      var target = e.target.getAttribute && e.target.getAttribute('data-seq');
      if (target !== null && target !== undefined && !start) {
        tip.hidden = false;
        tip.textContent = s.t.lines[+target];
        tip.style.left = Math.min(e.clientX + 12, window.innerWidth - 400) + 'px';
        tip.style.top = (e.clientY + 14) + 'px';
      } else tip.hidden = true;
      if (start === null) return;
      var now = at(e);
      band.setAttribute('x', Math.min(start, now));
      band.setAttribute('width', Math.abs(now - start));
    });
    root.addEventListener('mouseleave', function () { tip.hidden = true; });
    root.addEventListener('mouseup', function (e) {
      if (start === null) return;
      var end = at(e), a = Math.min(start, end), b = Math.max(start, end);
      start = null;
      if (band.parentNode) band.parentNode.removeChild(band);
      // A press without a drag is a click on a mark, not a zoom.
      if (b - a < 5) return;
      setView(s, s.v0 + (a - LABEL) / scale, s.v0 + (b - LABEL) / scale);
    });
    root.addEventListener('click', function (e) {
      var seq = e.target.getAttribute && e.target.getAttribute('data-seq');
      if (seq === null || seq === undefined) return;
      var more = e.target.getAttribute('data-more');
      show(s, 'Event #' + seq + (more ? ' (and ' + more + ' more here: zoom in to see them)' : ''), [+seq], +seq);
    });
  }

  // The details panel: a title, the history line of one event, and a list of events.
  function show(s, title, events, one) {
    details.title.textContent = s.sc.name + ' — ' + title;
    details.line.textContent = one === undefined ? '' : s.t.lines[one];
    while (details.events.firstChild) details.events.removeChild(details.events.firstChild);
    if (one !== undefined) return;
    events.forEach(function (e) {
      var li = html('li', details.events, null, s.t.lines[e]);
      li.addEventListener('click', function () { show(s, 'Event #' + e, [e], e); });
    });
  }

  function selectViolation(s, vi, item) {
    var v = s.t.violations[vi];
    var items = s.root.querySelectorAll('.violation');
    for (var i = 0; i < items.length; i++) items[i].classList.remove('selected');
    item.classList.add('selected');
    s.hl = {};
    v.events.forEach(function (e) { s.hl[e] = true; });
    show(s, v.check + ': ' + v.message, v.events);
    if (v.events.length) {
      var xs = v.events.map(function (e) { return s.t.x[e]; });
      var a = Math.min.apply(null, xs), b = Math.max.apply(null, xs), margin = Math.max((b - a) * 0.1, 500000);
      setView(s, a - margin, b + margin);
    } else draw(s);
    s.chart.scrollIntoView({ block: 'nearest' });
  }

  // Drawn last: every function and table above is defined by then.
  var sections = data.scenarios.map(function (sc, i) { return makeSection(sc, i); });
  window.bgsimRenderMs = performance.now() - started;
  window.bgsimSections = sections.length;
})();
