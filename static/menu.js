// The site menu (templates/base.html). Dashboards are one "Dashboards" menu, not one item each:
// a <details> that opens by click, Enter or Space without this script; here it also opens with
// ArrowDown, moves between its links with the arrow keys, Home and End, and closes with Escape,
// a click elsewhere, or when the focus leaves it. At a phone's width the whole menu sits behind
// the "Menu" button (app.css hides it only once this script has marked the header).
document.addEventListener('DOMContentLoaded', function () {
  var header = document.querySelector('header.top');
  var nav = header && header.querySelector('nav');
  if (!nav) return;
  header.classList.add('menu-js');

  var toggle = header.querySelector('.menu-toggle');
  function setOpen(open) {
    header.classList.toggle('menu-open', open);
    if (toggle) toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
  }
  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener('click', function () {
      setOpen(!header.classList.contains('menu-open'));
    });
  }

  var menus = nav.querySelectorAll('details.menu-group');
  function links(menu) { return Array.prototype.slice.call(menu.querySelectorAll('.menu-list a')); }
  function close(menu, focusSummary) {
    if (!menu.open) return;
    menu.open = false;
    if (focusSummary) menu.querySelector('summary').focus();
  }
  menus.forEach(function (menu) {
    var summary = menu.querySelector('summary');
    summary.setAttribute('aria-haspopup', 'true');
    function sync() { summary.setAttribute('aria-expanded', menu.open ? 'true' : 'false'); }
    sync();
    menu.addEventListener('toggle', function () {
      sync();
      if (menu.open) menus.forEach(function (m) { if (m !== menu) m.open = false; });
    });
    menu.addEventListener('keydown', function (e) {
      var all = links(menu);
      var at = all.indexOf(document.activeElement);
      var next = null;
      if (e.key === 'Escape') {
        if (menu.open) { e.preventDefault(); e.stopPropagation(); close(menu, true); }
        return;
      }
      if (e.key === 'ArrowDown') next = at < 0 ? 0 : Math.min(at + 1, all.length - 1);
      else if (e.key === 'ArrowUp') next = at < 0 ? all.length - 1 : Math.max(at - 1, 0);
      else if (e.key === 'Home' && at >= 0) next = 0;
      else if (e.key === 'End' && at >= 0) next = all.length - 1;
      if (next === null || !all.length) return;
      e.preventDefault();
      menu.open = true;
      all[next].focus();
    });
    menu.addEventListener('focusout', function (e) {
      if (e.relatedTarget && !menu.contains(e.relatedTarget)) menu.open = false;
    });
  });
  document.addEventListener('click', function (e) {
    menus.forEach(function (m) { if (!m.contains(e.target)) m.open = false; });
    if (header.classList.contains('menu-open') && !header.contains(e.target)) setOpen(false);
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && header.classList.contains('menu-open')) {
      setOpen(false);
      if (toggle) toggle.focus();
    }
  });
});
