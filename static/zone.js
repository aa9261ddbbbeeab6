// Tells the server the browser's time zone (a `tz` cookie, an IANA name) so pages show times
// in it, when the user has not chosen a zone in their settings. The server checks the name and
// ignores one it does not know.
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone || !/^[A-Za-z0-9\/_+-]{1,64}$/.test(zone)) return;
    var current = document.cookie.split('; ').filter(function (c) { return c.indexOf('tz=') === 0; })[0];
    if (current !== 'tz=' + zone) {
      document.cookie = 'tz=' + zone + '; path=/; max-age=31536000; samesite=lax';
    }
  } catch (e) { /* no Intl: the server's zone is used */ }
})();
