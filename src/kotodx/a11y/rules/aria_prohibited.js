// ACT kb1m8s: global ARIA properties that ARIA 1.2 prohibits on the element's role — aria-label and
// aria-labelledby on generic, paragraph, code, emphasis … (names are not read there), aria-roledescription
// on generic.
kotodxRule({
  id: "kotodx-aria-prohibited",
  actIds: ["kb1m8s"],
  sc: ["4.1.2"],
  impact: "serious",
  help: "この要素の役割（role）では使えない ARIA 属性があります。読み上げで無視されるため、役割のある要素に付けるか、見える文字で伝えてください。",
  check: () => {
    const noName = new Set(["caption", "code", "deletion", "emphasis", "generic", "insertion", "paragraph",
      "presentation", "none", "strong", "subscript", "superscript", "mark", "suggestion", "term", "time"]);
    const prohibited = { "aria-label": noName, "aria-labelledby": noName, "aria-roledescription": new Set(["generic"]) };
    const nodes = [];
    let applicable = 0;
    for (const el of document.querySelectorAll("[aria-label], [aria-labelledby], [aria-roledescription]")) {
      const role = kotodxRole(el);
      if (!role || !kotodxInTree(el)) continue;
      applicable += 1;
      const bad = Object.keys(prohibited).filter((a) => el.hasAttribute(a) && prohibited[a].has(role));
      if (bad.length) nodes.push({ node: el, message: `役割「${role}」に ${bad.join(", ")} は使えません。` });
    }
    if (!applicable) return { outcome: "inapplicable", nodes };
    return { outcome: nodes.length ? "failed" : "passed", nodes };
  },
});
