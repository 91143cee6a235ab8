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
  kotodxContrast(raw);
  kotodxAbbreviatedLabels(raw);
  return raw;
};

// A visible label with an abbreviation that the accessible name spells out ("Ave." → "Avenue"): ACT 2ee8b8
// does not apply to it (the name does contain the label, read in full).
window.kotodxAbbreviatedLabels = (raw) => {
  const rule = raw.violations.find((r) => r.id === "label-content-name-mismatch");
  if (!rule) return;
  const words = (t) => t.toLowerCase().split(/\s+/).filter(Boolean);
  const expands = (el) => {
    const label = words(el.innerText || "");
    const name = words(el.getAttribute("aria-label") || "");
    if (!label.length || !label.some((w) => w.endsWith("."))) return false;
    return label.every((w, i) => {
      const n = name[i] || "";
      return w.endsWith(".") ? n.startsWith(w.slice(0, -1)) && n.length > w.length - 1 : n === w;
    });
  };
  rule.nodes = rule.nodes.filter((n) => {
    const t = n.target;
    if (!Array.isArray(t) || t.length !== 1 || typeof t[0] !== "string") return true;
    let el = null;
    try { el = document.querySelector(t[0]); } catch (e) { return true; }
    return !el || !expands(el);
  });
  if (!rule.nodes.length) raw.violations = raw.violations.filter((r) => r !== rule);
};

// Text contrast where axe-core cannot tell or reports what ACT does not count:
// - text with no letters or digits (a row of symbols) carries no language: not a contrast failure;
// - text on a gradient: measured against every colour stop; below the ratio on all of them is a failure,
//   above it on all of them passes; otherwise a person must look.
window.kotodxContrast = (raw) => {
  const element = (n) => {
    const t = n.target;
    if (!Array.isArray(t) || t.length !== 1 || typeof t[0] !== "string") return null;
    try { return document.querySelector(t[0]); } catch (e) { return null; }
  };
  const hasWords = (el) => /[\p{L}\p{N}]/u.test(`${el.textContent || ""}${el.shadowRoot ? el.shadowRoot.textContent : ""}`);
  const rgb = (text) => (text.match(/rgba?\([^)]*\)/g) || []).map((c) => c.match(/[\d.]+/g).map(Number));
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const gradientVerdict = (el, enhanced) => {
    let bg = null;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage && s.backgroundImage.includes("gradient")) { bg = s.backgroundImage; break; }
      if (s.backgroundImage !== "none" || rgb(s.backgroundColor).some((c) => c.length < 4 || c[3] > 0)) return null;
    }
    if (!bg) return null;
    const stops = rgb(bg);
    if (!stops.length || stops.some((c) => c.length > 3 && c[3] < 1)) return null;
    const style = getComputedStyle(el);
    const fg = rgb(style.color)[0];
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const need = enhanced ? (large ? 4.5 : 7) : large ? 3 : 4.5;
    const ratios = stops.map((c) => ratio(fg, c));
    if (ratios.every((r) => r < need)) return "failed";
    if (ratios.every((r) => r >= need)) return "passed";
    return null;
  };
  for (const id of ["color-contrast", "color-contrast-enhanced"]) {
    const violations = raw.violations.find((r) => r.id === id);
    if (violations) {
      violations.nodes = violations.nodes.filter((n) => { const el = element(n); return !el || hasWords(el); });
      if (!violations.nodes.length) raw.violations = raw.violations.filter((r) => r !== violations);
    }
    const incomplete = raw.incomplete.find((r) => r.id === id);
    if (!incomplete) continue;
    const failed = [];
    incomplete.nodes = incomplete.nodes.filter((n) => {
      const el = element(n);
      if (!el) return true;
      if (!hasWords(el)) return false;
      const verdict = gradientVerdict(el, id.endsWith("enhanced"));
      if (verdict === "failed") failed.push({ ...n, failureSummary: "グラデーションの背景のどの色に対しても、文字のコントラスト比が足りません。" });
      return verdict === null;
    });
    if (failed.length) {
      const target = raw.violations.find((r) => r.id === id);
      if (target) target.nodes.push(...failed);
      else raw.violations.push({ ...incomplete, nodes: failed });
    }
    if (!incomplete.nodes.length) raw.incomplete = raw.incomplete.filter((r) => r !== incomplete);
  }
};
