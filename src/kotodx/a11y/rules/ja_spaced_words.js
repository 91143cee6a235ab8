// Spaces put inside Japanese words for layout (江 東 区, 氏　名): screen readers read them apart.
kotodxRule({
  id: "kotodx-ja-spaced-words",
  sc: ["1.3.2"],
  impact: "moderate",
  help: "単語の途中に空白を入れて字間を調整しています（例:「江 東 区」）。読み上げで単語が区切られるため、空白を除き、字間は CSS で調整してください。",
  check: () => {
    // three or more kanji with single spaces between them inside a text (江 東 区), or a short label or
    // cell that is only kanji with spaces between them (氏　名)
    const inline = /(?<![\u3040-\u30ff\u3400-\u9fff])[\u3400-\u9fff](?:[ \u3000][\u3400-\u9fff]){2,}(?![\u3040-\u30ff\u3400-\u9fff])/;
    const whole = /^[\u3400-\u9fff](?:[ \u3000]+[\u3400-\u9fff]){1,4}$/;
    const nodes = [];
    for (const t of kotodxText()) {
      const text = t.textContent.trim();
      const m = text.match(inline);
      if (m || whole.test(text)) nodes.push({ node: t.parentElement, message: `「${(m ? m[0] : text).slice(0, 30)}」` });
    }
    return { outcome: nodes.length ? "failed" : "passed", nodes };
  },
});
