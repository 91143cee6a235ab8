// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // GOV.UK / デジタル庁 pattern: move focus to the error summary so screen readers announce it.
  const summary = document.querySelector("[data-autofocus]");
  if (summary) summary.focus();
  // A form that must be sent once (submitting an application): a double click sends it once. The
  // server is idempotent anyway; this only spares the resident a confusing second page load.
  document.querySelectorAll("form.once").forEach((f) => f.addEventListener("submit", () => {
    setTimeout(() => f.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; }), 0);
  }));
});
