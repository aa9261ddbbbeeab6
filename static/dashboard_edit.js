// The dashboard editor: widgets on a 12-column grid, moved by their bar and resized by their
// corner with the mouse (pointer events, snapped to the grid), or with the arrow keys when
// focused (Shift resizes). Add from any report's visualizations, add text, remove, undo; Save
// posts the definition. No framework, no build step.
(function () {
  'use strict';
  var tools = document.getElementById('tools');
  var grid = document.getElementById('grid');
  if (!tools || !grid) return;
  var def = JSON.parse(tools.dataset.state);
  var reports = JSON.parse(tools.dataset.reports);
  var history = [];
  var COLS = 12;
  def.widgets = def.widgets || [];

  function snapshot() { history.push(JSON.stringify(def.widgets)); document.getElementById('undo').disabled = false; }
  function clamp(w) {
    w.w = Math.max(1, Math.min(COLS, w.w));
    w.h = Math.max(1, Math.min(40, w.h));
    w.x = Math.max(0, Math.min(COLS - w.w, w.x));
    w.y = Math.max(0, w.y);
  }
  function place(el, w) {
    el.style.gridColumn = (w.x + 1) + ' / span ' + w.w;
    el.style.gridRow = (w.y + 1) + ' / span ' + w.h;
    var at = w.w + '×' + w.h + ' at ' + (w.x + 1) + ',' + (w.y + 1);
    el.querySelector('.pos').textContent = at;
    // At a phone's width the bar has no room for it: its tooltip says it.
    var name = el.querySelector('.widget-name');
    el.querySelector('.widget-bar').title = (name ? name.textContent + ' · ' : '') + at;
  }
  function title(w) {
    if (w.kind === 'text') return 'Text: ' + (w.text || '').slice(0, 40);
    var r = reports.filter(function (r) { return r.id === w.reportId; })[0];
    var v = r && r.visualizations.filter(function (v) { return v.id === w.visualizationId; })[0];
    return (w.title || (v && v.title) || w.visualizationId || w.id) + (r ? ' · ' + r.name : '');
  }
  function cell() {
    var r = grid.getBoundingClientRect();
    var rowH = parseFloat(getComputedStyle(grid).gridAutoRows) || 48;
    var gap = parseFloat(getComputedStyle(grid).columnGap) || 0;
    return { w: (r.width + gap) / COLS, h: rowH + gap };
  }

  function draw() {
    grid.textContent = '';
    def.widgets.forEach(function (w, i) {
      var el = document.createElement('section');
      el.className = 'widget edit';
      el.tabIndex = 0;
      el.dataset.widgetId = w.id;
      el.setAttribute('aria-label', title(w) + ': arrows move, Shift+arrows resize, Delete removes');
      el.innerHTML = '<div class="widget-bar" data-drag-handle><span class="widget-name"></span><span class="pos muted"></span>' +
        '<button type="button" class="remove" aria-label="Remove">✕</button></div><div class="resize" data-resize-handle aria-hidden="true"></div>';
      el.querySelector('.widget-name').textContent = title(w);
      place(el, w);
      el.querySelector('.remove').addEventListener('click', function () { snapshot(); def.widgets.splice(i, 1); draw(); });
      drag(el.querySelector('[data-drag-handle]'), el, w, false);
      drag(el.querySelector('[data-resize-handle]'), el, w, true);
      el.addEventListener('keydown', function (e) {
        var d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
        if (e.key === 'Delete') { snapshot(); def.widgets.splice(i, 1); draw(); return; }
        if (!d) return;
        e.preventDefault();
        snapshot();
        if (e.shiftKey) { w.w += d[0]; w.h += d[1]; } else { w.x += d[0]; w.y += d[1]; }
        clamp(w);
        place(el, w);
      });
      grid.appendChild(el);
    });
  }

  // Dragging: the handle follows the pointer; on release the widget snaps to the nearest cell.
  function drag(handle, el, w, resize) {
    handle.addEventListener('pointerdown', function (e) {
      if (e.target.closest('button')) return;
      e.preventDefault();
      handle.setPointerCapture(e.pointerId);
      var start = { x: e.clientX, y: e.clientY, wx: w.x, wy: w.y, ww: w.w, wh: w.h };
      var c = cell();
      snapshot();
      el.classList.add('dragging');
      function move(ev) {
        var dx = Math.round((ev.clientX - start.x) / c.w), dy = Math.round((ev.clientY - start.y) / c.h);
        if (resize) { w.w = start.ww + dx; w.h = start.wh + dy; } else { w.x = start.wx + dx; w.y = start.wy + dy; }
        clamp(w);
        place(el, w);
      }
      function up() {
        el.classList.remove('dragging');
        handle.removeEventListener('pointermove', move);
        handle.removeEventListener('pointerup', up);
      }
      handle.addEventListener('pointermove', move);
      handle.addEventListener('pointerup', up);
    });
  }

  function bottom() { return def.widgets.reduce(function (m, w) { return Math.max(m, w.y + w.h); }, 0); }
  function freshId(base) {
    var id = base.replace(/[^A-Za-z0-9_-]/g, '_') || 'widget', n = 1, out = id;
    while (def.widgets.some(function (w) { return w.id === out; })) out = id + '_' + (++n);
    return out;
  }
  var rsel = document.getElementById('add-report'), vsel = document.getElementById('add-viz');
  reports.forEach(function (r) { var o = document.createElement('option'); o.value = r.id; o.textContent = r.name; rsel.appendChild(o); });
  function fillViz() {
    vsel.textContent = '';
    var r = reports.filter(function (r) { return r.id === rsel.value; })[0];
    (r ? r.visualizations : []).forEach(function (v) {
      var o = document.createElement('option'); o.value = v.id; o.textContent = v.title + ' (' + v.type + ')'; o.dataset.type = v.type; vsel.appendChild(o);
    });
  }
  rsel.addEventListener('change', fillViz);
  fillViz();
  document.getElementById('add-widget').addEventListener('click', function () {
    if (!vsel.value) return;
    var type = vsel.selectedOptions[0].dataset.type;
    var size = type === 'kpi' ? [3, 2] : type === 'table' ? [12, 8] : [6, 5];
    snapshot();
    def.widgets.push({ id: freshId(vsel.value), kind: 'visualization', reportId: rsel.value, visualizationId: vsel.value,
                       x: 0, y: bottom(), w: size[0], h: size[1] });
    draw();
  });
  document.getElementById('add-text').addEventListener('click', function () {
    var text = document.getElementById('add-text-value').value.trim();
    if (!text) return;
    snapshot();
    def.widgets.push({ id: freshId('text'), kind: 'text', text: text, x: 0, y: bottom(), w: 12, h: 2 });
    draw();
  });
  document.getElementById('undo').addEventListener('click', function () {
    if (!history.length) return;
    def.widgets = JSON.parse(history.pop());
    document.getElementById('undo').disabled = !history.length;
    draw();
  });
  document.getElementById('save-dashboard').addEventListener('submit', function () {
    var out = JSON.parse(JSON.stringify(def));
    delete out.id;
    this.querySelector('input[name=definition]').value = JSON.stringify(out);
  });
  draw();
})();
