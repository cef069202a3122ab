// The checks axe cannot make, run in the page by test_every_page.py. Returns findings as
// plain data. Arguments: the minimum target size in CSS px, the minimum focus-outline
// width, and the minimum text contrast for the display mode (axe checks only 4.5 : 1).
const [minTarget, minOutline, minContrast] = arguments;
const describe = (el) =>
  `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${(el.textContent || el.value || "").trim().slice(0, 30)}"`;
const visible = (el) => {
  const box = el.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden";
};
const tabbable = Array.from(
  document.querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex]")
).filter((el) => el.tabIndex >= 0 && !el.disabled && el.type !== "hidden" && !el.closest("[hidden]"))
  // A closed <dialog> (the session warning) is not rendered: nothing in it can take focus;
  // nor can what CSS does not display at this width (the header's 菜单 link when wide).
  .filter((el) => !el.closest("dialog:not([open])") && el.getClientRects().length > 0);

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

// Chinese text must sit inside an element whose lang is Chinese, so screen readers switch
// voice (on the Chinese site the whole page is; on the English site only marked passages).
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const untaggedChinese = [];
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  if (!/[\u3400-\u9fff]/.test(node.textContent)) continue;
  // A text box's value cannot carry lang inside it (an English text quoting Chinese); the
  // box's own lang says what it mostly holds.
  if (node.parentElement.closest("textarea")) continue;
  const owner = node.parentElement.closest("[lang]");
  const lang = owner ? owner.lang : "";
  if (!lang.startsWith("zh")) untaggedChinese.push(node.textContent.trim().slice(0, 30));
}

// Text contrast against the nearest opaque background, as WCAG computes it.
const rgb = (value) => value.match(/[\d.]+/g).map(Number);
const luminance = ([r, g, b]) => {
  const [R, G, B] = [r, g, b].map((c) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * R + 0.7152 * G + 0.0722 * B;
};
const background = (el) => {
  for (let node = el; node; node = node.parentElement) {
    const colour = rgb(getComputedStyle(node).backgroundColor);
    if (colour.length < 4 || colour[3] === 1) return colour;
  }
  return [255, 255, 255];
};
const lowContrast = [];
for (const el of document.querySelectorAll("body *")) {
  const hasText = Array.from(el.childNodes).some(
    (n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim()
  );
  if (!hasText || !visible(el) || el.closest(".visually-hidden, .skip-link")) continue;
  const [a, b] = [luminance(rgb(getComputedStyle(el).color)), luminance(background(el))];
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  if (ratio < minContrast) lowContrast.push(`${describe(el)} ${ratio.toFixed(2)}:1`);
}

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
  untaggedChinese,
  lowContrast,
};
