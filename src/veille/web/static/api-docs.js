/* veille: starts Swagger UI (from the installed fastapi-offline package) on the API documentation page.
   No inline script, no outside request: the spec is our /openapi.json and the validator badge is off. */
(function () {
  "use strict";
  function start() {
    var el = document.getElementById("swagger-ui");
    if (!el || typeof window.SwaggerUIBundle !== "function") { return; }
    window.SwaggerUIBundle({
      url: el.getAttribute("data-spec"),
      domNode: el,
      deepLinking: false,
      validatorUrl: null,
      docExpansion: "list",
      defaultModelsExpandDepth: 0,
      tryItOutEnabled: false,
      withCredentials: true
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
