// WCAG 1.4.12: apply the text-spacing overrides, then list what is clipped or overflows.
const style = document.createElement("style");
style.textContent = `* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
  word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }`;
document.head.appendChild(style);
const clipped = Array.from(document.querySelectorAll("body *"))
  .filter((el) => !el.closest(".visually-hidden") && !el.classList.contains("visually-hidden"))
  // A text box scrolls its own value (what the user typed can be longer than the box).
  .filter((el) => !["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName))
  .filter((el) => {
    const s = getComputedStyle(el);
    const hides = [s.overflow, s.overflowX, s.overflowY].some((v) => v === "hidden" || v === "clip");
    return hides && (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1);
  })
  .map((el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : ""));
const overflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
style.remove();
return { clipped, overflow };
