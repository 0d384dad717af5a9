// Marks the evidence of the event (or the flag) named in the address, e.g. #ev-<id>, and the
// spans of any event or flag clicked in the lists.
(function () {
  function mark(ref) {
    document.querySelectorAll("mark.current").forEach(function (m) { m.classList.remove("current"); });
    var first = null;
    document.querySelectorAll("mark[data-refs]").forEach(function (m) {
      if (m.dataset.refs.split(" ").indexOf(ref) >= 0) {
        m.classList.add("current");
        if (!first) first = m;
      }
    });
    if (first) first.scrollIntoView({ block: "center" });
  }
  function fromHash() {
    var h = decodeURIComponent(location.hash.slice(1));
    if (h.indexOf("ev-") === 0) mark(h.slice(3));
    else if (h.indexOf("flag-") === 0) mark(h);
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
