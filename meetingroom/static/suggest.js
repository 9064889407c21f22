/* The suggestion form's photo picker, as an enhancement: the form works without it.
   - photos chosen one at a time (the camera gives one per shot) add up, to the limit;
   - a thumbnail with × for each, to take one out again;
   - a photo over the size limit is shrunk in the browser (the server re-encodes anyway);
   - anything not an image, or past the limit, is refused here with the server's words. */
(function () {
  "use strict";
  var field = document.getElementById("photo-field");
  var form = document.getElementById("suggest-form");
  if (!field || !form || typeof DataTransfer === "undefined") return;
  var input = field.querySelector("input[type=file]");
  var list = field.querySelector(".thumbs");
  var msg = field.querySelector(".photo-msg");
  var addLabel = field.querySelector(".photo-add");
  var max = parseInt(field.dataset.max, 10) || 3;
  var maxBytes = parseInt(field.dataset.maxBytes, 10) || 8 * 1024 * 1024;
  var MAX_SIDE = 2048;
  var files = [];
  var pending = 0;

  field.classList.add("js");

  function say(text) { msg.textContent = text || ""; }

  function sync() {
    var dt = new DataTransfer();
    files.forEach(function (f) { dt.items.add(f); });
    input.files = dt.files;
    render();
  }

  function render() {
    list.querySelectorAll("img").forEach(function (img) { URL.revokeObjectURL(img.src); });
    list.textContent = "";
    files.forEach(function (file, i) {
      var li = document.createElement("li");
      var img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = "";
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "thumb-remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", field.dataset.msgRemove + " " + (i + 1));
      remove.addEventListener("click", function () {
        files.splice(i, 1);
        say("");
        sync();
        addLabel.focus();
      });
      li.appendChild(img);
      li.appendChild(remove);
      list.appendChild(li);
    });
    field.classList.toggle("full", files.length >= max);
  }

  function shrink(file) {
    // Draw the photo at most MAX_SIDE wide or high and save it as JPEG.
    if (typeof createImageBitmap !== "function") return Promise.reject();
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve, reject) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size > maxBytes) { reject(); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg" }));
        }, "image/jpeg", 0.85);
      });
    });
  }

  function add(file) {
    if (files.length >= max) { say(field.dataset.msgMax); return; }
    if (!/^image\//.test(file.type)) { say(field.dataset.msgType); return; }
    if (file.size <= maxBytes) { files.push(file); return; }
    pending += 1;
    files.push(file);  // hold its place while it shrinks
    shrink(file).then(function (small) {
      files[files.indexOf(file)] = small;
    }, function () {
      files.splice(files.indexOf(file), 1);
      say(field.dataset.msgBig);
    }).then(function () { pending -= 1; sync(); });
  }

  input.addEventListener("change", function () {
    var chosen = Array.prototype.slice.call(input.files);
    say("");
    chosen.forEach(function (f) {
      var known = files.some(function (k) {
        return k.name === f.name && k.size === f.size && k.lastModified === f.lastModified;
      });
      if (!known) add(f);
    });
    sync();
  });

  form.addEventListener("submit", function (event) {
    var button = form.querySelector("button[type=submit]");
    if (pending > 0) { event.preventDefault(); return; }
    if (button && button.dataset.busy) {
      // A second tap on a slow connection must not send the suggestion twice.
      setTimeout(function () { button.disabled = true; button.textContent = button.dataset.busy; }, 0);
    }
  });
})();
