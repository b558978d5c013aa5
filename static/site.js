// Flickr Killr — the page's one script: show how long ago each photo was taken.
'use strict';
document.addEventListener('DOMContentLoaded', function () {
  var now = Date.now();
  document.querySelectorAll('time[datetime]').forEach(function (el) {
    var t = Date.parse(el.getAttribute('datetime'));
    if (isNaN(t)) return;
    var days = Math.floor((now - t) / 86400000);
    var span = document.createElement('span');
    span.className = 'ago';
    span.textContent = ' (' + (days > 365 ? Math.floor(days / 365) + ' years' : days + ' days') + ' ago)';
    el.after(span);
  });
});
