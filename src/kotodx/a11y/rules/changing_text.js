// ACT efbfc7 (2.2.2): text that changes by itself (a ticker, a counter, a rotating news line) next to other
// content must be possible to pause, stop or hide. The engine watches the page's visible text for a
// moment (kotodxWatchText, started before the other checks); text that changed by itself is reported for a
// person to confirm that there is a way to pause, stop or hide it.
window.kotodxWatchText = () => {
  if (window.__kotodxTextWatch) return;
  const changed = new Set();
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      const el = r.type === "characterData" ? r.target.parentElement : r.target;
      if (!el || el.nodeType !== 1 || ["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"].includes(el.tagName)) continue;
      if (r.type === "childList" && ![...r.addedNodes, ...r.removedNodes].some((n) => n.nodeType === 3 || (n.nodeType === 1 && !["SCRIPT", "STYLE", "LINK", "META"].includes(n.tagName)))) continue;
      changed.add(el);
    }
  });
  observer.observe(document.documentElement, { subtree: true, childList: true, characterData: true });
  window.__kotodxTextWatch = { observer, changed, started: performance.now() };
};

kotodxRule({
  id: "kotodx-changing-text",
  actIds: ["efbfc7"],
  review: true,
  sc: ["2.2.2"],
  impact: "moderate",
  help: "文字が自動で変わり続けています。一時停止・停止・非表示にする手段（ボタンなど）があるか確認してください。",
  check: () => {
    const watch = window.__kotodxTextWatch;
    if (!watch) return { outcome: "inapplicable", nodes: [] };
    watch.observer.takeRecords();
    const nodes = [];
    for (const el of watch.changed) {
      if (!el.isConnected || !kotodxVisible(el) || !kotodxInTree(el) || !(el.textContent || "").trim()) continue;
      if (nodes.some((n) => n.node.contains(el) || el.contains(n.node))) continue;
      nodes.push({ node: el, message: "検査の間に文字が自動で変わりました。" });
    }
    return { outcome: nodes.length ? "cantTell" : "inapplicable", nodes };
  },
});
