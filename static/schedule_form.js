// The schedule form's rows, in place: "Add …" appends a blank row, "Remove" takes one away,
// choosing another report refills the parameter pickers with its parameters, and choosing a
// parameter offers its values (an enum's options, true/false, date expressions) in the value
// field. Without this script the same buttons post the form and the server shows it again
// with the change.
(function () {
  const form = document.querySelector('form.schedule-form');
  if (!form) return;

  function renumber(list) {
    const kind = list.dataset.rows;
    list.querySelectorAll('[data-row]').forEach((row, i) => {
      const remove = row.querySelector('button.remove');
      remove.value = 'remove_' + kind + '_' + i;
      remove.setAttribute('aria-label', 'Remove ' + kind + ' ' + (i + 1));
      const values = row.querySelector('datalist[data-param-values]');
      if (values) {
        values.id = 'param-values-' + i;
        row.querySelector('input[name=param_value]').setAttribute('list', values.id);
      }
    });
  }

  // The values the row's value field offers for the parameter its picker names.
  function offer(row) {
    const values = row.querySelector('datalist[data-param-values]');
    const picker = row.querySelector('select[data-param-picker]');
    if (!values || !picker) return;
    const chosen = params().find(c => c[0] === picker.value);
    values.replaceChildren(...((chosen && chosen[2]) || []).map(v => new Option('', v)));
  }

  function blank(row) {
    row.querySelectorAll('input').forEach(i => { i.value = ''; i.removeAttribute('aria-invalid'); });
    row.querySelectorAll('select').forEach(s => {
      s.removeAttribute('aria-invalid');
      s.selectedIndex = 0;
      // A name kept only because the report lacks it goes with the row's old value.
      if (s.hasAttribute('data-param-picker')) fill(s, params());
    });
    row.querySelectorAll('.field-error').forEach(e => e.remove());
    offer(row);
  }

  function params() {
    const report = form.querySelector('select[name=report_id]');
    const chosen = report && report.selectedOptions[0];
    try { return JSON.parse((chosen && chosen.dataset.params) || '[]'); } catch (e) { return []; }
  }

  function fill(select, choices) {
    const current = select.value;
    select.replaceChildren(new Option('— choose —', ''));
    for (const [name, label] of choices) select.add(new Option(label, name, false, name === current));
    if (current && !choices.some(c => c[0] === current)) select.add(new Option(current, current, false, true));
  }

  form.addEventListener('click', e => {
    const button = e.target.closest('button[name=row_action]');
    if (!button) return;
    const list = button.closest('.row-list');
    e.preventDefault();
    const rows = list.querySelectorAll('[data-row]');
    if (button.value.startsWith('add_')) {
      const row = rows[rows.length - 1].cloneNode(true);
      blank(row);
      rows[rows.length - 1].after(row);
      renumber(list);
      row.querySelector('select, input').focus();
    } else {
      const row = button.closest('[data-row]');
      if (rows.length > 1) row.remove(); else blank(row);
      renumber(list);
    }
  });

  form.addEventListener('change', e => {
    if (e.target.matches('select[data-param-picker]')) offer(e.target.closest('[data-row]'));
  });

  const report = form.querySelector('select[name=report_id]');
  if (report) report.addEventListener('change', () => {
    const choices = params();
    form.querySelectorAll('select[data-param-picker]').forEach(s => {
      fill(s, choices);
      offer(s.closest('[data-row]'));
    });
  });
})();
