// kohyo serve: reloads the page when a rebuild changed it (or a file every page uses), or
// when it shows errors that are now fixed; shows content errors over the page (in Japanese
// and English) until the file is fixed. Injected by the preview
// server only; `kohyo build` never writes it.
(() => {
  const OVERLAY = "kohyo-error-overlay";

  function show(errors) {
    hide();
    if (!errors.length) return;
    const box = document.createElement("div");
    box.id = OVERLAY;
    box.setAttribute("role", "alertdialog");
    box.setAttribute("aria-labelledby", OVERLAY + "-h");
    box.style.cssText =
      "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(255,255,255,.97);" +
      "color:#1a1a1a;padding:1.5rem;font:16px/1.6 sans-serif;border-top:6px solid #b00020";
    const h = document.createElement("h2");
    h.id = OVERLAY + "-h";
    h.textContent = `内容にエラーがあります（${errors.length}件） / The content has ${errors.length} error(s)`;
    box.append(h);
    const p = document.createElement("p");
    p.textContent =
      "ファイルを直して保存すると、自動で表示が更新されます。それまでは前回正しく作成できたページを表示しています。" +
      " / Fix the file and save: the page reloads by itself. Until then this is the last good build.";
    box.append(p);
    for (const e of errors) {
      const item = document.createElement("section");
      item.className = "kohyo-error";
      const where = document.createElement("p");
      where.style.fontWeight = "700";
      where.textContent = `場所 / at: ${e.location}`;
      item.append(where);
      if (e.line !== null) {
        const pre = document.createElement("pre");
        pre.style.cssText = "background:#f4f6f8;padding:.5rem;overflow:auto;font:14px/1.5 monospace";
        pre.textContent = `${e.line}\n${e.caret ?? ""}`;
        item.append(pre);
      }
      const msg = document.createElement("p");
      msg.textContent = `内容：${e.japanese}`;
      item.append(msg);
      const english = document.createElement("p");
      english.lang = "en";
      english.textContent = `problem: ${e.message}`;
      item.append(english);
      box.append(item);
    }
    document.body.append(box);
  }

  function hide() {
    document.getElementById(OVERLAY)?.remove();
  }

  fetch("/__kohyo/errors").then((r) => r.json()).then(show, () => {});
  const events = new EventSource("/__kohyo/events");
  // This page's file in the site: /a/b/ is a/b/index.html.
  function here() {
    let path = decodeURIComponent(location.pathname).slice(1);
    if (path === "" || path.endsWith("/")) path += "index.html";
    return path;
  }
  events.addEventListener("reload", (e) => {
    const { pages } = JSON.parse(e.data);
    if (document.getElementById(OVERLAY) || pages === null || pages.includes(here())) {
      location.reload();
    }
  });
  events.addEventListener("errors", (e) => show(JSON.parse(e.data)));
})();
