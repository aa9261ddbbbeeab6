// The builder's joins: "+ Join a dataset" picks another table of the source, the rows to keep
// and the key columns (suggested from matching names and kinds by GET /builder/join); the
// joined dataset's fields are then listed as `<dataset>.<field>` and used like the table's own.
// Builds on builder.js (window.QuireBuilder).
(function () {
  'use strict';
  var b = window.QuireBuilder;
  if (!b) return;
  var state = b.state, source = b.source, el = b.el, select = b.select, button = b.button;
  var changed = b.changed, wireFields = b.wireFields;

  // --- joins -------------------------------------------------------------------------------------
  // Each joined dataset's fields (`{name, kind}`), listed under the table's own as
  // `<dataset>.<field>`.
  var joinFields = {};
  var joinForm = document.getElementById('join-form');
  var pending = null;
  function loadJoin(ds) {
    return fetch('/builder/join?source=' + encodeURIComponent(source) + '&table=' + encodeURIComponent(state.spec.dataset) +
      '&with=' + encodeURIComponent(ds)).then(function (r) { return r.ok ? r.json() : { fields: [], keys: [] }; });
  }
  function ownFields() {
    return [].map.call(document.querySelectorAll('#fields .field'), function (li) { return li.dataset.field; });
  }
  function drawJoins() {
    var list = document.getElementById('fields');
    list.querySelectorAll('.joined, .fields-group').forEach(function (x) { x.remove(); });
    var joins = document.getElementById('joins');
    joins.textContent = '';
    state.spec.joins.forEach(function (j, i) {
      var keys = j.on.map(function (k) { return k.left + ' = ' + j.dataset + '.' + k.right; }).join(', ');
      joins.appendChild(el('li', { 'class': 'join', 'data-join': j.dataset }, [
        el('span', {}, [el('strong', { text: j.dataset }), el('span', { 'class': 'muted', text: ' · ' + (j.type === 'inner' ? 'rows with a match' : 'every row') + ' · ' + keys })]),
        button('✕', 'Remove the join of ' + j.dataset, false, function () {
          state.spec.joins.splice(i, 1);
          var gone = function (f) { return typeof f === 'string' ? f.indexOf(j.dataset + '.') === 0 : f.field.indexOf(j.dataset + '.') === 0; };
          ['dimensions', 'measures', 'filters', 'sort'].forEach(function (w) { state.spec[w] = state.spec[w].filter(function (x) { return !gone(x); }); });
          drawJoins();
          changed();
        })
      ]));
      list.appendChild(el('li', { 'class': 'fields-group', text: j.dataset }));
      (joinFields[j.dataset] || []).forEach(function (f) {
        var name = j.dataset + '.' + f.name;
        var menu = select('Add ' + name + ' to…', [['', 'Add to…'], ['dimensions', 'Dimensions'], ['measures', 'Measures'], ['filters', 'Filters'], ['sort', 'Sort']], '', function () {});
        menu.classList.add('add-to');
        list.appendChild(el('li', { 'class': 'field joined', 'data-field': name, 'data-kind': f.kind, draggable: 'true', tabindex: '0' }, [
          el('span', { 'class': 'field-name', text: name }),
          el('span', { 'class': 'field-meta' }, [el('em', { 'class': 'kind ' + f.kind, text: f.kind })]),
          menu
        ]));
      });
    });
    wireFields();
  }
  function fillJoinForm(ds) {
    var left = joinForm.querySelector('[name=join-left]'), right = joinForm.querySelector('[name=join-right]');
    var hint = document.getElementById('join-hint');
    left.textContent = ''; right.textContent = ''; hint.textContent = 'Reading ' + ds + '…';
    pending = null;
    loadJoin(ds).then(function (opts) {
      pending = { dataset: ds, fields: opts.fields };
      ownFields().forEach(function (f) { left.appendChild(el('option', { value: f, text: f })); });
      opts.fields.forEach(function (f) { right.appendChild(el('option', { value: f.name, text: f.name + ' (' + f.kind + ')' })); });
      if (opts.remembered) joinForm.querySelector('[name=join-type]').value = opts.remembered;
      if (opts.keys.length) {
        left.value = opts.keys[0].left; right.value = opts.keys[0].right;
        hint.textContent = opts.remembered ? 'The join remembered for these two tables.' : 'Keys suggested from matching names and kinds.';
      } else {
        hint.textContent = 'No matching names: choose the columns that hold the same values.';
      }
    });
  }
  document.querySelector('[data-action="add-join"]').addEventListener('click', function () {
    var pick = joinForm.querySelector('[name=join-dataset]');
    pick.textContent = '';
    var taken = [state.spec.dataset].concat(state.spec.joins.map(function (j) { return j.dataset; }));
    [].forEach.call(document.querySelectorAll('#table option'), function (o) {
      if (taken.indexOf(o.value) < 0) pick.appendChild(el('option', { value: o.value, text: o.value }));
    });
    joinForm.hidden = false;
    if (pick.value) fillJoinForm(pick.value);
    pick.focus();
  });
  joinForm.querySelector('[name=join-dataset]').addEventListener('change', function (e) { fillJoinForm(e.target.value); });
  joinForm.querySelector('[data-action="cancel-join"]').addEventListener('click', function () { joinForm.hidden = true; });
  joinForm.querySelector('[data-action="join"]').addEventListener('click', function () {
    if (!pending) return;
    var left = joinForm.querySelector('[name=join-left]').value, right = joinForm.querySelector('[name=join-right]').value;
    if (!left || !right) return;
    joinFields[pending.dataset] = pending.fields;
    var kind = joinForm.querySelector('[name=join-type]').value;
    state.spec.joins.push({ dataset: pending.dataset, type: kind, on: [{ left: left, right: right }] });
    if (joinForm.querySelector('[name=join-remember]').checked) {
      // Offered first the next time these two tables are joined.
      var body = new URLSearchParams({ source: source, table: state.spec.dataset, with: pending.dataset, type: kind, left: left, right: right });
      fetch('/builder/relationship', { method: 'POST', body: body,
        headers: { 'X-CSRF-Token': document.querySelector('#draft input[name=_csrf]').value } });
    }
    joinForm.hidden = true;
    drawJoins();
    changed();
  });
  // A saved question's joins: their fields listed again.
  Promise.all(state.spec.joins.map(function (j) {
    return loadJoin(j.dataset).then(function (o) { joinFields[j.dataset] = o.fields; });
  })).then(drawJoins);
})();
