// The officer's quick list: "Use my location" reads the position once and
// reloads /quick?lat=…&lon=… in place (location.replace), so positions do
// not pile up in the history. The position goes to the server only as the
// query of that one request; nothing is stored here.
(function () {
  "use strict";
  var wrap = document.getElementById("quick-locate-wrap");
  var btn = document.getElementById("quick-locate");
  if (!wrap || !btn || !navigator.geolocation) { return; }
  wrap.hidden = false;
  btn.addEventListener("click", function () {
    btn.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      var lat = pos.coords.latitude.toFixed(4), lon = pos.coords.longitude.toFixed(4);
      window.location.replace("/quick?lat=" + encodeURIComponent(lat) + "&lon=" + encodeURIComponent(lon));
    }, function () {
      btn.disabled = false;
      btn.textContent = "Location not available — try again";
    }, {enableHighAccuracy: false, timeout: 15000, maximumAge: 60000});
  });
})();
