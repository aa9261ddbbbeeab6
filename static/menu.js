// At a phone's width the menu is one row that scrolls by itself (app.css): bring the current
// page's link into view, so the menu shows where you are.
document.addEventListener('DOMContentLoaded', function () {
  var link = document.querySelector('header.top nav a[aria-current=page]');
  var nav = link && link.parentElement;
  if (!nav || nav.scrollWidth <= nav.clientWidth) return;
  var offset = link.getBoundingClientRect().left - nav.getBoundingClientRect().left;
  nav.scrollLeft += offset - (nav.clientWidth - link.offsetWidth) / 2;
});
