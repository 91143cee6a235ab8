// ACT c249d5 and 7677a9 (2.5.4): a function started by moving the device (tilting, shaking) must be
// possible to turn off, and must also be possible from the page's controls. The page is sent a device
// orientation and a device motion event; if its content changes, the motion does something. Then the
// page's own buttons (those that submit and send nothing) are pressed: when none makes a change in the same
// place, the motion has no alternative on the page. Whether it can be turned off is for a person to check.
window.kotodxSnapshot = () => {
  const values = Array.from(document.querySelectorAll("input, select, textarea"), (el) => `${el.value}|${el.checked}`).join(",");
  return `${document.body ? document.body.innerHTML : ""}\u0000${values}`;
};

window.kotodxMotion = () => {
  if (window.__kotodxMotion !== undefined) return window.__kotodxMotion;
  window.__kotodxMotion = null;
  if (!document.body) return null;
  let events;
  try {
    events = [
      new DeviceOrientationEvent("deviceorientation", { alpha: 40, beta: 40, gamma: 40, absolute: false }),
      new DeviceMotionEvent("devicemotion", {
        acceleration: { x: 3, y: 3, z: 3 }, accelerationIncludingGravity: { x: 3, y: 12, z: 3 },
        rotationRate: { alpha: 40, beta: 40, gamma: 40 }, interval: 16,
      }),
    ];
  } catch (e) {
    return null;  // a browser without these events
  }
  const observer = new MutationObserver(() => {});
  observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  const before = kotodxSnapshot();
  for (const ev of events) window.dispatchEvent(ev);
  const targets = observer.takeRecords().map((r) => (r.target.nodeType === 1 ? r.target : r.target.parentElement)).filter(Boolean);
  observer.disconnect();
  if (kotodxSnapshot() === before) return null;
  window.__kotodxMotion = { targets };
  return window.__kotodxMotion;
};

kotodxRule({
  id: "kotodx-motion-disable",
  actIds: ["c249d5"],
  late: true,  // sends events that may change the page
  review: true,
  sc: ["2.5.4"],
  impact: "moderate",
  help: "端末を傾けたり振ったりすると内容が変わります。動きによる操作を止める設定があるか確認してください。",
  check: () => {
    if (!kotodxMotion()) return { outcome: "inapplicable", nodes: [] };
    return { outcome: "cantTell", nodes: [{ node: document.body, message: "端末の向き・動きのイベントで内容が変わりました。" }] };
  },
});

kotodxRule({
  id: "kotodx-motion-alternative",
  actIds: ["7677a9"],
  late: true,  // presses the page's buttons
  review: true,  // another kind of control (a slider to drag) may do it: a person confirms
  sc: ["2.5.4"],
  impact: "serious",
  help: "端末を傾けたり振ったりして行う操作を、ボタンなどページの操作でも行えるようにしてください。",
  check: () => {
    const motion = kotodxMotion();
    if (!motion) return { outcome: "inapplicable", nodes: [] };
    const related = (el) => motion.targets.some((t) => t === el || t.contains(el) || el.contains(t));
    const buttons = Array.from(document.querySelectorAll("button, input[type=button], [role=button]"))
      .filter((b) => kotodxVisible(b) && !b.disabled && (!b.form || b.type === "button"))
      .filter((b) => !Array.from(b.attributes).some((a) => /^(data-)?hx-/.test(a.name)) && !b.hasAttribute("formaction"));
    const observer = new MutationObserver(() => {});
    observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    let alternative = false;
    for (const b of buttons.slice(0, 10)) {
      try { b.click(); } catch (e) { continue; }
      const changed = observer.takeRecords().map((r) => (r.target.nodeType === 1 ? r.target : r.target.parentElement)).filter(Boolean);
      if (changed.some(related)) { alternative = true; break; }
    }
    observer.disconnect();
    if (alternative) return { outcome: "passed", nodes: [] };
    return { outcome: "failed", nodes: [{ node: document.body, message: "端末の動きで変わる内容を、ページのボタンでは変えられませんでした。" }] };
  },
});
