// ACT c249d5 and 7677a9 (2.5.4): a function started by moving the device (tilting, shaking) must also be
// possible from the page's controls, and the motion response must be possible to turn off. The page is
// sent a device orientation and a device motion event; if its content changes, the motion does something,
// and a person must confirm the two conditions (a control for the same change, a setting to turn it off).
window.kotodxSnapshot = () => {
  const values = Array.from(document.querySelectorAll("input, select, textarea"), (el) => `${el.value}|${el.checked}`).join(",");
  return `${document.body ? document.body.innerHTML : ""}\u0000${values}`;
};

kotodxRule({
  id: "kotodx-motion-actuation",
  actIds: ["c249d5", "7677a9"],
  late: true,  // sends events that may change the page
  review: true,
  sc: ["2.5.4"],
  impact: "moderate",
  help: "端末を傾けたり振ったりすると内容が変わります。同じ操作をボタンなどでもできること、動きによる操作を止められることを確認してください。",
  check: () => {
    if (!document.body) return { outcome: "inapplicable", nodes: [] };
    const before = kotodxSnapshot();
    const events = [];
    try {
      events.push(new DeviceOrientationEvent("deviceorientation", { alpha: 40, beta: 40, gamma: 40, absolute: false }));
      events.push(new DeviceMotionEvent("devicemotion", {
        acceleration: { x: 3, y: 3, z: 3 }, accelerationIncludingGravity: { x: 3, y: 12, z: 3 },
        rotationRate: { alpha: 40, beta: 40, gamma: 40 }, interval: 16,
      }));
    } catch (e) {
      return { outcome: "inapplicable", nodes: [] };  // a browser without these events
    }
    for (const ev of events) window.dispatchEvent(ev);
    if (kotodxSnapshot() === before) return { outcome: "inapplicable", nodes: [] };
    return { outcome: "cantTell", nodes: [{ node: document.body, message: "端末の向き・動きのイベントで内容が変わりました。" }] };
  },
});
