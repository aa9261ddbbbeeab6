// Dashboards: a click (or Enter) on a chart's bar, slice or point opens the rows behind it in
// the panel under the chart, through htmx; without this script its link opens them as a page.
// Each widget asks for its chart drawn for the width of its box (`w`), so chart text keeps its
// size on a phone or in a narrow card instead of being scaled down; a table widget's refresh
// asks for the order and page its table shows. A date filter offers a custom range of two days.
(function () {
  'use strict';
  function inner(widget) {
    var s = getComputedStyle(widget);
    return widget.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  }
  document.addEventListener('htmx:configRequest', function (e) {
    var elt = e.detail && e.detail.elt;
    if (!elt || !elt.matches || !elt.matches('#grid > .widget[data-widget-id]')) return;
    var w = inner(elt);
    if (w > 0) e.detail.parameters.w = Math.floor(w);
    // A refresh keeps the order and page a person chose in the widget's table.
    var t = elt.querySelector('.table-wrap[data-page]');
    if (!t) return;
    if (t.dataset.sort) {
      e.detail.parameters.sort = t.dataset.sort;
      e.detail.parameters.dir = t.dataset.dir;
    }
    if (t.dataset.page !== '1') e.detail.parameters.page = t.dataset.page;
  });
  // A phone turned or a window resized: a chart drawn for a width 15% off is asked again.
  var resized;
  window.addEventListener('resize', function () {
    clearTimeout(resized);
    resized = setTimeout(function () {
      if (!window.htmx) return;
      document.querySelectorAll('#grid > .widget[data-widget-id]').forEach(function (w) {
        var svg = w.querySelector('.chart svg');
        var drawn = svg && parseFloat(svg.getAttribute('width'));
        var now = Math.min(Math.max(inner(w), 320), 900);
        if (drawn && Math.abs(now - drawn) > drawn * 0.15) {
          window.htmx.ajax('GET', w.getAttribute('hx-get'), { source: w, target: w, swap: 'innerHTML' });
        }
      });
    }, 250);
  });
  // A date filter's "Custom range…" shows two days; once both are given the choice's value
  // is `from..to`, which the form sends as the filter's value (`?f.<id>=from..to`).
  function rangeParts(pick) {
    return { select: pick.querySelector('select'), days: pick.querySelector('.range-days'),
             from: pick.querySelector('[data-range-from]'), to: pick.querySelector('[data-range-to]'),
             custom: pick.querySelector('option[data-custom]') };
  }
  document.addEventListener('change', function (e) {
    var pick = e.target && e.target.closest && e.target.closest('.range-pick');
    if (!pick) return;
    var p = rangeParts(pick);
    var custom = p.select.selectedOptions[0] === p.custom;
    p.days.hidden = !custom;
    p.from.required = p.to.required = custom;
    if (e.target === p.select && custom) { p.from.focus(); return; }
    if (e.target !== p.from && e.target !== p.to) return;
    p.to.min = p.from.value || '';
    var backwards = p.from.value && p.to.value && p.to.value < p.from.value;
    p.to.setCustomValidity(backwards ? 'The last day comes after the first.' : '');
    if (p.from.value && p.to.value && !backwards) p.custom.value = p.from.value + '..' + p.to.value;
  });
  document.addEventListener('click', function (e) {
    var t = e.target;
    if (!t || !t.closest) return;
    var close = t.closest('[data-drill-close]');
    if (close) {
      var open = close.closest('[data-drill]');
      if (open) open.innerHTML = '';
      return;
    }
    var mark = t.closest('#grid a.mark[href]');
    if (!mark || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    var widget = mark.closest('.widget');
    var panel = widget && widget.querySelector('[data-drill]');
    if (!panel || !window.htmx) return;
    e.preventDefault();
    window.htmx.ajax('GET', mark.getAttribute('href'), { target: panel, swap: 'innerHTML' });
  });
})();
