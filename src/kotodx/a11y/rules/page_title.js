// ACT c4a8a4 (2.4.2): the page's title is the first <title> of the document; further ones are ignored by
// browsers and assistive technology, so the title the author meant may not be the one read out. Also a
// title that says nothing of the page (a file name, "無題", "Untitled", "新しいページ"). Whether a title
// describes the page is for a person to decide: reported for review.
kotodxRule({
  id: "kotodx-page-title",
  actIds: ["c4a8a4"],
  review: true,
  sc: ["2.4.2"],
  impact: "moderate",
  help: "ページタイトルがページの内容を表していない可能性があります。",
  check: () => {
    const root = document.documentElement;
    if (!root || root.localName !== "html" || root.namespaceURI !== "http://www.w3.org/1999/xhtml") return { outcome: "inapplicable", nodes: [] };
    const titles = Array.from(document.getElementsByTagName("title")).filter((t) => t.namespaceURI === "http://www.w3.org/1999/xhtml");
    const first = titles[0];
    if (!first || !first.textContent.trim()) return { outcome: "inapplicable", nodes: [] };  // no title: axe's document-title
    const nodes = [];
    if (titles.length > 1) {
      nodes.push({ node: first, message: `title 要素が ${titles.length} 個あります。読み上げられるのは最初の「${first.textContent.trim().slice(0, 60)}」だけです。1つにしてください。` });
    }
    const text = first.textContent.trim();
    if (/^(untitled|untitled document|new page|document|page|home|無題|無題のドキュメント|新しいページ|ページ|タイトル)$/i.test(text) || /^[\w.-]+\.(html?|php|aspx?|jsp|cgi)$/i.test(text)) {
      nodes.push({ node: first, message: `タイトル「${text}」はページの内容を表していません。` });
    }
    return { outcome: nodes.length ? "failed" : "passed", nodes };
  },
});
