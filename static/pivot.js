// Pivot tables (templates/pivot.html): a group's subtotal row folds the rows under it. A row
// is shown when none of the groups it is inside (`data-in`) is folded, so unfolding an outer
// group keeps an inner folded group folded. One listener for the whole document, so pivots
// swapped in by htmx (dashboard widgets, the builder's preview) need nothing.
(function () {
  function refresh(table) {
    var folded = {};
    table.querySelectorAll('tr[data-group] .pivot-toggle').forEach(function (b) {
      if (b.getAttribute('aria-expanded') === 'false') {
        folded[b.closest('tr').getAttribute('data-group')] = true;
      }
    });
    table.querySelectorAll('tr[data-in]').forEach(function (row) {
      row.hidden = row.getAttribute('data-in').split(' ').some(function (g) {
        return folded[g];
      });
    });
  }

  document.addEventListener('click', function (e) {
    var t = e.target;
    if (!t || !t.closest) return;
    var toggle = t.closest('button.pivot-toggle');
    if (toggle) {
      var open = toggle.getAttribute('aria-expanded') !== 'true';
      toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
      refresh(toggle.closest('table'));
      return;
    }
    var all = t.closest('button.pivot-all');
    if (all) {
      var box = all.closest('.pivot-tools');
      var table = document.getElementById(box.getAttribute('data-pivot'));
      if (!table) return;
      var state = all.getAttribute('data-open');
      table.querySelectorAll('.pivot-toggle').forEach(function (b) {
        b.setAttribute('aria-expanded', state);
      });
      refresh(table);
    }
  });
})();
