// The reset link carries its code after "#", which browsers never send to the server (so it
// stays out of access logs): copy it into the form's code field.
(function () {
  var code = decodeURIComponent((location.hash || "").slice(1));
  var field = document.getElementById("f-code");
  if (code && field && !field.value) {
    field.value = code.slice(0, 12);
    history.replaceState(null, "", location.pathname);
  }
})();
