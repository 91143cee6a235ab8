// A page whose only content is a PDF (embedded or a single link): the information should be in HTML too.
kotodxRule({
  id: "kotodx-pdf-only-page",
  sc: ["1.3.1"],
  impact: "moderate",
  review: true,
  help: "このページの内容は PDF だけです。PDF の内容をHTMLでも提供してください（PDF は読み上げや拡大に向かないことがあります）。",
  check: () => {
    const main = document.querySelector("main") || document.body;
    const pdfs = Array.from(main.querySelectorAll("embed, object, iframe, a[href]")).filter((el) => {
      const src = el.getAttribute("src") || el.getAttribute("data") || el.getAttribute("href") || "";
      return /\.pdf($|[?#])/i.test(src) || (el.getAttribute("type") || "") === "application/pdf";
    });
    if (!pdfs.length) return { outcome: "inapplicable", nodes: [] };
    const embedded = pdfs.some((el) => el.localName !== "a");
    const clone = main.cloneNode(true);
    clone.querySelectorAll("h1, h2, h3, h4, h5, h6, a, nav, script, style").forEach((el) => el.remove());
    const text = clone.textContent.replace(/\s+/g, "");
    return text.length < (embedded ? 200 : 40)
      ? { outcome: "failed", nodes: [{ node: pdfs[0], message: "本文がほとんどなく、PDF だけのページです。" }] }
      : { outcome: "passed", nodes: [] };
  },
});
