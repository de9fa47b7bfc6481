// yunwei — small progressive enhancements; every page works without them.
(function () {
  // On a phone the module list folds away so the page content comes first.
  if (window.matchMedia && window.matchMedia("(max-width: 760px)").matches) {
    document.querySelectorAll("details.navfold[open]").forEach(function (d) { d.removeAttribute("open"); });
  }
})();
