// The runtime of our own rules: each rule file calls kotodxRule({...}); runKotodxRules() runs them all.
// A rule's check() returns {outcome: "failed"|"cantTell"|"passed"|"inapplicable", nodes: [{node, message}]}.
window.__kotodxRules = window.__kotodxRules || [];
window.kotodxRule = (rule) => { window.__kotodxRules.push(rule); };
window.kotodxSelector = (el) => {
  if (!(el instanceof Element)) el = el && el.parentElement;
  if (!el) return "";
  const parts = [];
  while (el && el.nodeType === 1 && parts.length < 6) {
    if (el.id) { parts.unshift(`#${CSS.escape(el.id)}`); break; }
    let part = el.localName;
    const parent = el.parentElement;
    if (parent) {
      const same = Array.from(parent.children).filter((c) => c.localName === el.localName);
      if (same.length > 1) part += `:nth-of-type(${same.indexOf(el) + 1})`;
    }
    parts.unshift(part);
    el = parent;
  }
  return parts.join(" > ");
};
window.kotodxVisible = (el) => {
  if (!(el instanceof Element)) el = el && el.parentElement;
  if (!el) return false;
  const style = getComputedStyle(el);
  if (style.display === "none" || style.visibility === "hidden") return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0;
};
window.kotodxText = (root) => {
  // Visible text nodes under root, with their element.
  const out = [];
  const walker = document.createTreeWalker(root || document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const p = n.parentElement;
    if (!p || ["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"].includes(p.tagName)) continue;
    if (n.textContent.trim() && window.kotodxVisible(p)) out.push(n);
  }
  return out;
};
window.runKotodxRules = (only) => window.__kotodxRules
  .filter((r) => !only || only.includes(r.id))
  .map((r) => {
    let res;
    try { res = r.check(); } catch (e) { res = { outcome: "cantTell", nodes: [], error: String(e) }; }
    return {
      id: r.id, actIds: r.actIds || [], sc: r.sc, impact: r.impact, review: !!r.review,
      help: r.help, outcome: res.outcome, error: res.error || "",
      nodes: (res.nodes || []).slice(0, 50).map((x) => ({
        selector: window.kotodxSelector(x.node),
        html: x.node && x.node.outerHTML ? x.node.outerHTML.slice(0, 300) : String((x.node && x.node.textContent) || "").slice(0, 300),
        message: x.message,
      })),
    };
  });
