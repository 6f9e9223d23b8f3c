// Opens the manifest named by ?manifest= in Mirador 3, in the reader's language (?lang=en, else Chinese).
// A file of its own, not an inline script, so the page's Content-Security-Policy can say script-src 'self'.
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var manifest = params.get("manifest");
  var root = document.getElementById("viewer");
  if (!manifest) {
    // textContent, never innerHTML: nothing from the URL becomes markup.
    root.id = "message";
    root.textContent = "Add ?manifest=<the URL of a IIIF manifest> · 请在地址后加 ?manifest=清单地址";
    return;
  }
  window.jiyiViewer = Mirador.viewer({
    id: "viewer",
    language: params.get("lang") === "en" ? "en" : "zh-CN",
    // One record per page: no workspace to arrange, no windows to close or add.
    workspace: { type: "mosaic", allowNewWindows: false },
    workspaceControlPanel: { enabled: false },
    window: { allowClose: false, allowMaximize: false, allowFullscreen: true, sideBarOpenByDefault: false },
    windows: [{ manifestId: manifest }],
    // Jiyi's level-0 image services offer few sizes (the full page and a thumbnail). At OpenSeadragon's
    // default (0.5) a page fitted to the window is drawn from the blurry thumbnail, because the full size
    // counts as "too detailed"; 0.2 lets it draw the full size instead.
    osdConfig: { minPixelRatio: 0.2 },
  });
})();
