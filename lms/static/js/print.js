// Progressive enhancement: a "Print" button for pages with print styles.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
