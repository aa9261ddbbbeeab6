// The upload zone: drag and drop onto the (visually hidden) file input, and a progress bar
// shown from the start of an upload. The bar stops short of full until the server has
// imported the file; a refused file hides it (the error box says why).
(function () {
  var zone = document.getElementById('dropzone');
  var input = document.getElementById('file');
  var text = document.getElementById('dropzone-text');
  var progress = document.getElementById('progress');
  var form = document.getElementById('upload');
  function show() { if (input.files.length) text.textContent = input.files[0].name; }
  input.addEventListener('change', show);
  ['dragenter', 'dragover'].forEach(function (t) {
    zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add('over'); });
  });
  ['dragleave', 'drop'].forEach(function (t) {
    zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.remove('over'); });
  });
  zone.addEventListener('drop', function (e) { input.files = e.dataTransfer.files; show(); });
  htmx.on(form, 'htmx:beforeRequest', function (e) {
    if (e.detail.elt !== form) return;
    progress.value = 0;
    progress.className = '';
    progress.hidden = false;
  });
  htmx.on(form, 'htmx:xhr:progress', function (e) {
    // Sent is not imported: the last step is the server's.
    if (e.detail.lengthComputable) progress.value = Math.min(95, e.detail.loaded / e.detail.total * 95);
  });
  htmx.on(form, 'htmx:afterRequest', function (e) {
    if (e.detail.elt !== form) return;
    if (e.detail.successful) {
      progress.value = 100;
      progress.className = 'done';
    } else {
      progress.className = 'failed';
      progress.hidden = true;
    }
  });
})();
