// Links to PDF, Word, Excel and other files should say the file type and size (みんなの公共サイト運用ガイドライン).
kotodxRule({
  id: "kotodx-file-link-info",
  sc: ["2.4.4"],
  impact: "minor",
  review: true,
  help: "PDF・Word・Excel などのファイルへのリンクには、ファイルの種類と大きさを書いてください（例:「募集要項（PDF 350KB）」）。",
  check: () => {
    const kinds = { pdf: "PDF", doc: "Word", docx: "Word", xls: "Excel", xlsx: "Excel", ppt: "PowerPoint", pptx: "PowerPoint", odt: "ODF", ods: "ODF", odp: "ODF", csv: "CSV", zip: "ZIP", jtd: "一太郎" };
    const nodes = [];
    let applicable = 0;
    for (const a of document.querySelectorAll("a[href]")) {
      let ext;
      try { ext = new URL(a.getAttribute("href"), location.href).pathname.split(".").pop().toLowerCase(); } catch { continue; }
      if (!(ext in kinds) || !kotodxVisible(a)) continue;
      applicable += 1;
      const name = `${a.textContent} ${a.getAttribute("aria-label") || ""} ${a.title || ""} ${(a.nextSibling && a.nextSibling.textContent) || ""}`;
      const saysKind = new RegExp(`${kinds[ext]}|${ext}|ワード|エクセル`, "i").test(name);
      const saysSize = /\d\s*(KB|MB|GB|キロバイト|メガバイト|バイト|byte)/i.test(name);
      if (!saysKind || !saysSize) {
        const missing = [!saysKind && "ファイルの種類", !saysSize && "大きさ"].filter(Boolean).join("と");
        nodes.push({ node: a, message: `${kinds[ext]} へのリンクに${missing}が書かれていません。` });
      }
    }
    if (!applicable) return { outcome: "inapplicable", nodes };
    return { outcome: nodes.length ? "failed" : "passed", nodes };
  },
});
