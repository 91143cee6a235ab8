// ACT ffbc54 (2.1.4): a keyboard shortcut made of one printable character (a letter, digit or symbol, no
// Ctrl or Alt) is set off by speech-input users and by stray keys; it must be possible to turn it off or
// remap it, or it must work only while its component has the focus. Each printable key is sent to the page
// with nothing focused; a key the page reacts to (changes its content or cancels the key) is a shortcut.
// With no control on the page at all that could turn it off (a check box, a switch, a list, a button), it
// fails; with such controls a person must confirm that one of them does.
kotodxRule({
  id: "kotodx-character-shortcuts",
  actIds: ["ffbc54"],
  late: true,  // sends key events that may change the page
  sc: ["2.1.4"],
  impact: "serious",
  help: "1文字のキー（文字・数字・記号）だけのショートカットがあります。無効にする・修飾キー（Ctrl など）との組み合わせに変える設定を用意するか、その部品にフォーカスがあるときだけ働くようにしてください。",
  check: () => {
    if (!document.body) return { outcome: "inapplicable", nodes: [] };
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    const keys = "abcdefghijklmnopqrstuvwxyz0123456789+-=*/?.,!#@;:[]".split("");
    const reacted = [];
    for (const key of keys) {
      const before = kotodxSnapshot();
      const target = document.activeElement && document.activeElement !== document.documentElement ? document.activeElement : document.body;
      let cancelled = false;
      for (const type of ["keydown", "keypress", "keyup"]) {
        const ev = new KeyboardEvent(type, { key, code: /[a-z]/.test(key) ? `Key${key.toUpperCase()}` : "", bubbles: true, cancelable: true, composed: true });
        if (!target.dispatchEvent(ev)) cancelled = true;
      }
      if (cancelled || kotodxSnapshot() !== before) reacted.push(key);
      if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    }
    if (!reacted.length) return { outcome: "inapplicable", nodes: [] };
    const settings = Array.from(document.querySelectorAll("input[type=checkbox], input[type=radio], select, button, input[type=button], [role=switch], [role=checkbox], [role=menuitemcheckbox]"))
      .filter((el) => kotodxVisible(el) && kotodxInTree(el));
    const message = `キー ${reacted.map((k) => `「${k}」`).join("")} でページが反応しました。`;
    if (!settings.length) return { outcome: "failed", nodes: [{ node: document.body, message: `${message}無効にする設定が見当たりません。` }] };
    return { outcome: "cantTell", nodes: [{ node: document.body, message: `${message}無効にする・組み合わせを変える設定があるか確認してください。` }] };
  },
});
