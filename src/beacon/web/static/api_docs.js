// Starts Swagger UI on /api/docs (web/api_docs.py). A file, not an inline script, so the page
// runs under Beacon's one Content-Security-Policy. No validator badge: it would call out.
document.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
