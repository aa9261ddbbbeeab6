// The Share dialog (templates/share_*.html): the Share button opens it while htmx loads its
// body; Copy puts a link or an embed code on the clipboard, or, where the browser refuses
// (a page not served over HTTPS), selects the text for Ctrl+C / a long press.
(() => {
  // Once a document: a boosted page load runs this script again.
  if (window.quireShareDialog) return;
  window.quireShareDialog = true;
  const dialog = () => document.getElementById('share-dialog');

  function copy(button) {
    const field = document.getElementById(button.dataset.copy);
    if (!field) return;
    const said = text => {
      button.textContent = text;
      setTimeout(() => { button.textContent = 'Copy'; }, 2500);
    };
    const select = () => {
      field.focus();
      field.select();
      field.setSelectionRange(0, field.value.length);
      let done = false;
      try { done = document.execCommand('copy'); } catch (_) { done = false; }
      said(done ? 'Copied' : 'Selected: press Ctrl+C');
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(() => said('Copied'), select);
    } else {
      select();
    }
  }

  document.addEventListener('click', e => {
    const open = e.target.closest('[data-action="share"]');
    if (open) {
      const d = dialog();
      if (!d) return;
      document.getElementById('share-body').innerHTML = '<p class="muted">Loading…</p>';
      if (!d.open) d.showModal();
      return;
    }
    if (e.target.closest('[data-action="close-share"]')) {
      dialog()?.close();
      return;
    }
    const c = e.target.closest('[data-copy]');
    if (c) copy(c);
    // A click on the backdrop (outside the dialog's box) closes it.
    const d = dialog();
    if (d && e.target === d) {
      const r = d.getBoundingClientRect();
      const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
      if (!inside) d.close();
    }
  });

  // A new link: its field selected, ready to copy.
  document.addEventListener('htmx:afterSwap', e => {
    if (e.target.id === 'share-made') document.getElementById('share-url')?.select();
  });
})();
