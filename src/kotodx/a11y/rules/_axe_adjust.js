// Where axe-core reports a failure on what the ACT rules call inapplicable, our checker corrects the result
// before it is reported (axe itself stays unmodified):
// - a document whose root is not an HTML <html> element (an XML or MathML document) has no HTML page
//   rules (lang, title);
// - an element made inert by an open modal dialog (or the inert attribute) is out of the tab order and the
//   accessibility tree, so iframe focus rules do not apply to it.
window.kotodxAdjustAxe = (raw) => {
  const root = document.documentElement;
  const htmlPage = root && root.localName === "html" && root.namespaceURI === "http://www.w3.org/1999/xhtml";
  const pageRules = new Set(["html-has-lang", "html-lang-valid", "html-xml-lang-mismatch", "document-title"]);
  const modal = document.querySelector("dialog:modal");
  const inert = (el) => !!el && (!!el.closest("[inert]") || (modal && !modal.contains(el)));
  const inertRules = new Set(["frame-focusable-content"]);
  const keep = (rule) => {
    if (!htmlPage && pageRules.has(rule.id)) return null;
    if (inertRules.has(rule.id)) {
      rule.nodes = rule.nodes.filter((n) => {
        const t = n.target;
        if (!Array.isArray(t) || typeof t[0] !== "string") return true;  // [element] or [frame, inside…]
        let el = null;
        try { el = document.querySelector(t[0]); } catch (e) { return true; }
        return !inert(el);
      });
      if (!rule.nodes.length) return null;
    }
    return rule;
  };
  for (const kind of ["violations", "incomplete"]) raw[kind] = raw[kind].map(keep).filter(Boolean);
  return raw;
};
