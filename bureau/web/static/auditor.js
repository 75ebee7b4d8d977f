// The auditor's pages: a form that starts slow work (verifying uploads, the integrity
// check) says so once sent, and cannot be sent twice. Without JavaScript it works the same.
"use strict";
document.querySelectorAll("form[data-busy]").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.hasAttribute("data-download")) {
      return; // a download: the page stays as it is, ready for the next
    }
    var note = form.querySelector(".busy");
    if (note) {
      note.textContent = form.getAttribute("data-busy");
    }
    // disabled after this event, so that the button's own name and formaction still count
    window.setTimeout(function () {
      form.querySelectorAll("button").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });
});
window.addEventListener("pageshow", function (event) {
  if (event.persisted) { // back to a page kept by the browser: ready to send again
    document.querySelectorAll("form[data-busy] button").forEach(function (button) {
      button.disabled = false;
    });
  }
});
