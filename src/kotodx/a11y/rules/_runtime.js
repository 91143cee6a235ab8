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
// Rules marked late change the page (they press keys, click toggles, send motion events): they run last.
window.runKotodxRules = (only) => window.__kotodxRules
  .filter((r) => !only || only.includes(r.id))
  .sort((a, b) => Number(!!a.late) - Number(!!b.late))
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
// Included in the accessibility tree: rendered and not hidden from assistive technology.
window.kotodxInTree = (el) => {
  for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
    if (e.hidden || e.getAttribute("aria-hidden") === "true") return false;
    const s = getComputedStyle(e);
    if (s.display === "none") return false;
  }
  return getComputedStyle(el).visibility !== "hidden";
};
// The element's role: the first valid token of role, else the implicit role of its element (the common ones).
window.kotodxRole = (el) => {
  const explicit = (el.getAttribute("role") || "").trim().toLowerCase().split(/\s+/)[0];
  if (explicit) return explicit;
  const implicit = {
    a: el.hasAttribute("href") ? "link" : "generic", p: "paragraph", div: "generic", span: "generic",
    code: "code", del: "deletion", em: "emphasis", ins: "insertion", strong: "strong", sub: "subscript",
    sup: "superscript", mark: "mark", time: "time", b: "generic", i: "generic", u: "generic", s: "deletion",
    small: "generic", section: el.hasAttribute("aria-label") || el.hasAttribute("aria-labelledby") ? "region" : "generic",
    button: "button", h1: "heading", h2: "heading", h3: "heading", h4: "heading", h5: "heading", h6: "heading",
    img: "img", nav: "navigation", main: "main", ul: "list", ol: "list", li: "listitem", table: "table",
    caption: "caption", summary: "button", dfn: "term", header: "banner", footer: "contentinfo", form: "form",
    input: "textbox", select: "combobox", textarea: "textbox", article: "article", aside: "complementary",
    dialog: "dialog", fieldset: "group", figure: "figure", details: "group", hr: "separator",
    iframe: "iframe", label: "generic", address: "group", blockquote: "blockquote", legend: "generic",
  };
  return implicit[el.localName] || "";  // an element whose role we do not know: rules leave it alone
};
// A simple accessible name: aria-labelledby, aria-label, text content, title.
window.kotodxName = (el) => {
  const ids = (el.getAttribute("aria-labelledby") || "").trim();
  if (ids) {
    const text = ids.split(/\s+/).map((id) => (document.getElementById(id) || {}).textContent || "").join(" ").trim();
    if (text) return text;
  }
  const label = (el.getAttribute("aria-label") || "").trim();
  if (label) return label;
  const alts = Array.from(el.querySelectorAll("img[alt]"), (i) => i.alt).join(" ");
  return `${el.textContent || ""} ${alts}`.trim() || (el.getAttribute("title") || "").trim();
};
