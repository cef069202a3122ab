// Runs axe-core, already in the page (test_every_page.py adds it to every document), with
// the options given, and returns only what the sweep reads: each violation's rule and the
// first three elements it names, and how many elements each rule left 'incomplete' for a
// person to review. The whole result (every rule's description and links, each element's
// HTML and checks) is most of what a page would otherwise send back to the test.
const [options, done] = [arguments[0], arguments[arguments.length - 1]];
axe.run(document, options).then(
  (results) =>
    done({
      violations: results.violations.map((rule) => ({
        id: rule.id,
        targets: rule.nodes.slice(0, 3).map((node) => String(node.target[0])),
      })),
      incomplete: results.incomplete.map((rule) => ({ id: rule.id, nodes: rule.nodes.length })),
    }),
  (error) => done({ error: String(error) })
);
