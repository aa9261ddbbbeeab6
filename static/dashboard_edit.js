// The dashboard editor: widgets on a 12-column grid, moved by their bar and resized by their
// corner with the mouse (pointer events, snapped to the grid), or with the arrow keys when
// focused (Shift resizes). The grid has gravity, as in the grid editors people know: a card
// moved or grown onto others pushes them down, then every card floats up as far as it can
// (the same rule as src/app/dashboard/layout.rs `compact`), so no two cards ever share a cell.
// Each card shows its widget's real content (the dashboard's own widget partial, reloaded
// after a resize). Also: the name and description, the filters and what each drives, add from
// any report's visualizations, add text, remove, undo; Save posts the definition and shows a
// refusal beside its field, the edit kept. No framework, no build step.
(function () {
  'use strict';
  var tools = document.getElementById('tools');
  var grid = document.getElementById('grid');
  if (!tools || !grid) return;
  var dashboardId = tools.dataset.id;
  var def = JSON.parse(tools.dataset.state);
  var reports = JSON.parse(tools.dataset.reports);
  var presets = JSON.parse(tools.dataset.presets);
  var history = [];
  var COLS = 12;
  def.widgets = def.widgets || [];
  def.filters = def.filters || [];
  // What the server can draw: the widgets as stored (a new or changed one is drawn on Save).
  var stored = {};
  def.widgets.forEach(function (w) { stored[w.id] = content(w); });

  function content(w) { return JSON.stringify([w.kind, w.reportId, w.visualizationId, w.text, w.parameters, w.title]); }
  function byId(id) { return def.widgets.filter(function (w) { return w.id === id; })[0]; }
  function snapshot() {
    history.push(JSON.stringify({ widgets: def.widgets, filters: def.filters }));
    document.getElementById('undo').disabled = false;
  }
  function clamp(w) {
    w.w = Math.max(1, Math.min(COLS, w.w));
    w.h = Math.max(1, Math.min(40, w.h));
    w.x = Math.max(0, Math.min(COLS - w.w, w.x));
    w.y = Math.max(0, w.y);
  }

  // Gravity. `settle` is layout.rs `compact` with the order given: each card goes below the
  // settled ones it would cover, then up to the nearest settled card above it in its columns.
  function beside(a, b) { return a.x < b.x + b.w && b.x < a.x + a.w; }
  function overlaps(a, b) { return beside(a, b) && a.y < b.y + b.h && b.y < a.y + a.h; }
  function settle(order) {
    var done = [];
    order.forEach(function (w) {
      for (;;) {
        var hit = done.filter(function (s) { return overlaps(s, w); });
        if (!hit.length) break;
        w.y = Math.max.apply(null, hit.map(function (s) { return s.y + s.h; }));
      }
      var top = 0;
      done.forEach(function (s) { if (beside(s, w) && s.y + s.h <= w.y) top = Math.max(top, s.y + s.h); });
      w.y = top;
      done.push(w);
    });
  }
  function compact() {
    settle(def.widgets.map(function (w, i) { return [w, i]; })
      .sort(function (a, b) { return a[0].y - b[0].y || a[0].x - b[0].x || a[1] - b[1]; })
      .map(function (e) { return e[0]; }));
  }
  // `m` was moved or resized from `from`: the cards it now covers are pushed below it, and
  // moving down, a card it has passed the middle of settles above it (the two swap); then
  // everything settles by row, as `compact` does.
  function arrange(m, from) {
    var down = m.y > from.y;
    var keyed = def.widgets.map(function (o, i) {
      var k = o.y;
      if (o !== m && beside(o, m)) {
        if (down && o.y >= from.y && m.y + m.h > o.y + o.h / 2) k = m.y - 0.5;
        else if (overlaps(o, m)) { o.y = m.y + m.h; k = o.y - 0.5; }
      }
      return { w: o, k: k, i: i };
    });
    keyed.sort(function (a, b) { return a.k - b.k || a.w.x - b.w.x || a.i - b.i; });
    settle(keyed.map(function (e) { return e.w; }));
  }
  // Changes `id` by `change(w)` from the layout `start` (JSON), with gravity.
  function apply(start, id, change) {
    def.widgets = JSON.parse(start);
    var m = byId(id), from = { x: m.x, y: m.y, w: m.w, h: m.h };
    change(m);
    clamp(m);
    arrange(m, from);
    return m;
  }

  function title(w) {
    if (w.kind === 'text') return 'Text: ' + (w.text || '').slice(0, 40);
    if (w.kind === 'filter_bar') return 'Filters';
    var r = reportOf(w);
    var v = r && r.visualizations.filter(function (v) { return v.id === w.visualizationId; })[0];
    return (w.title || (v && v.title) || w.visualizationId || w.id) + (r ? ' · ' + r.name : '');
  }
  function reportOf(w) { return reports.filter(function (r) { return r.id === w.reportId; })[0]; }
  function cell() {
    var r = grid.getBoundingClientRect();
    var rowH = parseFloat(getComputedStyle(grid).gridAutoRows) || 48;
    var gap = parseFloat(getComputedStyle(grid).columnGap) || 0;
    return { w: (r.width + gap) / COLS, h: rowH + gap };
  }

  // The cards: one element per widget id, kept across changes (its content stays loaded).
  var els = {};
  function place(el, w) {
    el.style.gridColumn = (w.x + 1) + ' / span ' + w.w;
    el.style.gridRow = (w.y + 1) + ' / span ' + w.h;
    var at = w.w + '×' + w.h + ' at ' + (w.x + 1) + ',' + (w.y + 1);
    el.querySelector('.pos').textContent = at;
    // At a phone's width the bar has no room for it: its tooltip says it.
    el.querySelector('.widget-bar').title = title(w) + ' · ' + at;
  }
  function card(w) {
    var el = document.createElement('section');
    el.className = 'widget edit';
    el.tabIndex = 0;
    el.dataset.widgetId = w.id;
    el.setAttribute('aria-label', title(w) + ': arrows move, Shift+arrows resize, Delete removes');
    el.innerHTML = '<div class="widget-bar" data-drag-handle><span class="widget-name"></span><span class="pos muted"></span>' +
      '<button type="button" class="remove" aria-label="Remove">✕</button></div>' +
      '<div class="widget-body" inert></div><div class="resize" data-resize-handle aria-hidden="true"></div>';
    el.querySelector('.widget-name').textContent = title(w);
    el.querySelector('.remove').addEventListener('click', function () { remove(w.id); });
    // Moved by any part of it (its content takes no pointer), resized by its corner.
    drag(el, el, w.id, false);
    drag(el.querySelector('[data-resize-handle]'), el, w.id, true);
    el.addEventListener('keydown', function (e) {
      if (e.target !== el) return;
      if (e.key === 'Delete') { remove(w.id); return; }
      var d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
      if (!d) return;
      e.preventDefault();
      key(w.id, d[0], d[1], e.shiftKey);
    });
    return el;
  }
  function draw() {
    var seen = {};
    def.widgets.forEach(function (w) {
      seen[w.id] = true;
      var el = els[w.id];
      if (!el) { el = els[w.id] = card(w); grid.appendChild(el); load(w.id); }
      // A new width (a resize, an undo): its chart drawn again for it, once it settles.
      else if (+el.dataset.w !== w.w) reloadSoon(w.id);
      el.dataset.w = w.w;
      place(el, w);
    });
    Object.keys(els).forEach(function (id) { if (!seen[id]) { els[id].remove(); delete els[id]; } });
    // The filter panel lists the widgets: drawn again when they change, not as they move.
    var names = JSON.stringify(def.widgets.map(function (w) { return [w.id, title(w)]; }).concat(def.filters));
    if (names !== drawnFilters) renderFilters();
  }
  var drawnFilters = '';
  function remove(id) {
    snapshot();
    def.widgets = def.widgets.filter(function (w) { return w.id !== id; });
    def.filters.forEach(function (f) { f.targets = f.targets.filter(function (t) { return t.widgetId !== id; }); });
    compact();
    draw();
  }
  // An arrow key: one cell, with gravity. Up or down, the card goes on until it has moved
  // (past the card in its way: the two swap) or cannot.
  function key(id, dx, dy, resize) {
    var start = JSON.stringify(def.widgets), was = byId(id), y0 = was.y;
    var steps = !resize && dy ? y0 + was.h + 1 + def.widgets.reduce(function (m, w) { return Math.max(m, w.y + w.h); }, 0) : 1;
    for (var k = 1; k <= steps; k++) {
      var m = apply(start, id, function (m) {
        if (resize) { m.w += dx; m.h += dy; } else { m.x += dx; m.y += dy * k; }
      });
      if (resize || !dy || m.y !== y0 || (dy < 0 && m.y === 0)) break;
    }
    if (JSON.stringify(def.widgets) === start) { def.widgets = JSON.parse(start); return; }
    history.push(JSON.stringify({ widgets: JSON.parse(start), filters: def.filters }));
    document.getElementById('undo').disabled = false;
    draw();
    els[id].focus();
  }

  // Dragging: from the layout when it started, the card snapped to the cell under the
  // pointer and the others arranged around it at each step.
  function drag(handle, el, id, resize) {
    handle.addEventListener('pointerdown', function (e) {
      if (e.target.closest('button') || (!resize && e.target.closest('[data-resize-handle]'))) return;
      e.preventDefault();
      handle.setPointerCapture(e.pointerId);
      var start = JSON.stringify(def.widgets), c = cell(), last = '0,0';
      var p0 = { x: e.clientX, y: e.clientY };
      el.focus({ preventScroll: true });
      el.classList.add('dragging');
      function move(ev) {
        var dx = Math.round((ev.clientX - p0.x) / c.w), dy = Math.round((ev.clientY - p0.y) / c.h);
        if (dx + ',' + dy === last) return;
        last = dx + ',' + dy;
        apply(start, id, function (m) {
          if (resize) { m.w += dx; m.h += dy; } else { m.x += dx; m.y += dy; }
        });
        draw();
      }
      function up() {
        el.classList.remove('dragging');
        handle.removeEventListener('pointermove', move);
        handle.removeEventListener('pointerup', up);
        if (JSON.stringify(def.widgets) === start) return;
        history.push(JSON.stringify({ widgets: JSON.parse(start), filters: def.filters }));
        document.getElementById('undo').disabled = false;
      }
      handle.addEventListener('pointermove', move);
      handle.addEventListener('pointerup', up);
    });
  }

  // A card's content: the dashboard's own widget partial, drawn for the card's width; a
  // widget added or changed here and not saved yet is drawn the same way from what the editor
  // has (`/dashboards/{id}/edit/widget`).
  var timers = {};
  function reloadSoon(id) {
    clearTimeout(timers[id]);
    timers[id] = setTimeout(function () { load(id); }, 400);
  }
  function load(id) {
    var w = byId(id), el = els[id];
    if (!w || !el) return;
    var body = el.querySelector('.widget-body');
    var width = Math.floor(body.clientWidth) - 16;
    var url = '/dashboards/' + encodeURIComponent(dashboardId);
    if (stored[id] === content(w)) {
      url += '/widgets/' + encodeURIComponent(id) + (width > 0 ? '?w=' + width : '');
    } else {
      var draft = JSON.parse(JSON.stringify(w));
      delete draft.x; delete draft.y; delete draft.w; delete draft.h;
      url += '/edit/widget?widget=' + encodeURIComponent(JSON.stringify(draft)) + (width > 0 ? '&w=' + width : '');
    }
    if (!body.childNodes.length) body.innerHTML = '<p class="loading muted">Loading…</p>';
    var asked = content(w);
    fetch(url, { credentials: 'same-origin' }).then(function (r) { return r.text().then(function (t) { return [r.ok, t]; }); })
      .then(function (res) {
        if (!els[id] || !byId(id) || content(byId(id)) !== asked) return;
        body.innerHTML = res[0] ? res[1] : '<p class="muted">This widget cannot be shown now.</p>';
        body.dataset.loaded = '1';
      })
      .catch(function () { body.innerHTML = '<p class="muted">This widget cannot be shown now.</p>'; });
  }

  function freshId(base, taken) {
    var id = base.replace(/[^A-Za-z0-9_-]/g, '_') || 'widget', n = 1, out = id;
    while (taken(out)) out = id + '_' + (++n);
    return out;
  }
  function widgetTaken(id) { return def.widgets.some(function (w) { return w.id === id; }); }
  var rsel = document.getElementById('add-report'), vsel = document.getElementById('add-viz');
  reports.forEach(function (r) { var o = document.createElement('option'); o.value = r.id; o.textContent = r.name; rsel.appendChild(o); });
  function fillViz() {
    vsel.textContent = '';
    var r = reports.filter(function (r) { return r.id === rsel.value; })[0];
    (r ? r.visualizations : []).forEach(function (v) {
      var o = document.createElement('option'); o.value = v.id; o.textContent = v.title + ' (' + v.type + ')'; o.dataset.type = v.type; vsel.appendChild(o);
    });
  }
  function bottom() { return def.widgets.reduce(function (m, w) { return Math.max(m, w.y + w.h); }, 0); }
  function add(w) {
    snapshot();
    w.x = 0;
    w.y = bottom();
    def.widgets.push(w);
    compact();
    draw();
  }
  rsel.addEventListener('change', fillViz);
  fillViz();
  document.getElementById('add-widget').addEventListener('click', function () {
    if (!vsel.value) return;
    var type = vsel.selectedOptions[0].dataset.type;
    var size = type === 'kpi' ? [3, 2] : type === 'table' ? [12, 8] : [6, 5];
    add({ id: freshId(vsel.value, widgetTaken), kind: 'visualization', reportId: rsel.value, visualizationId: vsel.value,
          w: size[0], h: size[1] });
  });
  document.getElementById('add-text').addEventListener('click', function () {
    var text = document.getElementById('add-text-value').value.trim();
    if (!text) return;
    add({ id: freshId('text', widgetTaken), kind: 'text', text: text, w: 12, h: 2 });
  });
  document.getElementById('undo').addEventListener('click', function () {
    if (!history.length) return;
    var back = JSON.parse(history.pop());
    def.widgets = back.widgets;
    def.filters = back.filters;
    document.getElementById('undo').disabled = !history.length;
    draw();
  });

  // The name and description.
  var nameInput = document.getElementById('dash-name'), descInput = document.getElementById('dash-description');
  nameInput.value = def.name || '';
  descInput.value = def.description || '';
  nameInput.addEventListener('input', function () { def.name = nameInput.value; });
  descInput.addEventListener('input', function () { def.description = descInput.value; });
  var insightsBox = document.getElementById('dash-insights');
  insightsBox.checked = !!def.insights;
  insightsBox.addEventListener('change', function () { def.insights = insightsBox.checked; });

  // Filters: each drives report parameters or builder fields of the widgets ticked for it.
  var KINDS = [['date_range', 'Date range'], ['select', 'Choice'], ['multi_select', 'Several choices'],
               ['number_range', 'Number range'], ['text', 'Text']];
  var list = document.getElementById('filter-list');
  function opt(sel, value, text, selected) {
    var o = document.createElement('option');
    o.value = value; o.textContent = text; o.selected = !!selected;
    sel.appendChild(o);
    return o;
  }
  function field(labelText, input) {
    var l = document.createElement('label');
    l.appendChild(document.createTextNode(labelText));
    l.appendChild(input);
    return l;
  }
  function el(tag, attrs) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  // What widget `w` offers filter `f`: `parameter:<name>` or `field:<name>`, best fits first.
  function drives(w, f) {
    var r = reportOf(w), out = [];
    if (!r) return out;
    var want = { date_range: ['date'], number_range: ['number'], select: ['enum', 'string', 'text'],
                 multi_select: ['enum', 'string', 'text'], text: ['string', 'text', 'enum'] }[f.type] || [];
    (r.parameters || []).forEach(function (p) {
      out.push({ value: 'parameter:' + p.name, text: 'parameter ' + (p.label || p.name) + ' (' + p.type + ')', fit: want.indexOf(p.type) >= 0 });
    });
    var v = r.visualizations.filter(function (v) { return v.id === w.visualizationId; })[0];
    ((v && v.fields) || []).forEach(function (x) {
      out.push({ value: 'field:' + x.name, text: 'field ' + x.name + ' (' + x.kind + ')', fit: want.indexOf(x.kind) >= 0 });
    });
    return out.filter(function (d) { return d.fit; }).concat(out.filter(function (d) { return !d.fit; }));
  }
  function defaultInput(f) {
    var box = el('span', { 'class': 'filter-default' });
    if (f.type === 'date_range') {
      var s = el('select', { name: 'default' });
      var custom = f.default && f.default.indexOf('..') >= 0;
      opt(s, '', 'any time', !f.default);
      presets.forEach(function (p) { opt(s, p[0], p[1], f.default === p[0]); });
      opt(s, '..', 'custom: from..to', custom);
      var range = el('input', { name: 'default-range', placeholder: '2025-01-01..2025-03-31', 'aria-label': 'From..to', maxlength: '40' });
      range.value = custom ? f.default : '';
      range.hidden = !custom;
      s.addEventListener('change', function () {
        range.hidden = s.value !== '..';
        f.default = s.value === '..' ? (range.value.trim() || undefined) : (s.value || undefined);
        if (!range.hidden) range.focus();
      });
      range.addEventListener('input', function () { f.default = range.value.trim() || undefined; });
      box.appendChild(s);
      box.appendChild(range);
      return box;
    }
    var hint = { select: 'a value', multi_select: 'a, b, c', number_range: 'from..to', text: 'words' }[f.type];
    var i = el('input', { name: 'default', placeholder: hint, maxlength: '500' });
    i.value = f.default || '';
    i.addEventListener('input', function () { f.default = i.value.trim() || undefined; });
    box.appendChild(i);
    return box;
  }
  function renderFilters() {
    drawnFilters = JSON.stringify(def.widgets.map(function (w) { return [w.id, title(w)]; }).concat(def.filters));
    var focused = document.activeElement && list.contains(document.activeElement) ? document.activeElement : null;
    var focusKey = focused && [focused.closest('[data-filter-id]').dataset.filterId, focused.name, focused.value].join('\u0000');
    list.textContent = '';
    if (!def.filters.length) {
      var none = el('p', { 'class': 'muted' });
      none.textContent = 'No filters. A filter sets report parameters or narrows builder fields of the widgets it drives, from the bar above the dashboard.';
      list.appendChild(none);
    }
    def.filters.forEach(function (f, fi) {
      var box = el('fieldset', { 'class': 'filter-edit', 'data-filter-id': f.id, 'data-index': String(fi) });
      var legend = el('legend');
      legend.textContent = f.label || 'New filter';
      box.appendChild(legend);
      var label = el('input', { name: 'label', required: '', maxlength: '200', placeholder: 'Period' });
      label.value = f.label || '';
      label.addEventListener('input', function () { f.label = label.value; legend.textContent = f.label || 'New filter'; });
      var type = el('select', { name: 'type' });
      KINDS.forEach(function (k) { opt(type, k[0], k[1], f.type === k[0]); });
      type.addEventListener('change', function () { snapshot(); f.type = type.value; f.default = undefined; renderFilters(); });
      var row = el('div', { 'class': 'filter-row' });
      row.appendChild(field('Label', label));
      row.appendChild(field('Type', type));
      row.appendChild(field('Default', defaultInput(f)));
      box.appendChild(row);
      var targets = el('div', { 'class': 'filter-targets', role: 'group', 'aria-label': 'Widgets it drives' });
      var head = el('p', { 'class': 'muted' });
      head.textContent = 'Drives';
      targets.appendChild(head);
      def.widgets.filter(function (w) { return w.kind === 'visualization' || !w.kind; }).forEach(function (w) {
        var t = f.targets.filter(function (t) { return t.widgetId === w.id; })[0];
        var offered = drives(w, f);
        var line = el('div', { 'class': 'filter-target', 'data-target': w.id });
        var cb = el('input', { type: 'checkbox', name: 'target', value: w.id });
        cb.checked = !!t;
        cb.disabled = !offered.length && !t;
        var l = el('label');
        l.appendChild(cb);
        l.appendChild(document.createTextNode(' ' + title(w)));
        line.appendChild(l);
        cb.addEventListener('change', function () {
          snapshot();
          if (cb.checked) {
            var d = offered[0].value.split(':');
            var nt = { widgetId: w.id };
            nt[d[0]] = d.slice(1).join(':');
            f.targets.push(nt);
          } else {
            f.targets = f.targets.filter(function (t) { return t.widgetId !== w.id; });
          }
          renderFilters();
        });
        if (!offered.length) {
          var n = el('span', { 'class': 'muted' });
          n.textContent = ' (no parameters or fields to drive)';
          line.appendChild(n);
        }
        if (t) {
          var s = el('select', { name: 'drive', 'aria-label': 'What it drives on ' + title(w) });
          var cur = t.parameter !== undefined ? 'parameter:' + t.parameter : 'field:' + t.field;
          if (!offered.some(function (d) { return d.value === cur; })) opt(s, cur, cur.replace(':', ' ') + ' (unknown)', true);
          offered.forEach(function (d) { opt(s, d.value, d.text, d.value === cur); });
          s.addEventListener('change', function () {
            var d = s.value.split(':');
            delete t.parameter; delete t.field;
            t[d[0]] = d.slice(1).join(':');
          });
          line.appendChild(s);
        }
        targets.appendChild(line);
      });
      box.appendChild(targets);
      var rm = el('button', { type: 'button', 'data-action': 'remove-filter' });
      rm.textContent = 'Remove filter';
      rm.addEventListener('click', function () { snapshot(); def.filters.splice(fi, 1); renderFilters(); });
      box.appendChild(rm);
      list.appendChild(box);
    });
    if (focusKey) {
      var again = Array.prototype.filter.call(list.querySelectorAll('input, select, button'), function (x) {
        var b = x.closest('[data-filter-id]');
        return b && [b.dataset.filterId, x.name, x.value].join('\u0000') === focusKey;
      })[0];
      if (again) again.focus();
    }
  }
  document.querySelector('[data-action="add-filter"]').addEventListener('click', function () {
    snapshot();
    var id = freshId('filter', function (x) { return def.filters.some(function (f) { return f.id === x; }); }).replace(/-/g, '_');
    def.filters.push({ id: id, label: '', type: 'date_range', targets: [], _new: true });
    renderFilters();
    var boxes = list.querySelectorAll('[data-filter-id]');
    boxes[boxes.length - 1].querySelector('input[name=label]').focus();
  });

  // Save: posted by script, so that a refusal is shown beside its field with the edit kept.
  var form = document.getElementById('save-dashboard'), problem = document.getElementById('save-error');
  function definition() {
    var out = JSON.parse(JSON.stringify(def));
    delete out.id;
    out.filters.forEach(function (f) {
      // A new filter's id (its key in the URL, `?f.<id>=`) comes from its label.
      if (f._new) {
        var base = (f.label || '').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40) || 'filter';
        f.id = freshId(base, function (x) { return out.filters.some(function (g) { return g !== f && g.id === x; }); }).replace(/-/g, '_');
      }
      delete f._new;
    });
    return JSON.stringify(out);
  }
  function show(field, message) {
    document.querySelectorAll('[aria-invalid=true]').forEach(function (x) { x.removeAttribute('aria-invalid'); });
    document.querySelectorAll('.widget.invalid').forEach(function (x) { x.classList.remove('invalid'); });
    var m = /^filters\[(\d+)\](?:\.(\w+))?(?:\[(\d+)\])?/.exec(field || ''), target = null;
    // Which filter, in the words of the page.
    var named = m && def.filters[+m[1]] && def.filters[+m[1]].label;
    problem.textContent = message + (named ? ' (filter “' + named + '”)' : '');
    problem.hidden = false;
    if (m) {
      var box = list.querySelector('[data-index="' + m[1] + '"]');
      var f = def.filters[+m[1]];
      if (box && m[2] === 'targets' && m[3] !== undefined && f && f.targets[+m[3]]) {
        target = box.querySelector('[data-target="' + CSS.escape(f.targets[+m[3]].widgetId) + '"] select, [data-target="' + CSS.escape(f.targets[+m[3]].widgetId) + '"] input');
      } else if (box) {
        target = box.querySelector('[name="' + (m[2] === 'targets' ? 'target' : m[2]) + '"]') || box.querySelector('input');
      }
    } else if (/^name/.test(field)) target = nameInput;
    else if (/^description/.test(field)) target = descInput;
    else {
      var wm = /^widgets\[(\d+)\]/.exec(field || '');
      var w = wm && def.widgets[+wm[1]];
      if (w && els[w.id]) { els[w.id].classList.add('invalid'); target = els[w.id]; }
    }
    if (target) { target.setAttribute('aria-invalid', 'true'); target.focus(); }
    else problem.focus();
  }
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var body = new URLSearchParams();
    body.set('_csrf', form.querySelector('input[name=_csrf]').value);
    body.set('definition', definition());
    var button = form.querySelector('button[type=submit]');
    button.disabled = true;
    fetch(form.action, { method: 'POST', body: body, credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (r.ok && r.redirected) { window.location.assign(r.url); return; }
        return r.json().catch(function () { return { detail: 'The server refused the dashboard (' + r.status + ').' }; })
          .then(function (p) {
            button.disabled = false;
            var fe = (p.errors && p.errors[0]) || {};
            show(fe.field, p.detail || fe.message || 'The dashboard was not saved.');
          });
      })
      .catch(function () { button.disabled = false; show('', 'The dashboard was not saved: the server cannot be reached.'); });
  });

  compact();
  draw();
})();
