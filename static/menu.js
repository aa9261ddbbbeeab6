// At a phone's width the menu is one row that scrolls by itself (app.css): bring the current
// page's link into view, so the menu shows where you are, and fade the edge that has more.
document.addEventListener('DOMContentLoaded', function () {
  var nav = document.querySelector('header.top nav');
  if (!nav) return;
  var link = nav.querySelector('a[aria-current=page]');
  if (link && nav.scrollWidth > nav.clientWidth) {
    var offset = link.getBoundingClientRect().left - nav.getBoundingClientRect().left;
    nav.scrollLeft += offset - (nav.clientWidth - link.offsetWidth) / 2;
  }
  function edges() {
    nav.classList.toggle('more-left', nav.scrollLeft > 2);
    nav.classList.toggle('more-right', nav.scrollLeft + nav.clientWidth < nav.scrollWidth - 2);
  }
  edges();
  nav.addEventListener('scroll', edges, { passive: true });
  window.addEventListener('resize', edges);
});
