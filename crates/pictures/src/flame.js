// Click a frame to zoom into it, "Reset zoom" to go back, "Search" to highlight frames whose
// names match a regular expression. The picture reads fine without this script.
(function () {
  var svg = document.documentElement;
  var W = +svg.getAttribute("data-width"), PAD = +svg.getAttribute("data-pad");
  var frames = [].slice.call(document.querySelectorAll("g.f"));
  var reset = document.getElementById("reset"), matched = document.getElementById("matched");
  frames.forEach(function (g) {
    var r = g.querySelector("rect"), t = g.querySelector("title").textContent;
    g.x0 = +r.getAttribute("x"); g.w0 = +r.getAttribute("width"); g.y0 = +r.getAttribute("y");
    g.fill0 = r.getAttribute("fill"); g.label = t.slice(0, t.lastIndexOf(" ("));
  });
  function place(g, x, w) {
    var r = g.querySelector("rect"), text = g.querySelector("text");
    r.setAttribute("x", x.toFixed(2)); r.setAttribute("width", w.toFixed(2));
    var chars = Math.floor((w - 6) / 7);
    if (!text && chars >= 3) {
      text = document.createElementNS("http://www.w3.org/2000/svg", "text");
      text.setAttribute("y", g.y0 + 11.5); g.appendChild(text);
    }
    if (text) {
      text.setAttribute("x", (x + 3).toFixed(2));
      text.textContent = chars < 3 ? "" : g.label.length <= chars ? g.label : g.label.slice(0, chars - 2) + "..";
    }
  }
  function zoom(target) {
    var x0 = target.x0, w0 = target.w0, scale = (W - 2 * PAD) / w0;
    frames.forEach(function (g) {
      var inside = g.x0 >= x0 - 1e-6 && g.x0 + g.w0 <= x0 + w0 + 1e-6;
      var below = g.y0 > target.y0 && g.x0 <= x0 + 1e-6 && g.x0 + g.w0 >= x0 + w0 - 1e-6;
      g.style.display = (inside && g.y0 <= target.y0) || below ? "" : "none";
      g.style.opacity = below ? "0.5" : "";
      if (below) place(g, PAD, W - 2 * PAD);
      else if (inside) place(g, PAD + (g.x0 - x0) * scale, g.w0 * scale);
    });
    reset.style.display = "";
  }
  function unzoom() {
    frames.forEach(function (g) { g.style.display = ""; g.style.opacity = ""; place(g, g.x0, g.w0); });
    reset.style.display = "none";
  }
  function search() {
    var term = prompt("Highlight frames whose names match (regular expression):", "");
    if (term === null) return;
    var re, spans = [], covered = 0, end = -1;
    try { re = new RegExp(term); } catch (e) { alert("Not a regular expression: " + e.message); return; }
    frames.forEach(function (g) {
      var hit = term !== "" && re.test(g.label);
      g.querySelector("rect").setAttribute("fill", hit ? "rgb(230,0,230)" : g.fill0);
      if (hit) spans.push([g.x0, g.x0 + g.w0]);
    });
    spans.sort(function (a, b) { return a[0] - b[0]; }).forEach(function (s) {
      if (s[1] > end) { covered += s[1] - Math.max(s[0], end); end = s[1]; }
    });
    matched.textContent = term === "" ? "" : "Matched: " + (100 * covered / (W - 2 * PAD)).toFixed(1) + "%";
  }
  frames.forEach(function (g) { g.addEventListener("click", function () { zoom(g); }); });
  reset.addEventListener("click", unzoom);
  document.getElementById("search").addEventListener("click", search);
})();
