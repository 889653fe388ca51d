// Mark the tables that are wider than the text column (see skffnn.css).
function skffnnFitTables() {
  document.querySelectorAll("table.table").forEach((table) => {
    table.classList.remove("skffnn-wrap");
    if (table.offsetWidth > table.parentElement.clientWidth + 1) {
      table.classList.add("skffnn-wrap");
    }
  });
}
window.addEventListener("load", skffnnFitTables);
window.addEventListener("resize", skffnnFitTables);
