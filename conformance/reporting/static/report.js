// Opens failures in place and filters the matrix by family, outcome, target and differences between targets.
(function () {
  "use strict";
  var matrix = document.getElementById("matrix");
  var family = document.getElementById("filter-family");
  var outcome = document.getElementById("filter-outcome");
  var differences = document.getElementById("filter-differences");
  var targets = Array.prototype.slice.call(document.querySelectorAll(".filter-target"));
  var status = document.getElementById("filter-status");

  function all(root, selector) {
    return Array.prototype.slice.call(root.querySelectorAll(selector));
  }

  function hide(element, hidden) {
    element.classList.toggle("filtered-out", hidden);
  }

  matrix.addEventListener("click", function (event) {
    var button = event.target.closest("button[aria-controls]");
    if (!button) {
      return;
    }
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    document.getElementById(button.getAttribute("aria-controls")).hidden = !open;
  });

  function matches(row, columns) {
    var cells = all(row, "td[data-col]").filter(function (cell) {
      return columns.indexOf(cell.dataset.col) >= 0;
    });
    var outcomes = cells.map(function (cell) { return cell.dataset.outcome; });
    if (family.value && row.dataset.family !== family.value) {
      return false;
    }
    if (outcome.value === "changed") {
      if (!cells.some(function (cell) { return cell.classList.contains("changed"); })) {
        return false;
      }
    } else if (outcome.value && outcomes.indexOf(outcome.value) < 0) {
      return false;
    }
    return !differences.checked || outcomes.some(function (o) { return o !== outcomes[0]; });
  }

  function apply() {
    var columns = targets.filter(function (box) { return box.checked; })
      .map(function (box) { return box.dataset.col; });
    all(matrix, "[data-col]").forEach(function (element) {
      if (!element.classList.contains("detail")) {
        hide(element, columns.indexOf(element.dataset.col) < 0);
      }
    });
    var shown = 0;
    var rows = all(matrix, "tr.scenario");
    rows.forEach(function (row) {
      var visible = matches(row, columns);
      shown += visible ? 1 : 0;
      hide(row, !visible);
      all(matrix, 'tr.detail[data-row="' + row.id + '"]').forEach(function (detail) {
        hide(detail, !visible || columns.indexOf(detail.dataset.col) < 0);
      });
    });
    all(matrix, "tbody.sentence").forEach(function (body) {
      hide(body, all(body, "tr.scenario:not(.filtered-out)").length === 0);
    });
    all(matrix, "tbody.group").forEach(function (group) {
      var selector = 'tbody.sentence[data-group="' + group.dataset.group + '"]:not(.filtered-out)';
      hide(group, all(matrix, selector).length === 0);
    });
    status.value = shown + " of " + rows.length + " scenario rows shown";
  }

  [family, outcome, differences].concat(targets).forEach(function (control) {
    control.addEventListener("change", apply);
  });
  document.getElementById("filters").addEventListener("submit", function (event) { event.preventDefault(); });
  apply();
})();
