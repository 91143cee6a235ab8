// Machine-dependent characters (機種依存文字) that NFKC changes: ① ㈱ Ⅻ ㍻ ㌔ … may be read wrongly or not at all.
kotodxRule({
  id: "kotodx-machine-dependent-chars",
  sc: ["1.3.1"],
  impact: "minor",
  review: true,
  help: "機種依存文字（①、㈱、Ⅻ、㍻ など）は読み上げや環境によって正しく伝わらないことがあります。(1)、（株）、12、平成 のように書いてください。",
  check: () => {
    const range = /[\u2160-\u217f\u2460-\u24ff\u2776-\u2793\u3200-\u32ff\u3300-\u33ff]/g;
    const nodes = [];
    for (const t of kotodxText()) {
      const found = (t.textContent.match(range) || []).filter((c) => c.normalize("NFKC") !== c);
      if (found.length) nodes.push({ node: t.parentElement, message: `機種依存文字: ${[...new Set(found)].join(" ")}` });
    }
    return { outcome: nodes.length ? "failed" : "passed", nodes };
  },
});
