// ACT 4b1c6c (4.1.2): iframes with the same accessible name must show the same thing, or a screen-reader
// user cannot tell them apart. Frames of the same name are compared by what they show: the same address or,
// for frames of this site, the same document title; frames of another site cannot be read, so a person
// must look. Shadow DOM is searched too; a frame that is not rendered does not count.
kotodxRule({
  id: "kotodx-frame-same-name",
  actIds: ["4b1c6c"],
  review: true,  // whether two documents serve the same purpose is for a person to confirm
  sc: ["4.1.2"],
  impact: "moderate",
  help: "同じ名前の iframe が違う内容を表示しています。内容ごとに区別できる名前（title 属性など）を付けてください。",
  check: () => {
    const frames = [];
    const collect = (root) => {
      for (const el of root.querySelectorAll("*")) {
        if (el.localName === "iframe") frames.push(el);
        if (el.shadowRoot) collect(el.shadowRoot);
      }
    };
    collect(document);
    const nameOf = (f) => {
      const root = f.getRootNode();
      const ids = (f.getAttribute("aria-labelledby") || "").trim();
      if (ids) {
        const text = ids.split(/\s+/).map((id) => ((root.getElementById ? root.getElementById(id) : null) || {}).textContent || "").join(" ").trim();
        if (text) return text;
      }
      return (f.getAttribute("aria-label") || "").trim() || (f.getAttribute("title") || "").trim();
    };
    const groups = new Map();
    for (const f of frames) {
      if (!f.getClientRects().length || !kotodxInTree(f)) continue;
      const name = nameOf(f).replace(/\s+/g, " ").toLowerCase();
      if (!name) continue;
      if (!groups.has(name)) groups.set(name, []);
      groups.get(name).push(f);
    }
    const what = (f) => {
      let doc = null;
      try { doc = f.contentDocument; } catch (e) { doc = null; }
      if (!doc) return { url: f.src, title: null };
      return { url: doc.URL, title: (doc.title || "").trim() };
    };
    const nodes = [];
    let applicable = 0;
    let unknown = false;
    for (const [name, group] of groups) {
      if (group.length < 2) continue;
      applicable += 1;
      const seen = group.map(what);
      const sameUrl = seen.every((s) => s.url === seen[0].url);
      if (sameUrl) continue;
      if (seen.some((s) => s.title === null)) { unknown = true; continue; }
      if (!seen.every((s) => s.title === seen[0].title)) {
        nodes.push({ node: group[1], message: `名前「${name}」の iframe が、違う文書（${seen.map((s) => `「${s.title}」`).join("・")}）を表示しています。` });
      }
    }
    if (!applicable) return { outcome: "inapplicable", nodes };
    if (nodes.length) return { outcome: "failed", nodes };
    return { outcome: unknown ? "cantTell" : "passed", nodes };
  },
});
