// The analytics map (templates/analytics/map.html): Leaflet with no tile
// layer unless the server configures one; district outlines, hotspot cells
// coloured by class and an optional kernel density overlay, all fetched as
// GeoJSON from /api/v1/analytics/*. No inline script or style: CSP.
(function () {
  'use strict';
  var el = document.getElementById('map');
  if (!el || !window.L) { return; }
  var form = document.getElementById('map-filter');
  var from = document.getElementById('map-from');
  var to = document.getElementById('map-to');
  var slider = document.getElementById('map-slider');
  var sliderOut = document.getElementById('map-slider-out');
  var win = document.getElementById('map-window');
  var domestic = document.getElementById('map-domestic');
  var cell = document.getElementById('map-cell');
  var kde = document.getElementById('map-kde');
  var status = document.getElementById('map-status');
  var maxZoom = parseInt(el.getAttribute('data-max-zoom'), 10) || 15;
  var tiles = el.getAttribute('data-tiles');

  var map = L.map(el, { maxZoom: maxZoom, minZoom: 3, preferCanvas: false, zoomSnap: 1 });
  map.setView([41.84, -87.68], 10);
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: maxZoom, attribution: 'Map tiles' }).addTo(map);
  }
  var colours = {
    'hot-99': '#b2182b', 'hot-95': '#ef8a62', 'hot-90': '#fddbc7',
    'not-significant': '#d9d9d9',
    'cold-90': '#d1e5f0', 'cold-95': '#67a9cf', 'cold-99': '#2166ac'
  };
  var boundaryLayer = null, cellLayer = null, kdeLayer = null;
  var fitted = false;
  var seq = 0;

  function say(msg) { status.textContent = msg; }

  function params(extra) {
    var p = new URLSearchParams();
    if (from.value) { p.set('from', from.value); }
    if (to.value) { p.set('to', to.value); }
    if (domestic.value && domestic.value !== 'all') { p.set('domestic', domestic.value); }
    if (cell.value) { p.set('cell_m', cell.value); }
    Object.keys(extra || {}).forEach(function (k) { p.set(k, extra[k]); });
    return p;
  }

  function getJSON(url) {
    return fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/geo+json' } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error((body && body.error && body.error.message) || ('HTTP ' + r.status)); }
        return body;
      });
    });
  }

  function loadBoundaries() {
    getJSON('/api/v1/analytics/boundaries?kind=district').then(function (fc) {
      boundaryLayer = L.geoJSON(fc, {
        interactive: false,
        style: function () { return { color: '#333', weight: 2, fill: false, className: 'map-boundary' }; }
      }).addTo(map);
      if (!fitted && fc.features && fc.features.length) { map.fitBounds(boundaryLayer.getBounds()); fitted = true; }
      if (cellLayer) { cellLayer.bringToFront(); }
    }).catch(function (e) { say('Boundaries could not be loaded: ' + e.message); });
  }

  function loadCells() {
    var mine = ++seq;
    var p = params({});
    el.setAttribute('data-request', p.toString());
    say('Loading hot spots…');
    getJSON('/api/v1/analytics/hotspots?' + p.toString()).then(function (fc) {
      if (mine !== seq) { return; }
      if (cellLayer) { map.removeLayer(cellLayer); }
      cellLayer = L.geoJSON(fc, {
        style: function (f) {
          var c = f.properties['class'];
          return { color: colours[c] || '#999', weight: 0.5, fillColor: colours[c] || '#999', fillOpacity: 0.7, className: 'map-cell cell-' + c };
        },
        onEachFeature: function (f, layer) {
          var pr = f.properties;
          layer.bindTooltip(pr.count + ' incidents · ' + pr['class'].replace('-', ' ') +
            (typeof pr.gi_z === 'number' ? ' · z ' + pr.gi_z.toFixed(2) : ''));
        }
      }).addTo(map);
      var n = fc.features ? fc.features.length : 0;
      if (!fitted && n) { map.fitBounds(cellLayer.getBounds()); fitted = true; }
      say(n + ' cells with incidents shown.');
      el.setAttribute('data-cells', String(n));
    }).catch(function (e) { if (mine === seq) { say('Hot spots could not be loaded: ' + e.message); } });
    if (kde.checked) { loadKDE(); }
  }

  function loadKDE() {
    if (kdeLayer) { map.removeLayer(kdeLayer); kdeLayer = null; }
    if (!kde.checked) { return; }
    getJSON('/api/v1/analytics/density?' + params({}).toString()).then(function (fc) {
      var peak = 0;
      (fc.features || []).forEach(function (f) { peak = Math.max(peak, f.properties.density); });
      kdeLayer = L.geoJSON(fc, {
        interactive: false,
        style: function (f) {
          var v = peak > 0 ? f.properties.density / peak : 0;
          return { stroke: false, fillColor: '#6a3d9a', fillOpacity: 0.6 * v, className: 'map-kde' };
        }
      }).addTo(map);
    }).catch(function (e) { say('Density could not be loaded: ' + e.message); });
  }

  // The date slider moves a window of win.value months; its steps are
  // months from January 2001 to this month.
  var start = new Date(2001, 0, 1);
  var now = new Date();
  var months = (now.getFullYear() - start.getFullYear()) * 12 + now.getMonth() - start.getMonth();
  slider.max = String(months);
  slider.disabled = false;
  function iso(d) {
    var m = d.getMonth() + 1, day = d.getDate();
    return d.getFullYear() + '-' + (m < 10 ? '0' : '') + m + '-' + (day < 10 ? '0' : '') + day;
  }
  function monthAt(i) { return new Date(start.getFullYear(), start.getMonth() + i, 1); }
  if (from.value) {
    var f = new Date(from.value + 'T00:00:00');
    if (!isNaN(f)) { slider.value = String((f.getFullYear() - start.getFullYear()) * 12 + f.getMonth() - start.getMonth()); }
  } else {
    slider.value = String(Math.max(0, months - 11));
  }
  function showSlider() { sliderOut.textContent = iso(monthAt(parseInt(slider.value, 10))).slice(0, 7); }
  // With no dates the map shows every incident; the slider waits at the
  // last year until it is moved, and says so.
  if (from.value || to.value) { showSlider(); } else { sliderOut.textContent = 'all dates (move to choose)'; }
  function fromSlider() {
    var i = parseInt(slider.value, 10);
    var a = monthAt(i), b = monthAt(i + parseInt(win.value, 10));
    b.setDate(b.getDate() - 1);
    from.value = iso(a);
    to.value = iso(b);
    showSlider();
    loadCells();
  }
  var timer = null;
  slider.addEventListener('input', function () {
    showSlider();
    clearTimeout(timer);
    timer = setTimeout(fromSlider, 250);
  });
  slider.addEventListener('change', function () { clearTimeout(timer); fromSlider(); });
  win.addEventListener('change', fromSlider);
  form.addEventListener('submit', function (e) { e.preventDefault(); loadCells(); });
  [from, to, domestic, cell].forEach(function (c) { c.addEventListener('change', loadCells); });
  kde.addEventListener('change', loadKDE);

  loadBoundaries();
  loadCells();
}());
