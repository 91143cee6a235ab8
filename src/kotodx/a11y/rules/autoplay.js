// Audio that plays by itself (WCAG 1.4.2; ACT 80f0bf, 4c31df, aaa1bf): a video or audio element that starts
// on its own (autoplay, not muted) with sound lasting more than 3 seconds needs a way to pause or stop it
// (its controls attribute, or named buttons of its own player). Whether it has sound is measured: the
// media file is fetched and its audio decoded, from where playing starts (a #t= fragment counts).
// Called by the engine (it waits for the media), not by runKotodxRules.
window.kotodxAutoplay = async () => {
  const LOUD = 0.02;  // sample amplitude taken as sound (silence and hiss stay below)
  const MAX_BYTES = 30 * 1024 * 1024;
  const rules = {
    audio: { id: "kotodx-autoplay-audio", actIds: ["80f0bf"], review: false, impact: "serious",
      help: "ページを開くと音声が3秒より長く自動で再生され、止める手段がありません。自動再生をやめるか、一時停止・停止・音量の操作を付けてください。" },
    control: { id: "kotodx-autoplay-control", actIds: ["4c31df"], review: true, impact: "serious",
      help: "自動で再生される音声に、一時停止・停止・消音の操作（controls 属性か名前の付いたボタン）がありません。" },
    short: { id: "kotodx-autoplay-short", actIds: ["aaa1bf"], review: true, impact: "moderate",
      help: "自動で再生される音声が3秒より長く続きます。3秒以内にするか、止める操作を付けてください。" },
  };
  const result = {};
  for (const [k, r] of Object.entries(rules)) result[k] = { ...r, sc: ["1.4.2"], outcome: "inapplicable", error: "", nodes: [] };
  const worse = (a, b) => { const o = ["inapplicable", "passed", "cantTell", "failed"]; return o.indexOf(b) > o.indexOf(a) ? b : a; };
  const node = (m, message) => ({ selector: kotodxSelector(m), html: m.outerHTML.slice(0, 300), message });
  const hasControls = (m) => {
    if (m.hasAttribute("controls")) return true;
    // the player's own buttons: named buttons in the element's container (up to two levels up)
    const box = (m.parentElement && m.parentElement.parentElement) || m.parentElement || document.body;
    return Array.from(box.querySelectorAll("button, [role=button], input[type=button]"))
      .some((b) => kotodxVisible(b) && kotodxInTree(b) && (kotodxName(b) || (b.value || "").trim()));
  };
  for (const m of document.querySelectorAll("video, audio")) {
    if (!(m.autoplay || !m.paused) || m.muted) continue;
    if (m.readyState < 1) {
      await new Promise((done) => { m.addEventListener("loadedmetadata", done, { once: true }); setTimeout(done, 3000); });
    }
    // where playing starts and ends: the media fragment (#t=25 or #t=10,20) as the browser applies it
    const fragment = ((m.currentSrc || m.src || "").split("#")[1] || "").match(/(?:^|&)t=(?:npt:)?([\d.]*)(?:,([\d.]+))?/);
    const start = Math.max(m.currentTime || 0, fragment && fragment[1] ? Number(fragment[1]) : 0);
    const end = fragment && fragment[2] ? Number(fragment[2]) : Infinity;
    let verdict = null;  // null: cannot tell; else {audible, seconds}
    try {
      const response = await fetch(m.currentSrc || m.src);
      const size = Number(response.headers.get("content-length") || 0);
      if (response.ok && size <= MAX_BYTES) {
        const buffer = await response.arrayBuffer();
        const audio = await new OfflineAudioContext(1, 8000, 8000).decodeAudioData(buffer);
        const data = audio.getChannelData(0);
        const rate = audio.sampleRate;
        let first = -1, last = -1;
        for (let i = Math.floor(start * rate); i < Math.min(data.length, end * rate); i += 1) {
          if (Math.abs(data[i]) > LOUD) { if (first < 0) first = i; last = i; }
        }
        verdict = first < 0 ? { audible: false, seconds: 0 } : { audible: true, seconds: (last - first) / rate };
      }
    } catch (e) {
      verdict = null;  // a file the browser cannot decode, or of another site
    }
    if (verdict && !verdict.audible) continue;  // no sound: nothing to stop
    if (!verdict) {
      for (const r of Object.values(result)) { r.outcome = worse(r.outcome, "cantTell"); r.nodes.push(node(m, "音声があるか確かめられませんでした。")); }
      continue;
    }
    const long = verdict.seconds > 3;
    const controls = hasControls(m);
    result.short.outcome = worse(result.short.outcome, long ? "failed" : "passed");
    if (long) result.short.nodes.push(node(m, `約${Math.round(verdict.seconds)}秒の音声が自動で再生されます。`));
    if (long) {
      result.control.outcome = worse(result.control.outcome, controls ? "passed" : "failed");
      if (!controls) result.control.nodes.push(node(m, "止める操作が見つかりません。"));
    }
    result.audio.outcome = worse(result.audio.outcome, long && !controls ? "failed" : "passed");
    if (long && !controls) result.audio.nodes.push(node(m, `約${Math.round(verdict.seconds)}秒の音声が自動で再生され、止める操作がありません。`));
  }
  return Object.values(result);
};
