// The report builder: fields go into wells by drag and drop, or by each field's "Add to…"
// menu (keyboard and touch); items are reordered by drag or by their ↑ ↓ buttons. Every change
// rewrites the draft form and asks htmx for a preview (debounced; a newer request replaces an
// older one). No framework, no build step.
(function () {
  'use strict';
  var root = document.getElementById('builder');
  if (!root) return;
  var draft = document.getElementById('draft');
  var state = JSON.parse(root.dataset.state);
  state.spec = state.spec || {};
  ['dimensions', 'measures', 'filters', 'sort', 'expressions', 'joins'].forEach(function (w) { state.spec[w] = state.spec[w] || []; });
  var source = root.dataset.source;
  state.axis2 = state.axis2 || [];
  state.forecast = state.forecast || 0;
  state.anomalies = !!state.anomalies;
  // A pivot's dimension across its columns: '' the last, '-' none, else a dimension's name.
  state.across = state.across || '';
  // A question on a saved one reads its `source`, not a dataset.
  if (!state.spec.source) state.spec.dataset = state.spec.dataset || root.dataset.table;

  var AGGS = { number: ['sum', 'avg', 'min', 'max', 'count', 'count_distinct'],
               date: ['min', 'max', 'count', 'count_distinct'],
               text: ['count', 'count_distinct'] };
  var SHOW = [['value', 'value'], ['percent_of_total', '% of total'], ['running_total', 'running total'],
              ['change_vs_previous', 'change vs previous']];
  var BUCKETS = ['', 'day', 'week', 'month', 'quarter', 'year'];
  var OPS = { number: ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'between', 'in', 'not_in', 'is_null', 'not_null'],
              date: ['last_n_days', 'between', 'eq', 'lt', 'le', 'gt', 'ge', 'is_null', 'not_null'],
              text: ['eq', 'ne', 'in', 'not_in', 'contains', 'is_null', 'not_null'] };

  // What each calculated column holds, as the last preview said (`name:kind,…`).
  var calcKinds = {};
  function kindOf(name) {
    if (state.spec.expressions.some(function (e) { return e.name === name; })) return calcKinds[name] || 'number';
    var el = document.querySelector('#fields .field[data-field="' + CSS.escape(name) + '"]');
    return el ? el.dataset.kind : 'text';
  }
  function fieldOf(item) { return typeof item === 'string' ? item : item.field; }
  function measureName(m) { return measureNames()[state.spec.measures.indexOf(m)] || baseName(m); }
  // --- measures: names, labels, formats (as the server names them: BuilderSpec::measure_names) ---
  function baseName(m) { return m.as || (m.expr !== undefined ? 'calculated' : m.agg + '_' + (m.field === '*' ? 'all' : m.field)); }
  var SUFFIX = { value: 'value', percent_of_total: 'share', running_total: 'running', change_vs_previous: 'change' };
  function measureNames() {
    var taken = state.spec.dimensions.map(fieldOf).concat(state.spec.measures.filter(function (m) { return m.as; }).map(function (m) { return m.as; }));
    return state.spec.measures.map(function (m) {
      if (m.as) return m.as;
      var base = baseName(m), tries = [base, base + '_' + SUFFIX[m.show || 'value']];
      for (var n = 2; n < 100; n++) tries.push(base + '_' + n);
      var name = tries.filter(function (t) { return taken.indexOf(t) < 0; })[0] || base;
      taken.push(name);
      return name;
    });
  }
  function humanize(s) { s = s.replace(/_/g, ' '); return s.charAt(0).toUpperCase() + s.slice(1); }
  function defaultLabel(m) {
    if (m.expr !== undefined) return humanize(m.as || 'calculated');
    var f = humanize(m.field), low = f.charAt(0).toLowerCase() + f.slice(1);
    var what = m.field === '*' ? 'Count' : { sum: f, avg: 'Average ' + low, min: 'Lowest ' + low, max: 'Highest ' + low,
      count: 'Count of ' + low, count_distinct: 'Distinct ' + low }[m.agg] || f;
    return what + ({ percent_of_total: ', share of total', running_total: ', running total', change_vs_previous: ', % change' }[m.show] || '');
  }
  var FORMATS = [['', 'automatic'], ['number', 'number'], ['integer', 'whole number'], ['currency', 'currency'], ['percent', 'percent']];
  var openEditors = {};
  // The edit control of measure i: its name (`as`), label and format, in a <details> that stays
  // open across redraws.
  function measureEditor(m, i) {
    var names = measureNames();
    var d = el('details', { 'class': 'measure-edit', 'data-measure-editor': String(i) });
    if (openEditors[i]) d.open = true;
    d.addEventListener('toggle', function () { openEditors[i] = d.open; });
    d.appendChild(el('summary', { text: 'Name & format', 'aria-label': 'Name and format of ' + (m.label || defaultLabel(m)) }));
    var fmt = typeof m.format === 'string' ? { kind: m.format } : (m.format || {});
    function setFormat(patch) {
      var f = {}; Object.keys(fmt).forEach(function (k) { f[k] = fmt[k]; });
      Object.keys(patch).forEach(function (k) { if (patch[k] === '' || patch[k] === null) delete f[k]; else f[k] = patch[k]; });
      if (!f.kind) delete m.format; else if (Object.keys(f).length === 1) m.format = f.kind; else m.format = f;
      changed();
    }
    function field(labelText, input) {
      return el('label', { 'class': 'measure-field' }, [el('span', { text: labelText }), input]);
    }
    function text(name, value, placeholder, attrs, onSet) {
      var a = { type: 'text', name: name, value: value || '', placeholder: placeholder || '' };
      Object.keys(attrs || {}).forEach(function (k) { a[k] = attrs[k]; });
      var inp = el('input', a);
      inp.addEventListener('change', function () { onSet(inp.value.trim()); });
      return inp;
    }
    var body = el('div', { 'class': 'measure-fields' }, [
      field('Label', text('label', m.label, defaultLabel(m), { maxlength: '200', 'aria-label': 'Label of measure ' + (i + 1) },
        function (v) { if (v) m.label = v; else delete m.label; changed(); })),
      field('Column name', text('as', m.as, names[i], { pattern: '[A-Za-z_][A-Za-z0-9_]*', maxlength: '64', 'aria-label': 'Column name of measure ' + (i + 1) },
        function (v) { if (v) m.as = v; else delete m.as; changed(); })),
      field('Format', select('Format of measure ' + (i + 1), FORMATS, fmt.kind || '', function (v) {
        setFormat(v ? { kind: v, currency: v === 'currency' ? fmt.currency || '' : '' } : { kind: '', decimals: '', currency: '' });
      }))
    ]);
    if (fmt.kind) {
      var dec = el('input', { type: 'number', name: 'decimals', min: '0', max: '10', value: fmt.decimals === undefined ? '' : String(fmt.decimals),
        placeholder: 'auto', 'aria-label': 'Decimals of measure ' + (i + 1) });
      dec.addEventListener('change', function () { setFormat({ decimals: dec.value === '' ? '' : Number(dec.value) }); });
      body.appendChild(field('Decimals', dec));
    }
    if (fmt.kind === 'currency') {
      body.appendChild(field('Currency', text('currency', fmt.currency, 'locale\'s', { maxlength: '3', size: '4', 'aria-label': 'Currency of measure ' + (i + 1) },
        function (v) { setFormat({ currency: v.toUpperCase() }); })));
    }
    if (state.spec.measures.length > 1) {
      // A measure of another unit (a margin %, a count beside revenue): a line on its own axis.
      var second = el('input', { type: 'checkbox', name: 'axis2', 'aria-label': 'Second axis for measure ' + (i + 1) });
      second.checked = state.axis2.indexOf(names[i]) >= 0;
      second.addEventListener('change', function () {
        state.axis2 = state.axis2.filter(function (a) { return a !== names[i]; });
        if (second.checked) state.axis2.push(names[i]);
        changed();
      });
      body.appendChild(el('label', { 'class': 'measure-field measure-axis2' }, [second, el('span', { text: 'On a second axis (its own scale, as a line)' })]));
    }
    d.appendChild(body);
    return d;
  }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function select(label, options, value, onChange) {
    var s = el('select', { 'aria-label': label });
    options.forEach(function (o) {
      var pair = Array.isArray(o) ? o : [o, o === '' ? 'none' : o.replace(/_/g, ' ')];
      var opt = el('option', { value: pair[0], text: pair[1] });
      if (pair[0] === value) opt.selected = true;
      s.appendChild(opt);
    });
    s.addEventListener('change', function () { onChange(s.value); });
    return s;
  }

  // --- adding, moving, removing ---------------------------------------------------------
  function add(well, name) {
    var kind = kindOf(name);
    var list = state.spec[well];
    if (well === 'dimensions') {
      if (list.some(function (d) { return fieldOf(d) === name; })) return changed();
      list.push(kind === 'date' ? { field: name, bucket: 'month' } : name);
    } else if (well === 'measures') {
      list.push({ field: name, agg: kind === 'number' ? 'sum' : 'count_distinct' });
    } else if (well === 'filters') {
      // No value yet: the preview leaves it out (marked incomplete) until one is given.
      list.push(kind === 'date' ? { field: name, op: 'last_n_days', value: 30 } : { field: name, op: kind === 'text' ? 'in' : 'eq', value: kind === 'text' ? [] : '' });
    } else if (well === 'sort') {
      var m = state.spec.measures.filter(function (x) { return x.field === name; })[0];
      list.push({ field: m ? measureName(m) : name, dir: m ? 'desc' : 'asc' });
    }
    changed();
  }
  function move(well, from, to) {
    var list = state.spec[well];
    if (to < 0 || to >= list.length || from === to) return;
    var item = list.splice(from, 1)[0];
    list.splice(to, 0, item);
    changed();
  }
  function remove(well, i) { state.spec[well].splice(i, 1); changed(); }

  // --- drawing the wells ----------------------------------------------------------------
  function valueInput(f, i) {
    var kind = kindOf(f.field);
    var wrap = el('span', { 'class': 'filter-value' });
    if (f.op === 'is_null' || f.op === 'not_null') return wrap;
    var set = function (v) { f.value = v; changed(); };
    if (f.op === 'between') {
      var pair = Array.isArray(f.value) ? f.value : ['', ''];
      ['from', 'to'].forEach(function (which, j) {
        var inp = el('input', { type: kind === 'date' ? 'date' : 'text', 'aria-label': f.field + ' ' + which, value: pair[j] || '' });
        inp.addEventListener('change', function () { pair[j] = kind === 'number' && inp.value !== '' ? Number(inp.value) : inp.value; set(pair.slice()); });
        wrap.appendChild(inp);
      });
      return wrap;
    }
    if (f.op === 'last_n_days') {
      var days = el('input', { type: 'number', min: '1', 'aria-label': 'days', value: f.value || 30 });
      days.addEventListener('change', function () { set(Number(days.value)); });
      wrap.appendChild(days);
      wrap.appendChild(el('span', { text: ' days', 'class': 'muted' }));
      return wrap;
    }
    var listId = 'values-' + i;
    var shown = Array.isArray(f.value) ? f.value.join(', ') : (f.value === null || f.value === undefined ? '' : String(f.value));
    var inp = el('input', { type: 'text', list: listId, 'aria-label': f.field + ' value', value: shown,
                            placeholder: (f.op === 'in' || f.op === 'not_in') ? 'a, b, c or {param}' : 'value or {param}' });
    inp.addEventListener('change', function () {
      var v = inp.value.trim();
      if (/^\{\w+\}$/.test(v)) return set(v);
      if (f.op === 'in' || f.op === 'not_in') return set(v === '' ? [] : v.split(',').map(function (x) { return x.trim(); }).filter(Boolean).map(function (x) { return kind === 'number' ? Number(x) : x; }));
      set(kind === 'number' && v !== '' ? Number(v) : v);
    });
    wrap.appendChild(inp);
    if (kind === 'text') {
      var dl = el('datalist', { id: listId });
      wrap.appendChild(dl);
      fetch('/builder/values?source=' + encodeURIComponent(source) + '&table=' + encodeURIComponent(state.spec.source ? root.dataset.table : state.spec.dataset) +
            '&field=' + encodeURIComponent(f.field)).then(function (r) { return r.ok ? r.json() : []; }).then(function (vs) {
        vs.forEach(function (v) { dl.appendChild(el('option', { value: v })); });
      });
    }
    return wrap;
  }

  // A filter without a value yet (as the server's `incomplete` says): not applied.
  function incomplete(f) {
    var empty = function (v) { return v === null || v === undefined || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && !v.length); };
    if (f.op === 'is_null' || f.op === 'not_null') return false;
    if (f.op === 'between') return !Array.isArray(f.value) || f.value.length !== 2 || f.value.some(empty);
    return empty(f.value);
  }

  function itemControls(well, i, n) {
    return el('span', { 'class': 'item-buttons' }, [
      button('↑', 'Move up', i === 0, function () { move(well, i, i - 1); }),
      button('↓', 'Move down', i === n - 1, function () { move(well, i, i + 1); }),
      button('✕', 'Remove', false, function () { remove(well, i); })
    ]);
  }
  function button(text, label, disabled, onClick) {
    var b = el('button', { type: 'button', 'aria-label': label, title: label, text: text });
    if (disabled) b.disabled = true;
    b.addEventListener('click', onClick);
    return b;
  }

  function drawWell(well) {
    var ol = document.querySelector('.well[data-well="' + well + '"] .items');
    ol.textContent = '';
    var list = state.spec[well];
    list.forEach(function (item, i) {
      var name = fieldOf(item);
      // A measure reads as its label ("Revenue, % change"): the same field twice is told apart.
      var title = well === 'measures' ? (item.label || defaultLabel(item)) : name;
      var li = el('li', { 'class': 'item', draggable: 'true', 'data-index': String(i), 'data-item-field': name }, [el('strong', { text: title, title: name })]);
      if (well === 'dimensions' && kindOf(name) === 'date') {
        li.appendChild(select('Bucket of ' + name, BUCKETS, typeof item === 'string' ? '' : (item.bucket || ''), function (v) {
          list[i] = v ? { field: name, bucket: v } : name; changed();
        }));
      }
      if (well === 'measures' && item.expr !== undefined) {
        li.appendChild(exprInput(item.expr, 'Expression of measure ' + (i + 1), 'sum(revenue) - sum(cost)', function (v) { item.expr = v; changed(); }));
        li.appendChild(select('Show ' + item.as + ' as', SHOW, item.show || 'value', function (v) { if (v === 'value') delete item.show; else item.show = v; changed(); }));
        li.appendChild(measureEditor(item, i));
      } else if (well === 'measures') {
        li.appendChild(select('Aggregation of ' + name, AGGS[kindOf(name)] || AGGS.text, item.agg, function (v) { item.agg = v; changed(); }));
        li.appendChild(select('Show ' + name + ' as', SHOW, item.show || 'value', function (v) { if (v === 'value') delete item.show; else item.show = v; changed(); }));
        li.appendChild(measureEditor(item, i));
      }
      if (well === 'filters') {
        li.appendChild(select('Operator for ' + name, OPS[kindOf(name)] || OPS.text, item.op, function (v) {
          item.op = v;
          item.value = v === 'between' ? ['', ''] : (v === 'in' || v === 'not_in') ? [] : v === 'last_n_days' ? 30 : null;
          if (item.value === null) delete item.value;
          changed();
        }));
        li.appendChild(valueInput(item, i));
        if (incomplete(item)) {
          li.classList.add('incomplete');
          li.appendChild(el('span', { 'class': 'incomplete-note', text: 'incomplete — not applied' }));
        }
      }
      if (well === 'sort') {
        li.appendChild(select('Direction of ' + name, [['asc', 'ascending'], ['desc', 'descending']], item.dir || 'asc', function (v) { item.dir = v; changed(); }));
      }
      li.appendChild(itemControls(well, i, list.length));
      li.addEventListener('dragstart', function (e) { e.dataTransfer.setData('text/plain', 'item:' + well + ':' + i); e.stopPropagation(); });
      ol.appendChild(li);
    });
    ol.parentNode.classList.toggle('empty', list.length === 0);
  }

  // --- calculated columns and measures -------------------------------------------------------
  // An expression's input: the spec changes as the user types (the preview then says what is
  // wrong and where, under the input).
  function exprInput(value, label, placeholder, onSet) {
    var inp = el('input', { type: 'text', 'class': 'expr-input', name: 'expr', value: value || '', placeholder: placeholder,
      'aria-label': label, spellcheck: 'false', autocomplete: 'off', maxlength: '2000' });
    var typingExpr;
    inp.addEventListener('input', function () {
      clearTimeout(typingExpr);
      typingExpr = setTimeout(function () { onSet(inp.value); }, 400);
    });
    inp.addEventListener('change', function () { clearTimeout(typingExpr); if (inp.value !== value) onSet(inp.value); });
    return el('span', { 'class': 'expr-wrap' }, [inp]);
  }
  function renameEverywhere(from, to) {
    ['dimensions', 'filters', 'sort'].forEach(function (w) {
      state.spec[w].forEach(function (item, i) {
        if (typeof item === 'string') { if (item === from) state.spec[w][i] = to; } else if (item.field === from) item.field = to;
      });
    });
    state.spec.measures.forEach(function (m) { if (m.field === from) m.field = to; });
  }
  function drawCalculated() {
    var ul = document.getElementById('calculated');
    ul.textContent = '';
    state.spec.expressions.forEach(function (x, i) {
      var kind = kindOf(x.name);
      var menu = select('Add ' + x.name + ' to…', [['', 'Add to…'], ['dimensions', 'Dimensions'], ['measures', 'Measures'], ['filters', 'Filters'], ['sort', 'Sort']], '', function (v) {
        if (v) add(v, x.name);
      });
      menu.classList.add('add-to');
      var name = el('input', { type: 'text', name: 'name', value: x.name, 'aria-label': 'Name of calculated column ' + (i + 1), maxlength: '64',
        pattern: '[A-Za-z_][A-Za-z0-9_]*', 'class': 'calc-name' });
      name.addEventListener('change', function () {
        var to = name.value.trim();
        if (!to || to === x.name) return;
        renameEverywhere(x.name, to);
        x.name = to;
        changed();
      });
      var li = el('li', { 'class': 'field calculated', 'data-field': x.name, 'data-kind': kind, 'data-expression': String(i), draggable: 'true' }, [
        el('span', { 'class': 'field-name' }, [name]),
        // Its kind once a preview has compiled it.
        el('span', { 'class': 'field-meta' }, [el('em', { 'class': 'kind ' + kind, text: calcKinds[x.name] || '…' })]),
        exprInput(x.expr, 'Expression of ' + x.name, 'revenue - cost', function (v) { x.expr = v; changed(); }),
        el('span', { 'class': 'calc-actions' }, [menu, button('✕', 'Remove ' + x.name, false, function () {
          state.spec.expressions.splice(i, 1);
          changed();
        })])
      ]);
      li.addEventListener('dragstart', function (e) {
        if (e.target !== li) return;
        e.dataTransfer.setData('text/plain', 'field:' + x.name);
      });
      ul.appendChild(li);
    });
  }
  function freeName(base, taken) {
    for (var n = 1; ; n++) if (taken.indexOf(base + '_' + n) < 0) return base + '_' + n;
  }
  document.querySelector('[data-action="add-expression"]').addEventListener('click', function () {
    var taken = state.spec.expressions.map(function (e) { return e.name; })
      .concat([].map.call(document.querySelectorAll('#fields .field'), function (f) { return f.dataset.field; }));
    state.spec.expressions.push({ name: freeName('calc', taken), expr: '' });
    changed();
    var inputs = document.querySelectorAll('#calculated .expr-input');
    if (inputs.length) inputs[inputs.length - 1].focus();
  });
  document.querySelector('[data-action="add-calculated-measure"]').addEventListener('click', function (e) {
    e.stopPropagation();
    var taken = measureNames().concat(state.spec.dimensions.map(fieldOf));
    state.spec.measures.push({ expr: '', as: freeName('measure', taken) });
    changed();
    var inputs = document.querySelectorAll('.well[data-well="measures"] .expr-input');
    if (inputs.length) inputs[inputs.length - 1].focus();
  });

  // An error at `(at character N)` of an expression: the message under its input, the
  // character marked.
  function showExprError(input, message) {
    var wrap = input.parentNode;
    var old = wrap.querySelector('.expr-error');
    if (old) old.remove();
    input.removeAttribute('aria-invalid');
    if (!message) return;
    var at = /\(at character (\d+)\)$/.exec(message);
    var p = el('p', { 'class': 'expr-error', role: 'alert' });
    if (at) {
      var k = Number(at[1]) - 1, t = input.value;
      p.appendChild(el('code', {}, [document.createTextNode(t.slice(0, k)), el('mark', { text: t.slice(k, k + 1) || ' ' }),
        document.createTextNode(t.slice(k + 1))]));
    }
    p.appendChild(el('span', { text: message.replace(/^builder\.[^:]*: /, '') }));
    wrap.appendChild(p);
    input.setAttribute('aria-invalid', 'true');
  }

  // --- the draft and its preview ------------------------------------------------------------
  function sqlParams(sql) {
    var seen = [], re = /'(?:[^']|'')*'|"(?:[^"]|"")*"|::|:([A-Za-z_]\w*)/g, m;
    while ((m = re.exec(sql))) if (m[1] && seen.indexOf(m[1]) < 0 && m[1].indexOf('quire_') !== 0) seen.push(m[1]);
    return seen;
  }
  function filterParams() {
    return state.spec.filters.map(function (f) {
      var m = typeof f.value === 'string' && /^\{(\w+)\}$/.exec(f.value);
      if (!m) return null;
      var kind = kindOf(f.field);
      return { name: m[1], label: m[1].replace(/_/g, ' '), type: kind === 'number' ? 'number' : kind === 'date' ? 'date' : 'string' };
    }).filter(Boolean);
  }
  // The spec as sent: expressions not written yet are left out (nothing to check), and where
  // each sent one sits on the page, for the errors that name it.
  var sent = { expressions: [], measures: [] };
  function sentSpec() {
    var spec = JSON.parse(JSON.stringify(state.spec));
    sent = { expressions: [], measures: [] };
    spec.expressions = spec.expressions.filter(function (x, i) { if (!x.expr.trim()) return false; sent.expressions.push(i); return true; });
    spec.measures = spec.measures.filter(function (m, i) { if (m.expr !== undefined && !m.expr.trim()) return false; sent.measures.push(i); return true; });
    if (!spec.expressions.length) delete spec.expressions;
    return spec;
  }
  function pageIndex(well, i) { return well === 'expressions' || well === 'measures' ? sent[well][i] : i; }
  function set(name, value) { draft.querySelector('input[name="' + name + '"]').value = value; }
  function changed() {
    // Redrawing the wells must not lose the keyboard's place.
    var focused = document.activeElement && document.activeElement.closest && document.activeElement.closest('.well')
      ? document.activeElement.getAttribute('aria-label') : null;
    // The expression being typed keeps its focus and caret across the redraw.
    var typingIn = document.activeElement && document.activeElement.classList && document.activeElement.classList.contains('expr-input')
      ? { label: document.activeElement.getAttribute('aria-label'), at: document.activeElement.selectionStart } : null;
    // Editors open now stay open (read from the page: the toggle event that records it may
    // not have come yet when a change follows a click at once).
    document.querySelectorAll('details[data-measure-editor]').forEach(function (d) {
      openEditors[d.dataset.measureEditor] = d.open;
    });
    ['dimensions', 'measures', 'filters', 'sort'].forEach(drawWell);
    drawCalculated();
    if (typingIn) {
      var back = document.querySelector('.expr-input[aria-label="' + CSS.escape(typingIn.label) + '"]');
      if (back) { back.focus(); back.setSelectionRange(typingIn.at, typingIn.at); }
    }
    if (focused) {
      var again = document.querySelector('.well [aria-label="' + CSS.escape(focused) + '"]');
      if (again) again.focus();
    }
    set('mode', state.mode);
    set('spec', JSON.stringify(sentSpec()));
    set('sql', state.sql || '');
    set('chart', state.chart || 'auto');
    var measureCols = measureNames();
    set('axis2', state.axis2.filter(function (a) { return measureCols.indexOf(a) >= 0; }).join(','));
    set('params', JSON.stringify(state.mode === 'sql' ? state.params : filterParams()));
    set('forecast', state.forecast > 0 ? String(state.forecast) : '');
    set('anomalies', state.anomalies ? 'true' : '');
    drawAcross();
    set('across', state.chart === 'pivot' ? state.across : '');
    // A forecast belongs to a line or area chart (or one the builder may pick: Automatic).
    document.getElementById('chart-ahead').hidden = state.mode === 'sql'
      ? false : ['auto', 'line', 'area'].indexOf(state.chart || 'auto') < 0;
    var empty = state.mode !== 'sql' && !state.spec.dimensions.length && !state.spec.measures.length;
    if (empty && !sent.expressions.length) {
      document.getElementById('preview').innerHTML = '<p class="muted">Add a measure or a dimension to see a preview.</p>';
      return;
    }
    htmx.trigger(draft, 'draft-changed');
  }

  // Errors name the spec position (`builder.measures[1].agg`): mark that item.
  document.body.addEventListener('htmx:afterSwap', function (e) {
    if (e.detail.target.id !== 'preview' && e.detail.target.id !== 'save-result') return;
    document.querySelectorAll('.well .item.has-error').forEach(function (x) { x.classList.remove('has-error'); x.removeAttribute('title'); });
    var err = e.detail.target.querySelector('[data-error-field]');
    var kinds = e.detail.target.querySelector('#calculated-kinds');
    if (kinds) {
      calcKinds = {};
      kinds.dataset.kinds.split(',').filter(Boolean).forEach(function (pair) { var at = pair.lastIndexOf(':'); calcKinds[pair.slice(0, at)] = pair.slice(at + 1); });
      document.querySelectorAll('#calculated .field').forEach(function (li) {
        var k = calcKinds[li.dataset.field];
        if (!k) return;
        li.dataset.kind = k;
        var em = li.querySelector('em.kind'); em.textContent = k; em.className = 'kind ' + k;
      });
    }
    document.querySelectorAll('.expr-input').forEach(function (inp) { showExprError(inp, null); });
    // Only calculated columns so far: nothing to preview yet, and nothing wrong.
    if (err && err.dataset.errorField === 'builder' && !state.spec.dimensions.length && !state.spec.measures.length) {
      e.detail.target.innerHTML = '<p class="muted">Add a measure or a dimension to see a preview.</p>';
      return;
    }
    var x = err && /builder\.(expressions|measures)\[(\d+)\]\.expr/.exec(err.dataset.errorField);
    if (x) {
      var at = pageIndex(x[1], Number(x[2]));
      var box = x[1] === 'expressions' ? document.querySelectorAll('#calculated .field')[at]
        : document.querySelectorAll('.well[data-well="measures"] .item')[at];
      var inp = box && box.querySelector('.expr-input');
      if (inp) showExprError(inp, err.textContent);
    }
    var m = err && /builder\.(dimensions|measures|filters|sort)\[(\d+)\]/.exec(err.dataset.errorField);
    if (!m) return;
    var item = document.querySelectorAll('.well[data-well="' + m[1] + '"] .item')[pageIndex(m[1], Number(m[2]))];
    if (item) { item.classList.add('has-error'); item.title = err.textContent; }
  });

  // --- fields: search, add-to menus, dragging -----------------------------------------------
  function wireFields() {
    document.querySelectorAll('#fields .field').forEach(function (li) {
      if (li.dataset.wired) return;
      li.dataset.wired = '1';
      li.addEventListener('dragstart', function (e) { e.dataTransfer.setData('text/plain', 'field:' + li.dataset.field); });
      var menu = li.querySelector('.add-to');
      menu.addEventListener('change', function () { if (menu.value) add(menu.value, li.dataset.field); menu.value = ''; });
      li.addEventListener('keydown', function (e) { if (e.key === 'Enter' && e.target === li) menu.focus(); });
    });
  }
  wireFields();
  document.getElementById('field-search').addEventListener('input', function (e) {
    var q = e.target.value.toLowerCase();
    document.querySelectorAll('#fields .field').forEach(function (li) { li.hidden = q && li.dataset.field.toLowerCase().indexOf(q) < 0; });
  });
  document.querySelectorAll('.well').forEach(function (well) {
    var name = well.dataset.well;
    well.addEventListener('dragover', function (e) { e.preventDefault(); well.classList.add('over'); });
    well.addEventListener('dragleave', function () { well.classList.remove('over'); });
    well.addEventListener('drop', function (e) {
      e.preventDefault();
      well.classList.remove('over');
      var data = e.dataTransfer.getData('text/plain') || '';
      if (data.indexOf('field:') === 0) return add(name, data.slice(6));
      var parts = data.split(':');
      if (parts[0] !== 'item' || parts[1] !== name) return;
      var target = e.target.closest && e.target.closest('.item');
      var to = target ? Number(target.dataset.index) : state.spec[name].length - 1;
      move(name, Number(parts[2]), to);
    });
  });
  // A saved question's parameters: a value given, or its default when left empty.
  document.querySelectorAll('#question-params input[data-param]').forEach(function (input) {
    var given = (state.spec.source && state.spec.source.parameters) || {};
    input.value = given[input.dataset.param] || '';
    input.addEventListener('change', function () {
      if (!state.spec.source) return;
      var p = state.spec.source.parameters = state.spec.source.parameters || {};
      var v = input.value.trim();
      if (v) p[input.dataset.param] = v; else delete p[input.dataset.param];
      changed();
    });
  });
  document.getElementById('table').addEventListener('change', function (e) {
    window.location = '/builder?source=' + encodeURIComponent(source) + '&table=' + encodeURIComponent(e.target.value);
  });
  document.getElementById('source').addEventListener('change', function (e) {
    window.location = '/builder?source=' + encodeURIComponent(e.target.value);
  });
  var chart = document.getElementById('chart');
  chart.value = state.chart || 'auto';
  chart.addEventListener('change', function () { state.chart = chart.value; changed(); });
  // A forecast and unexpected points, for a line or area chart over dates.
  var ahead = document.getElementById('forecast');
  var odd = document.getElementById('anomalies');
  ahead.value = state.forecast;
  odd.checked = state.anomalies;
  ahead.addEventListener('change', function () {
    var n = parseInt(ahead.value, 10);
    state.forecast = isNaN(n) ? 0 : Math.max(0, Math.min(366, n));
    ahead.value = state.forecast;
    changed();
  });
  odd.addEventListener('change', function () { state.anomalies = odd.checked; changed(); });
  // A pivot table: which dimension goes across (the others go down its rows).
  var acrossBox = document.getElementById('pivot-across');
  var acrossPick = document.getElementById('across');
  function drawAcross() {
    var dims = state.spec.dimensions.map(fieldOf);
    acrossBox.hidden = state.mode === 'sql' || state.chart !== 'pivot' || dims.length < 2;
    if (state.across && state.across !== '-' && dims.indexOf(state.across) < 0) state.across = '';
    acrossPick.textContent = '';
    [['', 'The last dimension']].concat(dims.map(function (d) { return [d, d.replace(/_/g, ' ')]; }))
      .concat([['-', 'None: every dimension down']])
      .forEach(function (o) { acrossPick.appendChild(el('option', { value: o[0], text: o[1] })); });
    acrossPick.value = state.across;
  }
  acrossPick.addEventListener('change', function () { state.across = acrossPick.value; changed(); });

  // --- SQL mode ---------------------------------------------------------------------------
  var sql = document.getElementById('sql');
  sql.value = state.sql || '';
  function drawParams() {
    var box = document.getElementById('sql-params');
    var names = sqlParams(sql.value);
    state.params = names.map(function (n) {
      return (state.params || []).filter(function (p) { return p.name === n; })[0] || { name: n, label: n.replace(/_/g, ' '), type: 'string', defaultValue: '' };
    });
    box.textContent = '';
    if (!names.length) return;
    box.appendChild(el('p', { 'class': 'muted', text: 'Parameters found in the query (their defaults are used in the preview):' }));
    state.params.forEach(function (p) {
      var def = el('input', { 'aria-label': 'Default of ' + p.name, value: p.defaultValue || '', placeholder: 'default' });
      def.addEventListener('change', function () { p.defaultValue = def.value; changed(); });
      box.appendChild(el('div', { 'class': 'sql-param' }, [el('code', { text: ':' + p.name }),
        select('Type of ' + p.name, ['string', 'number', 'date', 'boolean'], p.type, function (v) { p.type = v; changed(); }), def]));
    });
  }
  var typing;
  sql.addEventListener('input', function () {
    clearTimeout(typing);
    typing = setTimeout(function () { state.sql = sql.value; drawParams(); changed(); }, 400);
  });
  document.getElementById('validate').addEventListener('click', function () {
    var out = document.getElementById('validate-result');
    out.textContent = 'Checking…';
    fetch('/api/v1/validate-query', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': draft.querySelector('input[name=_csrf]').value },
      body: JSON.stringify({ dataSource: source, query: sql.value })
    }).then(function (r) { return r.json(); }).then(function (v) {
      out.textContent = v.valid ? 'Valid: ' + (v.columns || []).join(', ') : (v.error || v.detail || 'not valid');
      out.className = v.valid ? 'ok' : 'error';
    });
  });
  function mode(m) {
    state.mode = m;
    document.getElementById('sql-panel').hidden = m !== 'sql';
    document.querySelector('.fields-panel').hidden = m === 'sql';
    document.querySelector('.wells').classList.toggle('sql-mode', m === 'sql');
    document.getElementById('mode-builder').setAttribute('aria-pressed', String(m !== 'sql'));
    document.getElementById('mode-sql').setAttribute('aria-pressed', String(m === 'sql'));
    if (m === 'sql') drawParams();
    changed();
  }
  document.getElementById('mode-builder').addEventListener('click', function () { mode('builder'); });
  document.getElementById('mode-sql').addEventListener('click', function () { mode('sql'); });

  // --- saving ---------------------------------------------------------------------------------
  var save = document.getElementById('save');
  ['name', 'description', 'category', 'tags'].forEach(function (k) { if (state[k]) save.querySelector('[name=' + k + ']').value = state[k]; });

  set('source', source);
  // The first preview (a saved report opened again) needs htmx to have taken the draft form,
  // which it does only once the document is ready: take it now.
  htmx.process(draft);
  mode(state.mode === 'sql' ? 'sql' : 'builder');
  // What builder_joins.js builds on.
  window.QuireBuilder = { state: state, source: source, el: el, select: select, button: button, changed: changed, wireFields: wireFields };
})();
