// Starts GOV.UK Frontend's components. A file, not an inline script, so that the
// Content-Security-Policy can forbid inline scripts altogether.
import { initAll } from "/static/vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
}
initAll();
