// Bypass blocks (WCAG 2.4.1): can a keyboard or screen-reader user get past the repeated content (navigation,
// side blocks) to the page's own content? The page's own content is taken to be where its longest
// paragraph is; repeated content is the links and side blocks before it. Four ACT rules:
// b40fd1 a main landmark holds it, 047fe0 a visible heading starts it, ye5d6e a link moves the focus to its
// start, cf77f2 at least one of these.
window.kotodxBypass = () => {
  if (window.__kotodxBypass !== undefined) return window.__kotodxBypass;
  const paras = Array.from(document.querySelectorAll("p, td, dd, li, blockquote, div"))
    .filter((el) => kotodxVisible(el) && !el.querySelector("p, div, li, td, dd, blockquote"))
    .map((el) => ({ el, len: (el.textContent || "").trim().length }))
    .filter((x) => x.len >= 100)
    .sort((a, b) => b.len - a.len);
  if (!paras.length) return (window.__kotodxBypass = null);
  // the block that holds the longest paragraph (its parent, unless that is the body)
  const longest = paras[0].el;
  const content = longest.parentElement && longest.parentElement !== document.body ? longest.parentElement : longest;
  const before = (el) => !!(el.compareDocumentPosition(content) & Node.DOCUMENT_POSITION_FOLLOWING) && !el.contains(content);
  const repeated = Array.from(document.querySelectorAll("a[href], nav, aside, [role=navigation], [role=complementary], ol, ul"))
    .filter((el) => before(el) && kotodxInTree(el) && !el.closest("main, [role=main]"));
  if (!repeated.length) return (window.__kotodxBypass = null);
  return (window.__kotodxBypass = { content, longest, repeated, before });
};

const mainLandmark = () => {
  const b = kotodxBypass();
  if (!b) return null;
  return Array.from(document.querySelectorAll("main, [role=main]"))
    .filter((m) => kotodxInTree(m) && (m.textContent || "").trim().length >= 20);
};

const onScreen = (el) => {
  const r = el.getBoundingClientRect();
  const s = getComputedStyle(el);
  return r.width > 1 && r.height > 1 && r.bottom + window.scrollY > 0 && r.right + window.scrollX > 0
    && s.clip !== "rect(0px, 0px, 0px, 0px)" && s.opacity !== "0";
};

const headingBefore = () => {
  const b = kotodxBypass();
  const headings = Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6, [role=heading]"))
    .filter((h) => kotodxInTree(h) && (h.compareDocumentPosition(b.longest) & Node.DOCUMENT_POSITION_FOLLOWING || h.contains(b.longest)));
  const h = headings[headings.length - 1];
  if (!h) return { ok: false, node: b.content, message: "本文の前に見出しがありません。" };
  // no repeated content (links) between that heading and the content
  const between = Array.from(document.querySelectorAll("a[href]")).some((a) =>
    (h.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING) && b.before(a) && !h.contains(a)
    && !b.content.contains(a) && kotodxInTree(a));
  if (between) return { ok: false, node: h, message: "本文の始まりに見出しがありません（最後の見出しの後に繰り返しのリンクが続きます）。" };
  if (!onScreen(h)) return { ok: false, node: h, message: "本文の見出しが画面の外にあり、見えません。" };
  return { ok: true };
};

const skipLink = () => {
  const b = kotodxBypass();
  const targets = [];
  for (const el of document.querySelectorAll("a[href^='#'], [role=link][onclick]")) {
    const ref = el.getAttribute("href") || ((el.getAttribute("onclick") || "").match(/#([\w-]+)/) || [])[0] || "";
    const id = ref.replace(/^#/, "");
    const target = id && document.getElementById(id);
    if (target && b.before(el)) targets.push(target);
  }
  const landsAtContent = (t) => {
    if (t.contains(b.content) || b.content.contains(t)) return true;
    if (!(t.compareDocumentPosition(b.content) & Node.DOCUMENT_POSITION_FOLLOWING)) return false;
    if ((t.textContent || "").trim()) return false;  // it lands on other content, not at the start of this
    // nothing readable between the end of the target and the content
    const range = document.createRange();
    range.setStartAfter(t);
    range.setEndBefore(b.content);
    return range.toString().trim() === "";
  };
  return targets.some(landsAtContent);
};

kotodxRule({
  id: "kotodx-main-landmark",
  review: true,  // one of the ways to bypass blocks is enough for 2.4.1: advice, not a violation
  actIds: ["b40fd1"],
  sc: ["2.4.1"],
  impact: "moderate",
  help: "ページの本文が main ランドマークに入っていません。本文を <main> で囲むと、スクリーンリーダーの利用者が繰り返しの部分を飛ばせます。",
  check: () => {
    const b = kotodxBypass();
    if (!b) return { outcome: "inapplicable", nodes: [] };
    return mainLandmark().length ? { outcome: "passed", nodes: [] } : { outcome: "failed", nodes: [{ node: b.content, message: "本文が main の外にあります。" }] };
  },
});

kotodxRule({
  id: "kotodx-content-heading",
  review: true,  // one of the ways to bypass blocks is enough for 2.4.1: advice, not a violation
  actIds: ["047fe0"],
  sc: ["2.4.1"],
  impact: "moderate",
  help: "本文の始まりに見える見出しがありません。見出しで移動する利用者が本文にたどり着けるよう、本文の先頭に見出しを置いてください。",
  check: () => {
    const b = kotodxBypass();
    if (!b) return { outcome: "inapplicable", nodes: [] };
    const h = headingBefore();
    return h.ok ? { outcome: "passed", nodes: [] } : { outcome: "failed", nodes: [{ node: h.node, message: h.message }] };
  },
});

kotodxRule({
  id: "kotodx-skip-link",
  review: true,  // one of the ways to bypass blocks is enough for 2.4.1: advice, not a violation
  actIds: ["ye5d6e"],
  sc: ["2.4.1"],
  impact: "moderate",
  help: "本文へ移動するリンク（スキップリンク）がありません。ページの最初に「本文へ移動」のリンクを置き、本文の始まりを指してください。",
  check: () => {
    const b = kotodxBypass();
    if (!b) return { outcome: "inapplicable", nodes: [] };
    return skipLink() ? { outcome: "passed", nodes: [] } : { outcome: "failed", nodes: [{ node: b.repeated[0], message: "本文の始まりへ移動するリンクがありません。" }] };
  },
});

kotodxRule({
  id: "kotodx-bypass-blocks",
  actIds: ["cf77f2"],
  sc: ["2.4.1"],
  impact: "serious",
  help: "繰り返しの部分（ナビゲーションなど）を飛ばす手段がありません。main ランドマーク、本文の見出し、スキップリンクのどれかを用意してください。",
  check: () => {
    const b = kotodxBypass();
    if (!b) return { outcome: "inapplicable", nodes: [] };
    const toggles = Array.from(document.querySelectorAll("button, a[href='#'][onclick], [aria-expanded]")).some((el) => b.before(el));
    const ok = mainLandmark().length || headingBefore().ok || skipLink() || toggles;
    return ok ? { outcome: "passed", nodes: [] } : { outcome: "failed", nodes: [{ node: b.repeated[0], message: "繰り返しの部分を飛ばせません。" }] };
  },
});
