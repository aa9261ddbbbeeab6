// The upload zone: drag and drop onto the file input, and the progress bar while uploading.
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
  htmx.on(form, 'htmx:xhr:progress', function (e) {
    if (e.detail.lengthComputable) progress.value = e.detail.loaded / e.detail.total * 100;
  });
  htmx.on(form, 'htmx:afterRequest', function () { progress.value = 100; });
})();
