"""Checks that need a keyboard, which axe-core cannot make: the page is driven with Tab and Shift+Tab as a
keyboard user would.

- kotodx-keyboard-trap (WCAG 2.1.2, ACT a1b64e/80af7b/ebe86a): from each element in the tab order, Tab or
  Shift+Tab must move the focus away (a blur handler that takes the focus back is a trap), and pressed
  again and again must get out of any group of elements that hand the focus round among themselves —
  unless the page names another key (Ctrl+M, Esc …; help links in the group are opened to find it) and
  that key gets the focus out.
- kotodx-focus-visible (WCAG 2.4.7, ACT oj04fd): when an element receives the focus from the keyboard,
  something on the screen must change (outline, border, colour, an indicator elsewhere).

They change the focus, so they run after the other rules. The first MAX_ELEMENTS elements of the tab order
are checked; a page with more says so in the finding."""

from __future__ import annotations

import contextlib
from typing import Any

MAX_ELEMENTS = 15
SETTLE_MS = 15  # blur/focus handlers with short timers run in this time
MARGIN = 24  # px around the element where a focus outline or shadow is drawn

TABBABLE_JS = """() => {
  const sel = ['a[href]', 'area[href]', 'button', 'input', 'select', 'textarea', 'iframe', 'summary',
    '[tabindex]', '[contenteditable=""]', '[contenteditable="true"]'].join(', ');
  const visible = (el) => {
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none') return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const out = [];
  document.querySelectorAll(sel).forEach((el) => {
    if (el.disabled || el.tabIndex < 0 || el.closest('[inert]') || !visible(el)) return;
    if (el.localName === 'input' && el.type === 'hidden') return;
    out.push(el);
  });
  out.forEach((el, i) => el.setAttribute('data-kotodx-tab', String(i)));
  return out.length;
}"""

ACTIVE_JS = """() => {
  const a = document.activeElement;
  return a && a !== document.body ? (a.getAttribute('data-kotodx-tab') ?? '?') : null;
}"""


ACT_IDS = {
    "kotodx-keyboard-trap": ["a1b64e", "80af7b", "ebe86a"],
    "kotodx-focus-visible": ["oj04fd"],
    "kotodx-zoom-clipped": ["59br37"],
}


def _rule(rule_id: str, act_ids: list[str], sc: str, impact: str, help_text: str) -> dict[str, Any]:
    return {
        "id": rule_id,
        "actIds": act_ids,
        "sc": [sc],
        "impact": impact,
        "review": False,
        "help": help_text,
        "outcome": "inapplicable",
        "error": "",
        "nodes": [],
    }


def run(page: Any, seen: set[str] | None = None) -> list[dict[str, Any]]:
    """The keyboard checks on the page. ``seen``: elements already checked on other pages of the same
    site (the header and footer repeat on every page), skipped here."""
    trap = _rule(
        "kotodx-keyboard-trap",
        ACT_IDS["kotodx-keyboard-trap"],
        "2.1.2",
        "critical",
        "キーボードのフォーカスがこの要素から出られません（Tab でも Shift+Tab でも移りません）。",
    )
    visible = _rule(
        "kotodx-focus-visible",
        ["oj04fd"],
        "2.4.7",
        "serious",
        "キーボードでフォーカスしても画面が変わらず、どこにフォーカスがあるか見えません。"
        ":focus-visible に枠線などを付けてください。",
    )
    zoom = zoom_check(page)
    try:
        count = int(page.evaluate(TABBABLE_JS))
    except Exception as exc:  # a document without elements (an image): nothing to check
        trap["error"] = visible["error"] = str(exc)[:200]
        return [trap, visible, zoom]
    if count == 0:
        return [trap, visible, zoom]
    trap["outcome"] = visible["outcome"] = "passed"
    signatures = page.evaluate(
        "() => Array.from(document.querySelectorAll('[data-kotodx-tab]'), el => el.outerHTML.slice(0, 400))"
    )
    todo = [i for i in range(count) if seen is None or signatures[i] not in seen][:MAX_ELEMENTS]
    if seen is not None:
        seen.update(signatures[i] for i in todo)
    for i in todo:
        selector = f'[data-kotodx-tab="{i}"]'
        with contextlib.suppress(Exception):  # an element that went away while we pressed keys
            _check_element(page, selector, str(i), trap, visible)
    return [trap, visible, zoom]


def _check_element(
    page: Any, selector: str, index: str, trap: dict[str, Any], visible: dict[str, Any]
) -> None:
    element = page.locator(selector).first
    # Visible focus: the screen with nothing focused, then with the element focused after a key press (so
    # that the browser shows the focus as it does for keyboard users, :focus-visible).
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    box = element.bounding_box()
    clip = None
    if box:
        clip = {
            "x": max(0, box["x"] - MARGIN),
            "y": max(0, box["y"] - MARGIN),
            "width": box["width"] + 2 * MARGIN,
            "height": box["height"] + 2 * MARGIN,
        }
    shot = lambda area: page.screenshot(animations="disabled", caret="hide", clip=area)  # noqa: E731
    before, before_page = shot(clip), None
    page.keyboard.press("Shift")
    page.evaluate("sel => document.querySelector(sel).focus()", selector)
    _settle(page)
    if page.evaluate(ACTIVE_JS) == index and shot(clip) == before:
        # nothing changed around the element: look at the whole page (an indicator elsewhere counts)
        focused_page = page.screenshot(animations="disabled", caret="hide")
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        _settle(page)
        before_page = page.screenshot(animations="disabled", caret="hide")
        if focused_page == before_page:
            visible["outcome"] = "failed"
            visible["nodes"].append(_node(element, "フォーカスの前後で画面が変わりません。"))
    # Keyboard trap: from the element, Tab or Shift+Tab must take the focus elsewhere…
    landed: dict[str, str | None] = {}
    for key in ("Tab", "Shift+Tab"):
        if not _focus(page, selector, index):
            return  # the page's own scripts move the focus away from it: nothing to press from
        page.keyboard.press(key)
        _settle(page)
        landed[key] = page.evaluate(ACTIVE_JS)
    if landed["Tab"] == index and landed["Shift+Tab"] == index:
        trap["outcome"] = "failed"
        trap["nodes"].append(_node(element, "Tab でも Shift+Tab でもフォーカスが移りません。"))
        return
    n = int(index)
    if landed["Tab"] in (str(n + 1), None) and landed["Shift+Tab"] in (str(n - 1), None):
        return  # the focus went where the page's order takes it: no script redirects it
    # …and out of a group of elements that hand the focus round among themselves, unless the page says
    # which other key gets out and that key does.
    cycle = _cycle(page, selector, index)
    if cycle and not _escape_advised(page, selector, cycle):
        trap["outcome"] = "failed"
        trap["nodes"].append(
            _node(
                element,
                f"Tab でも Shift+Tab でも、この要素を含む {len(cycle)} 個の要素の間で"
                "フォーカスが回り続けます。",
            )
        )


ZOOM_JS = r"""() => {
  // Text cut off by a box with overflow hidden/clip, seen at 200 % zoom (the viewport at half its width).
  const clipped = [];
  const walker = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const p = n.parentElement;
    if (!p || !n.textContent.trim() || p.closest('svg, script, style, noscript, template')) continue;
    if (!window.kotodxVisible(p) || !window.kotodxInTree(p)) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    const r = range.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    for (let a = p; a && a !== document.body && a !== document.documentElement; a = a.parentElement) {
      const s = getComputedStyle(a);
      const hideX = ['hidden', 'clip'].includes(s.overflowX);
      const hideY = ['hidden', 'clip'].includes(s.overflowY);
      if (!hideX && !hideY) continue;
      const b = a.getBoundingClientRect();
      // visually hidden text (for screen readers only) is meant to be cut off
      if (b.width <= 2 || b.height <= 2 || s.clip !== 'auto' || s.clipPath !== 'none') break;
      const inside = r.right > b.left && r.left < b.right && r.bottom > b.top && r.top < b.bottom;
      const cut = (hideX && (r.left < b.left - 1 || r.right > b.right + 1))
        || (hideY && (r.top < b.top - 1 || r.bottom > b.bottom + 1));
      if (inside && cut && !clipped.includes(a)) clipped.push(a);
      break;
    }
  }
  return clipped.slice(0, 20).map((a) => {
    const next = a.nextElementSibling;
    const link = !!(next && (next.matches('a[href]') || next.querySelector('a[href]')));
    return { selector: window.kotodxSelector(a), html: a.outerHTML.slice(0, 300), link };
  });
}"""


def zoom_check(page: Any) -> dict[str, Any]:
    """kotodx-zoom-clipped (WCAG 1.4.4, ACT 59br37): at 200 % zoom (the viewport at half its width and
    height, as a browser zoom does to the CSS pixels) no text may be cut off by a box that hides its
    overflow. Text cut off with a link right after it (to the full text, perhaps) is for a person to look
    at."""
    rule = _rule(
        "kotodx-zoom-clipped",
        ACT_IDS["kotodx-zoom-clipped"],
        "1.4.4",
        "serious",
        "200% に拡大すると文字が枠からはみ出して切れ、読めなくなります。高さや幅を固定せず、"
        "overflow: hidden で文字を切らないでください。",
    )
    rule["review"] = True  # a box may be meant to scroll or open: a person confirms
    size = page.viewport_size
    if not size:
        return rule
    try:
        page.set_viewport_size(
            {"width": max(320, size["width"] // 2), "height": max(256, size["height"] // 2)}
        )
        found = page.evaluate(ZOOM_JS)
    except Exception as exc:  # a document without a body (an image)
        rule["error"] = str(exc)[:200]
        return rule
    finally:
        with contextlib.suppress(Exception):
            page.set_viewport_size(size)
    rule["outcome"] = "passed"
    for f in found:
        if not f["link"]:
            rule["outcome"] = "failed"
        elif rule["outcome"] == "passed":
            rule["outcome"] = "cantTell"
        message = "拡大すると文字が切れます。" + (
            "直後のリンク先に全文があるか確認してください。" if f["link"] else ""
        )
        rule["nodes"].append({"selector": f["selector"], "html": f["html"], "message": message})
    return rule


CYCLE_PRESSES = 8
# Whether the focus left the document at some moment (a focusout to nowhere), even if a timer took it back.
LEFT_JS = """() => {
  window.__kotodxLeft = false;
  if (!window.__kotodxLeftWatch) {
    window.__kotodxLeftWatch = true;
    document.addEventListener('focusout', (e) => {
      if (e.relatedTarget) return;
      // nowhere to go: left the page, unless a handler moved the focus on at once
      queueMicrotask(() => {
        const a = document.activeElement;
        if (!a || a === document.body || !document.hasFocus()) window.__kotodxLeft = true;
      });
    }, true);
  }
}"""
KEY_HINT_JS = r"""() => {
  const text = document.body ? document.body.innerText : '';
  const mods = {ctrl: 'Control', control: 'Control', alt: 'Alt', option: 'Alt', shift: 'Shift', cmd: 'Meta',
    command: 'Meta', meta: 'Meta'};
  const out = [];
  const mod = '(ctrl|control|alt|option|shift|cmd|command|meta)\\s*[+＋]\\s*';
  const combo = new RegExp(`\\b${mod}(?:${mod})?([a-z0-9]|f\\d{1,2}|esc|escape|enter|tab)\\b`, 'gi');
  let m;
  while ((m = combo.exec(text))) {
    let key = m[3].toLowerCase();
    key = key === 'esc' || key === 'escape' ? 'Escape' : key === 'enter' ? 'Enter' : key === 'tab' ? 'Tab'
      : /^f\d/.test(key) ? key.toUpperCase() : key;
    const second = m[2] ? mods[m[2].toLowerCase()] : null;
    out.push([mods[m[1].toLowerCase()], second, key].filter(Boolean).join('+'));
  }
  if (/\b(esc|escape)\b|Esc\s*キー|エスケープキー/i.test(text)) out.push('Escape');
  return Array.from(new Set(out)).slice(0, 5);
}"""


def _cycle(page: Any, selector: str, index: str) -> set[str] | None:
    """The elements the focus goes round from this one with Tab and with Shift+Tab, when both keys bring
    it back here without ever leaving that group; None when the focus gets out."""
    group = {index}
    for key in ("Tab", "Shift+Tab"):
        if not _focus(page, selector, index):
            return None
        page.evaluate(LEFT_JS)
        for _ in range(CYCLE_PRESSES):
            page.keyboard.press(key)
            _settle(page)
            if page.evaluate("() => window.__kotodxLeft"):
                return None  # out of the page (a script that pulls it back later cannot hold a browser user)
            active = page.evaluate(ACTIVE_JS)
            if active is None or active == "?":
                return None  # out of the page or to an element outside the tab order we know
            if active == index:
                break
            group.add(active)
        else:
            return None
    total = int(page.evaluate("() => document.querySelectorAll('[data-kotodx-tab]').length"))
    return group if len(group) < total else None


def _escape_advised(page: Any, selector: str, cycle: set[str]) -> bool:
    """Does a key named on the page (Ctrl+M, Esc …) take the focus out of the cycle? When the page names
    none, the help links inside the cycle (to "#", buttons that submit nothing) are activated first."""
    for attempt in range(2):
        for combo in page.evaluate(KEY_HINT_JS):
            _focus(page, selector, None)
            with contextlib.suppress(Exception):
                page.keyboard.press(combo)
            _settle(page)
            if page.evaluate(ACTIVE_JS) not in cycle:
                return True
        if attempt == 0:
            page.evaluate(
                """ids => ids.forEach(i => {
                  const el = document.querySelector(`[data-kotodx-tab="${i}"]`);
                  if (el && ((el.localName === 'a' && el.getAttribute('href') === '#')
                      || (el.localName === 'button' && (!el.form || el.type === 'button')))) el.click();
                })""",
                sorted(cycle),
            )
    return False


def _focus(page: Any, selector: str, index: str | None) -> bool:
    """Focus the element once the page is still (focus handlers of the page may still be moving the focus
    with timers: wait until the focus stays put); is the focus on it afterwards?"""
    last = page.evaluate(ACTIVE_JS)
    for _ in range(5):
        _settle(page)
        now = page.evaluate(ACTIVE_JS)
        if now == last:
            break
        last = now
    page.evaluate("sel => document.querySelector(sel).focus()", selector)
    _settle(page)
    return index is None or page.evaluate(ACTIVE_JS) == index


def _settle(page: Any) -> None:
    """Let the page's own timers of up to SETTLE_MS run: a timer of the page's own clock, so that it fires
    after theirs however busy the machine is."""
    page.evaluate("ms => new Promise(done => setTimeout(done, ms))", SETTLE_MS)


def _node(element: Any, message: str) -> dict[str, str]:
    try:
        html = element.evaluate("el => el.outerHTML.slice(0, 300)")
        selector = element.evaluate("el => window.kotodxSelector ? kotodxSelector(el) : el.localName")
    except Exception:
        html, selector = "", ""
    return {"selector": selector, "html": html, "message": message}
