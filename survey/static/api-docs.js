// The API reference page: Swagger UI (vendored, survey/static/vendor/swagger-ui) on the
// OpenAPI document; no inline script, so the site's CSP holds (script-src 'self').
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    // No deep links: they put a link inside each operation's toggle button (axe: nested-interactive).
    deepLinking: false,
    tryItOutEnabled: false,
    withCredentials: false,
  });
});
