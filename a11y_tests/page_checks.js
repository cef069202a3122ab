// The checks axe cannot make, run in the page by test_every_page.py. Returns findings as
// plain data. arguments[0] is the minimum target size in CSS px, arguments[1] the minimum
// focus-outline width.
const [minTarget, minOutline] = arguments;
const describe = (el) =>
  `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${(el.textContent || el.value || "").trim().slice(0, 30)}"`;
const visible = (el) => {
  const box = el.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden";
};
const tabbable = Array.from(
  document.querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex]")
).filter((el) => el.tabIndex >= 0 && !el.disabled && el.type !== "hidden" && !el.closest("[hidden]"));

// A link inside a sentence is exempt from target size (WCAG 2.5.5 and 2.5.8, "inline").
const inline = (el) => {
  const block = el.parentElement.closest("p, li, dd, dt, td, th, h1, h2, h3, h4, h5, h6, div");
  return el.tagName === "A" && block && block.textContent.trim() !== el.textContent.trim();
};

const smallTargets = tabbable
  .filter((el) => visible(el) && !inline(el) && !el.classList.contains("skip-link"))
  .filter((el) => {
    const box = el.getBoundingClientRect();
    return box.width < minTarget - 0.5 || box.height < minTarget - 0.5;
  })
  .map((el) => {
    const box = el.getBoundingClientRect();
    return `${describe(el)} ${Math.round(box.width)}x${Math.round(box.height)}`;
  });

const noFocusRing = tabbable
  .filter((el) => {
    el.focus({ preventScroll: true });
    const style = getComputedStyle(el);
    const width = parseFloat(style.outlineWidth);
    const shown = style.outlineStyle !== "none" && width >= minOutline;
    el.blur();
    return !shown;
  })
  .map(describe);

const firstTabbable = tabbable[0];
const statusRegion = document.getElementById("status");
return {
  h1: document.querySelectorAll("h1").length,
  lang: document.documentElement.lang,
  overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  smallTargets,
  noFocusRing,
  skipLinkFirst: !!firstTabbable && firstTabbable.classList.contains("skip-link") &&
    firstTabbable.getAttribute("href") === "#main",
  liveRegion: !!statusRegion && statusRegion.getAttribute("role") === "status",
  title: document.title,
};
