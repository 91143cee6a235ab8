// ACT e88epe (1.1.1): an image hidden from assistive technology (alt="", role none/presentation,
// aria-hidden, an svg or canvas without a name) must be decoration. Two signs that it is not: the author
// gave it a text alternative and then hid it with aria-hidden, or the text just before it introduces it
// ("下の図：", "Best logo:"). A person confirms that the image carries information.
kotodxRule({
  id: "kotodx-hidden-image-meaningful",
  actIds: ["e88epe"],
  review: true,
  sc: ["1.1.1"],
  impact: "serious",
  help: "支援技術から隠された画像が、内容を伝えているようです。装飾でない画像には alt などで代替テキストを付け、隠さないでください。",
  check: () => {
    const nodes = [];
    let applicable = 0;
    const hiddenByAria = (el) => !!el.closest("[aria-hidden=true]");
    const named = (el) => !!((el.getAttribute("aria-label") || "").trim() || (el.getAttribute("aria-labelledby") || "").trim()
      || (el.getAttribute("title") || "").trim() || (el.localName === "svg" && el.querySelector(":scope > title")));
    const presentational = (el) => ["none", "presentation"].includes((el.getAttribute("role") || "").trim().toLowerCase());
    const notInTree = (el) => {
      if (hiddenByAria(el)) return true;
      if (el.localName === "img") return presentational(el) || (el.getAttribute("alt") === "" && !named(el));
      const role = (el.getAttribute("role") || "").trim().toLowerCase();
      return presentational(el) || (!role && !named(el));  // svg and canvas without a role and a name
    };
    const introduced = (el) => {
      // the text right before the image, in the same block or the block before it
      let prev = el.previousSibling;
      let n = 0;
      while (prev && n < 4) {
        const t = (prev.textContent || "").trim();
        if (t) return /[:：]$/.test(t);
        prev = prev.previousSibling;
        n += 1;
      }
      return false;
    };
    for (const el of document.querySelectorAll("img, svg, canvas")) {
      if (el.parentElement && el.parentElement.closest("svg")) continue;  // an svg inside an svg
      if (!kotodxVisible(el) || getComputedStyle(el).visibility === "hidden") continue;
      const r = el.getBoundingClientRect();
      if (r.right + window.scrollX <= 0 || r.bottom + window.scrollY <= 0) continue;  // moved off the page
      if (!notInTree(el)) continue;
      applicable += 1;
      const alt = el.localName === "img" ? (el.getAttribute("alt") || "").trim() : "";
      if (hiddenByAria(el) && (alt || named(el))) {
        nodes.push({ node: el, message: `代替テキスト「${(alt || el.getAttribute("aria-label") || el.getAttribute("title") || "").slice(0, 40)}」のある画像が aria-hidden で隠されています。` });
      } else if (introduced(el)) {
        nodes.push({ node: el, message: "直前の文（「：」で終わる）がこの画像を紹介していますが、画像は装飾として隠されています。" });
      }
    }
    if (!applicable) return { outcome: "inapplicable", nodes };
    return { outcome: nodes.length ? "failed" : "passed", nodes };
  },
});
