// Upload progress for the evidence forms (PII samples, leak-test files). Enhancement only: without
// this script the forms post as usual and the answering page shows the result.
(function () {
  "use strict";
  function enhance(form) {
    var box = form.querySelector("[data-upload-progress]");
    if (!box || !window.FormData || !window.XMLHttpRequest) return;
    var bar = box.querySelector("progress");
    var status = box.querySelector("[data-upload-status]");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = new FormData(form);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      var token = form.querySelector("input[name=_csrf]");
      if (token) xhr.setRequestHeader("X-CSRF-Token", token.value);
      xhr.setRequestHeader("X-Upload", "progress");
      box.hidden = false;
      bar.value = 0;
      status.textContent = "Uploading…";
      var buttons = form.querySelectorAll("button[type=submit]");
      buttons.forEach(function (b) { b.disabled = true; });
      xhr.upload.onprogress = function (e) {
        if (!e.lengthComputable) return;
        bar.value = Math.round((e.loaded / e.total) * 100);
        status.textContent = bar.value + " % sent";
      };
      xhr.upload.onload = function () {
        bar.removeAttribute("value"); // indeterminate while the server finishes the scan
        status.textContent = "Sent; piaf is finishing the scan…";
      };
      xhr.onload = function () {
        var type = xhr.getResponseHeader("Content-Type") || "";
        if (xhr.status === 200 && type.indexOf("application/json") === 0) {
          var answer = JSON.parse(xhr.responseText);
          window.location.assign(answer.location);
          return;
        }
        // An error page or the form with its messages: show it as the page.
        document.open();
        document.write(xhr.responseText);
        document.close();
      };
      xhr.onerror = function () {
        status.textContent = "The upload failed: check the connection and try again.";
        buttons.forEach(function (b) { b.disabled = false; });
      };
      xhr.send(data);
    });
  }
  document.querySelectorAll("form[data-upload]").forEach(enhance);
})();
