// socscope: small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // htmx must not inject an inline <style> element: the CSP allows only our own stylesheets.
  if (window.htmx) {
    window.htmx.config.includeIndicatorStyles = false;
  }
})();
