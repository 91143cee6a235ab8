// ACT 2t702h: a summary element (the summary of its details) needs a non-empty accessible name.
kotodxRule({
  id: "kotodx-summary-name",
  actIds: ["2t702h"],
  sc: ["4.1.2"],
  impact: "serious",
  help: "details の summary（開閉のボタン）に名前がありません。表示する文字か aria-label を付けてください。",
  check: () => {
    const nodes = [];
    let applicable = 0;
    for (const details of document.querySelectorAll("details")) {
      const summary = Array.from(details.children).find((c) => c.localName === "summary");
      if (!summary || !kotodxInTree(summary)) continue;
      const role = (summary.getAttribute("role") || "").trim().toLowerCase();
      if (role && role !== "none" && role !== "presentation") continue;  // an explicit role: other rules
      applicable += 1;
      if (!kotodxName(summary)) nodes.push({ node: summary, message: "summary の名前が空です。" });
    }
    if (!applicable) return { outcome: "inapplicable", nodes };
    return { outcome: nodes.length ? "failed" : "passed", nodes };
  },
});
