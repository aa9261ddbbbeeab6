// Chart tooltips: a bar, slice or point (an SVG `a.mark` carrying `data-tip`, report/chart/mark.rs)
// shows its category, series and exact value in a styled box on hover, on keyboard focus, and on
// a tap (phones never show an SVG <title>, which stays for screen readers). One listener for the
// whole document, so charts swapped in by htmx (dashboard widgets, table pages) need nothing.
(function () {
  var tip = null;
  var shownFor = null;
  // The mark whose <title> is emptied while ours shows (else the browser's shows over it).
  var quiet = null;

  function box() {
    if (!tip) {
      tip = document.createElement('div');
      tip.className = 'chart-tip';
      tip.id = 'chart-tip';
      tip.setAttribute('role', 'tooltip');
      tip.hidden = true;
      document.body.appendChild(tip);
    }
    return tip;
  }

  function markOf(target) {
    return target && target.closest ? target.closest('a.mark[data-tip]') : null;
  }

  function hush(mark) {
    speak();
    var t = mark.querySelector('title');
    if (t && t.textContent) {
      mark.setAttribute('data-title', t.textContent);
      t.textContent = '';
      quiet = mark;
    }
  }

  function speak() {
    if (!quiet) return;
    var t = quiet.querySelector('title');
    if (t) t.textContent = quiet.getAttribute('data-title') || '';
    quiet.removeAttribute('data-title');
    quiet = null;
  }

  // "North: $1,234.50" as the name in bold and the value; a tip without ": " as it is.
  function fill(el, text) {
    el.textContent = '';
    var at = text.lastIndexOf(': ');
    if (at > 0) {
      var name = document.createElement('strong');
      name.textContent = text.slice(0, at);
      el.appendChild(name);
      el.appendChild(document.createElement('br'));
      el.appendChild(document.createTextNode(text.slice(at + 2)));
    } else {
      el.textContent = text;
    }
  }

  // Above the point (x, y), inside the window; below it when there is no room above.
  function place(x, y) {
    var el = box();
    var w = el.offsetWidth, h = el.offsetHeight;
    var vw = document.documentElement.clientWidth, vh = window.innerHeight;
    var left = Math.max(4, Math.min(x - w / 2, vw - w - 4));
    var top = y - h - 12;
    if (top < 4) top = Math.min(y + 16, vh - h - 4);
    el.style.left = left + 'px';
    el.style.top = top + 'px';
  }

  function show(mark, x, y) {
    var el = box();
    if (shownFor !== mark) {
      fill(el, mark.getAttribute('data-tip'));
      shownFor = mark;
      mark.setAttribute('aria-describedby', 'chart-tip');
    }
    el.hidden = false;
    if (x === undefined) {
      var r = mark.getBoundingClientRect();
      x = r.left + r.width / 2;
      y = r.top;
    }
    place(x, y);
  }

  function hide() {
    speak();
    if (shownFor) shownFor.removeAttribute('aria-describedby');
    shownFor = null;
    if (tip) tip.hidden = true;
  }

  document.addEventListener('pointerover', function (e) {
    var mark = markOf(e.target);
    if (!mark) return;
    if (e.pointerType === 'mouse') {
      hush(mark);
      show(mark, e.clientX, e.clientY);
    } else {
      show(mark);
    }
  });
  document.addEventListener('pointermove', function (e) {
    if (e.pointerType !== 'mouse' || !shownFor) return;
    if (markOf(e.target) === shownFor) place(e.clientX, e.clientY);
  }, { passive: true });
  document.addEventListener('pointerout', function (e) {
    if (e.pointerType !== 'mouse') return;
    var mark = markOf(e.target);
    if (mark && mark === shownFor && !mark.contains(e.relatedTarget)) hide();
  });
  // A tap: the tapped mark's tip stays until the next tap elsewhere (or a scroll).
  document.addEventListener('pointerdown', function (e) {
    var mark = markOf(e.target);
    if (mark) show(mark);
    else if (shownFor) hide();
  });
  document.addEventListener('focusin', function (e) {
    var mark = markOf(e.target);
    if (mark) show(mark);
  });
  document.addEventListener('focusout', function (e) {
    if (markOf(e.target) === shownFor) hide();
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && shownFor) hide();
  });
  window.addEventListener('scroll', function () { if (shownFor) hide(); }, { passive: true, capture: true });
  // A swap that took the mark away takes its tip too.
  document.addEventListener('htmx:afterSwap', function () {
    if (shownFor && !document.contains(shownFor)) hide();
  });
})();
