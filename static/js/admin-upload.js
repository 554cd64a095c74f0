// The photo upload page: each file is its own request (three at a time) with its own
// progress bar, so one failure never stops the rest; then each photo's processing status is
// polled until every one is ready or has failed with its reason.
(function () {
  var CONCURRENT = 3;

  function text(el, value) { el.textContent = value; return el; }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector(".photo-upload");
    if (!root) { return; }
    var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
    var maxBytes = parseInt(root.dataset.maxBytes, 10);
    var list = document.getElementById("upload-list");
    var body = list.querySelector("tbody");
    var overall = document.getElementById("overall-progress");
    var overallText = document.getElementById("overall-text");
    var summary = document.getElementById("upload-summary");
    var queue = [], active = 0, totalBytes = 0, sentBytes = {}, counts = {};
    var photoRows = {}, polling = null;

    function row(file) {
      var tr = document.createElement("tr");
      var name = document.createElement("td");
      text(name, file.webkitRelativePath || file.name);
      var bar = document.createElement("progress");
      bar.max = 100; bar.value = 0;
      bar.setAttribute("aria-label", file.name);
      var barCell = document.createElement("td");
      barCell.appendChild(bar);
      var status = text(document.createElement("td"), "Waiting");
      tr.append(name, barCell, status);
      body.appendChild(tr);
      return { bar: bar, status: status };
    }

    function count(kind) { counts[kind] = (counts[kind] || 0) + 1; }

    function setStatus(cells, kind, words) {
      cells.status.className = "status-" + kind;
      text(cells.status, words);
    }

    function overallUpdate() {
      var sent = Object.keys(sentBytes).reduce(function (sum, key) { return sum + sentBytes[key]; }, 0);
      overall.value = totalBytes ? Math.round(100 * sent / totalBytes) : 100;
      var done = (counts.added || 0) + (counts.duplicate || 0) + (counts.rejected || 0);
      text(overallText, done + " of " + Object.keys(sentBytes).length + " files");
    }

    // Once every file is sent; kept up to date while the photos are processed, so a photo
    // that fails then is counted too, not only the files refused on arrival.
    function summaryUpdate() {
      if (summary.hidden) { return; }
      var waiting = Object.keys(photoRows).length;
      // A photo that fails once uploaded is one of the uploaded, said so: the counts add up
      // to the files chosen.
      text(summary, (counts.added || 0) + " uploaded" +
        (counts.failed ? " (" + counts.failed + " of them could not be processed: see why below)" : "") +
        ", " + (counts.duplicate || 0) + " already in the gallery, " + (counts.rejected || 0) + " rejected." +
        (waiting ? " " + waiting + " still being processed." : ""));
    }

    function summarise() {
      if (active || queue.length) { return; }
      summary.hidden = false;
      summaryUpdate();
      poll();
    }

    function send(item) {
      active += 1;
      setStatus(item.cells, "sending", "Uploading");
      var form = new FormData();
      form.append("file", item.file, item.file.name);
      form.append("set", document.getElementById("photo-set").value);
      form.append("kind", document.getElementById("photo-finals").checked ? "final" : "proof");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", root.dataset.fileUrl);
      xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable) {
          item.cells.bar.value = Math.round(100 * event.loaded / event.total);
          sentBytes[item.key] = item.file.size * event.loaded / event.total;
          overallUpdate();
        }
      };
      xhr.onloadend = function () {
        var answer = {};
        try { answer = JSON.parse(xhr.responseText); } catch (error) { answer = {}; }
        sentBytes[item.key] = item.file.size;
        item.cells.bar.value = 100;
        if (answer.status === "added") {
          count("added");
          setStatus(item.cells, "queued", "Uploaded; waiting to be processed");
          photoRows[answer.photo] = item.cells;
        } else if (answer.status === "duplicate") {
          count("duplicate");
          setStatus(item.cells, "duplicate", "Already in the gallery");
        } else {
          count("rejected");
          setStatus(item.cells, "rejected", "Not uploaded: " + (answer.reason || "the connection failed; try this file again"));
        }
        active -= 1;
        overallUpdate();
        next();
        summarise();
      };
      xhr.send(form);
    }

    function next() {
      while (active < CONCURRENT && queue.length) { send(queue.shift()); }
    }

    function add(files) {
      list.hidden = false;
      root.querySelector(".upload-overall").hidden = false;
      summary.hidden = true;
      document.getElementById("cull-link").hidden = true;
      Array.prototype.forEach.call(files, function (file, index) {
        if (file.name.charAt(0) === ".") { return; }
        var item = { file: file, key: Date.now() + "-" + index + "-" + file.name, cells: row(file) };
        sentBytes[item.key] = 0;
        if (file.size > maxBytes) {
          count("rejected");
          sentBytes[item.key] = 0;
          setStatus(item.cells, "rejected", "Not uploaded: it is over the " + Math.round(maxBytes / 1048576) + " MB limit");
          return;
        }
        totalBytes += file.size;
        queue.push(item);
      });
      overallUpdate();
      next();
      summarise();
    }

    function poll() {
      if (polling) { return; }
      polling = setInterval(function () {
        var ids = Object.keys(photoRows);
        if (!ids.length) {  // all processed: on to culling
          clearInterval(polling); polling = null;
          var done = document.getElementById("cull-link");
          if (counts.failed) {  // not "every photo is processed" when one could not be
            done.firstChild.textContent = "Processing is done; " + counts.failed + " could not be processed. ";
          }
          done.hidden = false;
          return;
        }
        fetch(root.dataset.statusUrl + "?ids=" + ids.join(","), { credentials: "same-origin" })
          .then(function (response) {
            if (!response.ok) { throw new Error("status " + response.status); }
            return response.json();
          })
          .then(function (data) {
            ids.forEach(function (id) {  // deleted meanwhile: stop asking about it
              if (!data.photos[id]) { text(photoRows[id].status, "Removed from the gallery"); delete photoRows[id]; }
            });
            Object.keys(data.photos).forEach(function (id) {
              var photo = data.photos[id], cells = photoRows[id];
              if (photo.status === "ready") {
                setStatus(cells, "ready", "Ready");
                delete photoRows[id];
              } else if (photo.status === "failed") {
                setStatus(cells, "failed", "Failed: " + photo.reason);
                count("failed");
                delete photoRows[id];
              } else {
                setStatus(cells, photo.status, photo.status === "processing" ? "Processing" : "Waiting to be processed");
              }
            });
            summaryUpdate();
          })
          .catch(function () {  // signed out, or the server is away: stop, and say so
            clearInterval(polling); polling = null;
            Object.keys(photoRows).forEach(function (id) {
              text(photoRows[id].status, "Uploaded; reload the page to see its progress");
            });
          });
      }, 1500);
    }

    var zone = document.getElementById("drop-zone");
    ["photo-files", "photo-folder"].forEach(function (id) {
      document.getElementById(id).addEventListener("change", function (event) {
        add(event.target.files);
        event.target.value = "";
      });
    });
    zone.addEventListener("dragover", function (event) { event.preventDefault(); zone.classList.add("dragging"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("dragging");
      var items = event.dataTransfer.items, files = [], pending = 0;
      function walk(entry) {
        if (entry.isFile) {
          pending += 1;
          entry.file(
            function (file) { files.push(file); pending -= 1; if (!pending) { add(files); } },
            function () { pending -= 1; if (!pending) { add(files); } }  // unreadable: skipped
          );
        } else if (entry.isDirectory) {
          var reader = entry.createReader();
          pending += 1;
          (function readAll() {
            reader.readEntries(function (entries) {
              if (!entries.length) { pending -= 1; if (!pending) { add(files); } return; }
              entries.forEach(walk);
              readAll();
            });
          })();
        }
      }
      if (items && items.length && items[0].webkitGetAsEntry) {
        Array.prototype.forEach.call(items, function (item) {
          var entry = item.webkitGetAsEntry();
          if (entry) { walk(entry); }
        });
      } else {
        add(event.dataTransfer.files);
      }
    });
  });
})();
