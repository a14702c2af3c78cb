// Progressive enhancement only: every page works without JavaScript.

// "Copy" buttons (links to threads, handles, invitation links): shown only where the clipboard works.
if (navigator.clipboard) {
  for (const button of document.querySelectorAll("[data-copy][hidden]")) button.hidden = false;
}
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button || !navigator.clipboard) return;
  navigator.clipboard.writeText(button.dataset.copy).then(() => {
    const label = button.lastChild.textContent;
    button.lastChild.textContent = button.dataset.copied || "Copied";
    setTimeout(() => { button.lastChild.textContent = label; }, 1500);
  });
});

// Menus (details.menu) close on Escape and when another opens, as menus do elsewhere.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const open = event.target.closest("details[open].menu");
  if (open) { open.open = false; open.querySelector("summary").focus(); }
});
document.addEventListener("toggle", (event) => {
  const opened = event.target;
  if (!(opened instanceof HTMLDetailsElement) || !opened.open || !opened.classList.contains("menu")) return;
  for (const other of document.querySelectorAll("details[open].menu")) if (other !== opened) other.open = false;
}, true);

// Image previews in the composers (data: URLs, which the page's CSP allows).
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.dataset.preview) return;
  const preview = document.getElementById(input.dataset.preview);
  const file = input.files && input.files[0];
  if (!preview) return;
  if (!file || !file.type.startsWith("image/")) { preview.hidden = true; return; }
  const reader = new FileReader();
  reader.onload = () => { preview.src = reader.result; preview.hidden = false; };
  reader.readAsDataURL(file);
});
