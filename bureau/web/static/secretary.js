/* The secretary's pages: more rows for a table field, and a batch's live progress.
   Everything works without this script (three rows are offered; the batch page reloads). */
"use strict";

function addRow(table) {
  const body = table.tBodies[0];
  const last = body.rows[body.rows.length - 1];
  const index = body.rows.length;
  const row = last.cloneNode(true);
  row.querySelectorAll(".field-error").forEach((p) => p.remove());
  row.querySelectorAll(".has-error").forEach((cell) => cell.classList.remove("has-error"));
  row.querySelectorAll("input, select, textarea").forEach((input) => {
    // field.<table>.<row>.<column>: the row is the one number in the name
    const name = input.name.replace(/\.\d+\.([a-z][a-z0-9_]*)$/, "." + index + ".$1");
    input.name = name;
    input.id = name;
    input.removeAttribute("aria-invalid");
    if (input.tagName === "SELECT") {
      input.selectedIndex = 0;
    } else {
      input.value = "";
    }
  });
  row.cells[0].textContent = String(index + 1);
  body.appendChild(row);
  const first = row.querySelector("input, select, textarea");
  if (first) first.focus();
}

function setUpTables() {
  document.querySelectorAll("button.add-row").forEach((button) => {
    const table = document.querySelector('table[data-table="' + button.dataset.table + '"]');
    if (!table) return;
    button.hidden = false;
    button.addEventListener("click", () => addRow(table));
  });
}

function watchBatch() {
  const section = document.getElementById("batch");
  if (!section || section.dataset.state !== "running") return;
  const bar = document.getElementById("progress");
  const counts = document.getElementById("counts");
  const poll = async () => {
    let status;
    try {
      const answer = await fetch(section.dataset.status, { headers: { Accept: "application/json" } });
      if (!answer.ok || !(answer.headers.get("content-type") || "").includes("json")) {
        window.location.reload(); // signed out, or the job is gone: the page says which
        return;
      }
      status = await answer.json();
    } catch (error) {
      window.setTimeout(poll, 3000); // the server is busy or restarting: try again
      return;
    }
    bar.max = Math.max(status.total, 1);
    bar.value = status.done;
    counts.textContent = counts.dataset.text
      .replace("{done}", String(status.done))
      .replace("{total}", String(status.total));
    if (status.state !== "running") {
      window.location.reload();
      return;
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  setUpTables();
  watchBatch();
});
