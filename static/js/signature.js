// An optional drawn signature, on top of the typed name (which is a full signature alone).
// Markup (templates/sessions/_signature_pad.html):
//   <div data-signature-pad data-cleared-text="Signature cleared" hidden>
//     <canvas class="signature-pad-canvas" role="img" aria-label="…"></canvas>
//     <input type="hidden" name="drawn_signature">
//     <button type="button" data-signature-clear>Clear</button>
//     <p role="status" aria-live="polite" data-signature-status></p>   (optional)
//   </div>
// The block stays hidden without JavaScript, so nobody meets a pad they cannot use.
// After each stroke the hidden input holds canvas.toDataURL("image/png"); cleared, "".
// Needs vendor/signature_pad/signature_pad.umd.min.js loaded first (both with defer).
(function () {
  function setUp(wrapper) {
    var canvas = wrapper.querySelector("canvas");
    var input = wrapper.querySelector('input[name="drawn_signature"]');
    var clear = wrapper.querySelector("[data-signature-clear]");
    var status = wrapper.querySelector("[data-signature-status]");
    if (!canvas || !input || !window.SignaturePad) return;
    wrapper.hidden = false;
    var pad = new window.SignaturePad(canvas);
    var width = 0;

    function save() {
      input.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
    }

    // Match the canvas's pixels to its shown size; redraw what was there, since resizing wipes it.
    function resize() {
      if (canvas.offsetWidth === width || canvas.offsetWidth === 0) return;
      width = canvas.offsetWidth;
      var strokes = pad.toData();
      var saved = input.value;
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      if (strokes.length) {
        pad.fromData(strokes);
        save();
      } else if (saved.indexOf("data:image/png;base64,") === 0) {
        // A drawing sent back with the form (say, after another field's error): show it again.
        pad.fromDataURL(saved, { width: canvas.offsetWidth, height: canvas.offsetHeight });
      }
    }

    pad.addEventListener("endStroke", save);
    if (clear) {
      clear.addEventListener("click", function () {
        pad.clear();
        input.value = "";
        if (status) {
          status.textContent = "";
          // A fresh node change after a tick, so a second "cleared" is announced too.
          setTimeout(function () { status.textContent = wrapper.dataset.clearedText || ""; }, 50);
        }
      });
    }
    if (window.ResizeObserver) {
      new ResizeObserver(resize).observe(canvas);
    } else {
      window.addEventListener("resize", resize);
    }
    resize();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-signature-pad]").forEach(setUp);
  });
})();
