// 「住所を検索」 next to a postal code (eapply/_page_fields.html): look the code up at data-postal-url
// and fill the linked question in place, instead of sending the page (what the button does without
// this script). A text question gets the address line; an address question (町丁目 + 番地) the 町丁目
// when the code names one (a 町丁目 chosen before that the code does not cover is taken back) and an
// office's 番地 when that box is empty. The result, or the problem, is
// written to the status line (role=status, aria-live) next to the button; focus stays on the button.
// The words come from the page (data-postal-searching, -failed) and the server, in the page's language.
document.addEventListener("DOMContentLoaded", () => {
  const lookUp = async (button) => {
    const input = document.getElementById(button.dataset.postalInput);
    const status = document.getElementById(button.dataset.postalStatus);
    const target = document.getElementById(button.dataset.postalTarget);
    if (!input || !status || !target) return;
    const say = (text) => { status.textContent = text; };
    say(button.dataset.postalSearching);
    const url = new URL(button.dataset.postalUrl, window.location.href);
    url.searchParams.set("code", input.value);
    let body;
    let ok = false;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      ok = response.ok;
      body = await response.json();
    } catch (error) {
      say(button.dataset.postalFailed);
      return;
    }
    if (!ok) {
      input.setAttribute("aria-invalid", "true");
      say(body.error || button.dataset.postalFailed);
      return;
    }
    input.removeAttribute("aria-invalid");
    input.value = body.postal_code;
    const fill = body.fill[button.dataset.postalKind] || body.fill.text;
    if (button.dataset.postalKind === "address") {
      const detail = document.getElementById(button.dataset.postalDetail);
      if (fill.town) target.value = fill.town;
      else if (body.koto_towns.length && !body.koto_towns.includes(target.value)) target.value = "";
      if (fill.detail && detail && !detail.value.trim()) detail.value = fill.detail;
    } else if (!target.value.trim().startsWith(fill.value)) {
      target.value = fill.value;
    }
    target.dispatchEvent(new Event("change", { bubbles: true }));
    say(fill.message);
  };
  document.querySelectorAll("button[data-postal-url]").forEach((button) => {
    button.addEventListener("click", (event) => {
      event.preventDefault();
      lookUp(button);
    });
  });
});
