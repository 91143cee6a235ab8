// Show a question only when an earlier answer on the same page matches (the server checks again).
document.addEventListener("DOMContentLoaded", () => {
  const wrappers = document.querySelectorAll("[data-show-if-field]");
  if (!wrappers.length) return;
  const valueOf = (name) => {
    const inputs = document.querySelectorAll(`[name="${CSS.escape(name)}"]`);
    const values = [];
    inputs.forEach((el) => {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      values.push(el.value);
    });
    return values;
  };
  const update = () => wrappers.forEach((w) => {
    const show = valueOf(w.dataset.showIfField).includes(w.dataset.showIfValue);
    w.hidden = !show;
  });
  document.addEventListener("change", update);
  update();
});
