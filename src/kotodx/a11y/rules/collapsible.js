// ACT 3e12e1 (2.4.1): a block of repeated content (navigation, side blocks before the page's own content)
// can be collapsed by a control on the page, one of the ways to let users past it. Each control before the
// content that does not leave the page (a button that submits nothing, a link to "#", a control with
// aria-expanded or aria-controls) is clicked, and clicked again to undo it: a block it takes off the screen
// (not only hides from screen readers) is collapsible.
kotodxRule({
  id: "kotodx-collapsible-blocks",
  actIds: ["3e12e1"],
  late: true,  // clicks the page's toggles (and back)
  review: true,  // one of the ways to bypass blocks is enough for 2.4.1: advice, not a violation
  sc: ["2.4.1"],
  impact: "minor",
  help: "繰り返しのブロック（ナビゲーションなど）を折りたたむ手段がありません。開閉のボタンを置くと、キーボードの利用者が飛ばせます。",
  check: () => {
    const b = kotodxBypass();
    if (!b) return { outcome: "inapplicable", nodes: [] };
    const blockSel = "nav, aside, [role=navigation], [role=complementary], ol, ul";
    const blocks = b.repeated.filter((el) => el.matches(blockSel)
      && !b.repeated.some((o) => o !== el && o.matches(blockSel) && o.contains(el)));
    if (!blocks.length) return { outcome: "inapplicable", nodes: [] };
    const rendered = (el) => el.isConnected && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
    const controls = Array.from(document.querySelectorAll("button, a[href], [role=button], [aria-expanded], [aria-controls]"))
      .filter((el) => b.before(el) && kotodxVisible(el) && !blocks.some((blk) => blk.contains(el)))
      // never what sends a request (htmx) or leaves the page
      .filter((el) => !Array.from(el.attributes).some((a) => /^(data-)?hx-/.test(a.name)) && !el.hasAttribute("formaction"))
      .filter((el) => {
        if (el.localName === "a") {
          const href = el.getAttribute("href") || "";
          return href === "#" || href.startsWith("javascript:") || el.hasAttribute("aria-expanded") || el.hasAttribute("aria-controls");
        }
        if (el.localName === "button") return !el.form || el.type === "button";
        return true;
      });
    const collapsible = new Set();
    for (const control of controls.slice(0, 10)) {
      const before = blocks.map(rendered);
      try { control.click(); } catch (e) { continue; }
      blocks.forEach((blk, i) => { if (before[i] && !rendered(blk)) collapsible.add(blk); });
      try { control.click(); } catch (e) { /* the control went away */ }
    }
    const nodes = blocks.filter((blk) => !collapsible.has(blk)).map((blk) => ({ node: blk, message: "このブロックを折りたたむ操作が見つかりません。" }));
    return { outcome: nodes.length ? "failed" : "passed", nodes };
  },
});
