// The review page: "Comment on this answer" and "Override this conclusion" fetch that one form into the link's
// place. Without JavaScript the same link reloads the page with the form open, so every answer stays commentable
// and every conclusion overridable.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const link = event.target.closest("a[data-comment-link], a[data-override-link]");
    if (!link || !window.htmx || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    // The form replaces the link and its first field takes the focus (autofocus), so keyboard users land in it.
    window.htmx.ajax("GET", link.href, { source: link, target: link, swap: "outerHTML" });
  });
  // htmx swaps nothing on an error (say the assessment was approved meanwhile): follow the link instead, so
  // the page says why rather than the click doing nothing.
  function followLink(event) {
    const link = event.detail && event.detail.elt;
    if (link && link.matches && link.matches("a[data-comment-link], a[data-override-link]")) {
      window.location.assign(link.href);
    }
  }
  document.addEventListener("htmx:responseError", followLink);
  document.addEventListener("htmx:sendError", followLink);
})();
