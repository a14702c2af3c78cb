// Progressive enhancement: tells the server the browser's time zone, so times show in local time.
// Cookie `tz`: the IANA zone name (e.g. "Europe/Amsterdam"), path=/, one year, SameSite=Lax. The server
// (web/timezones.py) uses it only when the account has no time zone setting, and only if zoneinfo knows it.
// Without JavaScript, or before this has run once, times are in UTC (or the account's setting).
(function () {
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone || !/^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+){0,2}$/.test(zone)) return;
  var current = document.cookie.match(/(?:^|;\s*)tz=([^;]*)/);
  if (current && current[1] === zone) return;
  var secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax" + secure;
})();
