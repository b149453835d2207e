// Progressive enhancement only: the site works without this file.
// Shows how many minutes of the 10-minute hold are left, focuses the error summary, wires the print button.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  var print = document.getElementById("print-button");
  if (print) {  // without JavaScript the page says to use the browser's Print command instead
    print.hidden = false;
    var hint = document.getElementById("print-hint");
    if (hint) { hint.hidden = true; }
    print.addEventListener("click", function () { window.print(); });
  }
  var held = document.querySelector("[data-seconds]");
  if (!held) { return; }
  // Count down from what the server says is left, so a wrong clock on the phone does not matter.
  var until = new Date(Date.now() + 1000 * parseInt(held.getAttribute("data-seconds"), 10));
  var english = document.documentElement.lang === "en";
  var line = document.createElement("span");
  line.setAttribute("aria-live", "polite");
  held.appendChild(document.createTextNode(" "));
  held.appendChild(line);
  function tick() {
    var minutes = Math.max(0, Math.ceil((until - new Date()) / 60000));
    line.textContent = english ? "(" + minutes + " min left)" : "(残り約" + minutes + "分)";
  }
  tick();
  setInterval(tick, 30000);
}());
