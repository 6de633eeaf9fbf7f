/* Uploads with drag and drop and a progress bar: an enhancement of the plain upload forms.
 *
 * A form marked data-upload-form keeps working without this script. With it, files can be dropped on
 * the form, and each file is sent in its own request (XMLHttpRequest, for upload progress), so a long
 * upload shows how far it is and can be cancelled (the server then stores nothing of that file).
 * Messages come from the form's data-msg-* attributes, translated by the server; {name}-style tokens
 * are filled in here. The server answers such requests with JSON naming the page to show next, where
 * the results of every file are listed.
 */
(function () {
  "use strict";

  function format(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (token, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : token;
    });
  }

  function sizeText(bytes) {
    var units = ["B", "KiB", "MiB", "GiB", "TiB"];
    var value = bytes;
    var unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return (unit === 0 ? value : value.toFixed(1)) + " " + units[unit];
  }

  function carriesFiles(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return !!types && Array.prototype.indexOf.call(types, "Files") !== -1;
  }

  function enhance(form) {
    var input = form.querySelector("input[type=file]");
    var panel = form.querySelector("[data-upload-progress]");
    if (!input || !panel || !window.FormData || !window.XMLHttpRequest) {
      return;
    }
    var bar = panel.querySelector("progress");
    var status = panel.querySelector("[data-upload-status]");
    var cancelButton = panel.querySelector("[data-upload-cancel]");
    var list = form.querySelector("[data-upload-list]");
    var submit = form.querySelector("button[type=submit]");
    var maxBytes = Number(form.getAttribute("data-max-bytes")) || Infinity;
    var current = null;

    function message(name, values) {
      return format(form.getAttribute("data-msg-" + name), values);
    }

    function say(text, isError) {
      panel.hidden = false;
      status.textContent = text;
      status.classList.toggle("text-danger", !!isError);
    }

    function showChosen() {
      if (!list) {
        return;
      }
      list.textContent = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var item = document.createElement("li");
        item.textContent = file.name + " (" + sizeText(file.size) + ")";
        if (file.size > maxBytes) {
          item.className = "text-danger";
        }
        list.appendChild(item);
      });
    }

    function take(files) {
      if (input.multiple || files.length <= 1) {
        input.files = files;
      } else {
        var one = new DataTransfer();
        one.items.add(files[0]);
        input.files = one.files;
      }
      showChosen();
    }

    ["dragenter", "dragover"].forEach(function (type) {
      form.addEventListener(type, function (event) {
        if (carriesFiles(event)) {
          event.preventDefault();
          form.classList.add("drop-active");
        }
      });
    });
    form.addEventListener("dragleave", function (event) {
      if (!form.contains(event.relatedTarget)) {
        form.classList.remove("drop-active");
      }
    });
    form.addEventListener("drop", function (event) {
      form.classList.remove("drop-active");
      if (carriesFiles(event)) {
        event.preventDefault();
        take(event.dataTransfer.files);
      }
    });
    input.addEventListener("change", showChosen);

    cancelButton.addEventListener("click", function () {
      if (current) {
        current.abort();
      }
    });

    function finish(next) {
      var target = new URL(next || form.getAttribute("data-next") || window.location.href, window.location.href);
      var here = new URL(window.location.href);
      if (target.pathname === here.pathname && target.search === here.search) {
        // Only the fragment differs: assigning it would not load the page again, and the page must show
        // the new documents and the messages about them.
        window.history.replaceState(null, "", target.href);
        window.location.reload();
      } else {
        window.location.assign(target.href);
      }
    }

    function send(files, index, next) {
      if (index >= files.length) {
        finish(next);
        return;
      }
      var file = files[index];
      var data = new FormData(form);
      data.delete(input.name);
      data.append(input.name, file, file.name);
      var request = new XMLHttpRequest();
      current = request;
      request.open("POST", form.action);
      request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      request.responseType = "json";
      bar.value = 0;
      say(message("uploading", { index: index + 1, count: files.length, name: file.name, percent: "0%" }));
      request.upload.addEventListener("progress", function (event) {
        if (!event.lengthComputable) {
          return;
        }
        var percent = Math.floor((event.loaded / event.total) * 100);
        bar.value = percent;
        say(
          percent < 100
            ? message("uploading", { index: index + 1, count: files.length, name: file.name, percent: percent + "%" })
            : message("sealing", { name: file.name })
        );
      });
      request.addEventListener("load", function () {
        current = null;
        var answer = request.response;
        if (request.status === 200 && answer && answer.redirect) {
          send(files, index + 1, answer.redirect);
        } else {
          say(message("failed", { name: file.name }), true);
          submit.disabled = false;
        }
      });
      request.addEventListener("error", function () {
        current = null;
        say(message("failed", { name: file.name }), true);
        submit.disabled = false;
      });
      request.addEventListener("abort", function () {
        current = null;
        say(message("cancelled", {}), true);
        // Show what the files before this one became (their messages wait on the next page).
        window.setTimeout(function () {
          finish(next);
        }, 1500);
      });
      request.send(data);
    }

    form.addEventListener("submit", function (event) {
      var files = Array.prototype.slice.call(input.files || []);
      if (!files.length) {
        return; // the browser's own check (required) or the server explains
      }
      event.preventDefault();
      var tooLarge = files.filter(function (file) {
        return file.size > maxBytes;
      });
      if (tooLarge.length) {
        say(message("too-large", { name: tooLarge[0].name, limit: sizeText(maxBytes) }), true);
        return;
      }
      submit.disabled = true;
      send(files, 0, null);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-upload-form]"), enhance);
})();
