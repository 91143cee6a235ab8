// Show a question only when an earlier answer on the same page matches (the server checks again).
// data-show-if-field/-value: equals; data-condition-field with data-condition-values (JSON list: "in")
// or data-condition-not-empty.
document.addEventListener("DOMContentLoaded", () => {
  const wrappers = document.querySelectorAll("[data-show-if-field], [data-condition-field]");
  if (!wrappers.length) return;
  const valueOf = (name) => {
    const values = [];
    document.querySelectorAll(`[name="${CSS.escape(name)}"]`).forEach((el) => {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      if (el.value !== "") values.push(el.value);
    });
    return values;
  };
  const shown = (w) => {
    if (w.dataset.showIfField) return valueOf(w.dataset.showIfField).includes(w.dataset.showIfValue);
    const values = valueOf(w.dataset.conditionField);
    if (w.dataset.conditionNotEmpty) return values.length > 0;
    const wanted = JSON.parse(w.dataset.conditionValues || "[]").map(String);
    return values.some((v) => wanted.includes(v));
  };
  const update = () => wrappers.forEach((w) => { w.hidden = !shown(w); });
  document.addEventListener("change", update);
  update();
});
