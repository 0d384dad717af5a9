// Draws the dyad charts (Vega-Lite specs rendered by the server into the page) and lists the
// events of a clicked point from the API, each linking to its sentence in the article.
(function () {
  var filter = JSON.parse(document.getElementById("api-filter").textContent);
  window.dyadViews = {};

  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (cls) el.className = cls;
    return el;
  }

  function show(datum) {
    var params = new URLSearchParams({ dyad: filter.dyad, since: datum.since, until: datum.until, limit: "100" });
    if (filter.min_quality !== null && filter.min_quality !== undefined) params.set("min_quality", filter.min_quality);
    if (datum.type) params.append("type", datum.type);
    var section = document.getElementById("selection");
    var list = document.getElementById("selection-list");
    document.getElementById("selection-title").textContent =
      (datum.type ? datum.type + " " : "") + "events " + datum.since + " to " + datum.until;
    list.replaceChildren(text("li", "loading…", "muted"));
    section.hidden = false;
    fetch("/api/events?" + params.toString()).then(function (r) { return r.json(); }).then(function (page) {
      list.replaceChildren();
      (page.items || []).forEach(function (ev) {
        var li = document.createElement("li");
        li.appendChild(text("span", ev.type, "type q" + (ev.quad_class || 0)));
        var who = " " + (ev.actor.code || ev.actor.text || "?") + " → " + (ev.recipient.code || ev.recipient.text || "—") +
          " · " + ev.status + " · " + (ev.date || "no date") + " · ";
        li.appendChild(document.createTextNode(who));
        var a = text("a", "“" + (ev.evidence.text || "") + "”");
        a.href = "/articles/" + encodeURIComponent(ev.document.id) + "#ev-" + encodeURIComponent(ev.id);
        a.className = "evidence-link";
        li.appendChild(a);
        list.appendChild(li);
      });
      if (!page.items || !page.items.length) list.appendChild(text("li", "No events.", "muted"));
      section.scrollIntoView({ block: "nearest" });
    }).catch(function (err) { list.replaceChildren(text("li", "Could not load events: " + err, "warn")); });
  }

  function draw(name) {
    var spec = JSON.parse(document.getElementById(name + "-spec").textContent);
    if (!spec.data.values.length) {
      document.getElementById(name).appendChild(text("p", "No events in this range.", "muted"));
      return;
    }
    vegaEmbed("#" + name, spec, { renderer: "svg", actions: false }).then(function (res) {
      window.dyadViews[name] = res.view;
      res.view.addEventListener("click", function (event, item) {
        if (item && item.datum && item.datum.since) show(item.datum);
      });
      document.getElementById(name).dataset.ready = "1";
    }).catch(function (err) {
      document.getElementById(name).appendChild(text("p", "Chart failed: " + err, "warn"));
    });
  }

  draw("timeline");
  draw("index");
})();
