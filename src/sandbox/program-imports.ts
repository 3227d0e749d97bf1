/**
 * An import statement's modules: `import a.b, c as d` (a, c) or `from a.b import x` (a), at the
 * start of a line or after `;` or `:` (`if x: import y`). A relative `from . import x` names none.
 */
const IMPORT_STATEMENT = /(?:^|[;:])[ \t\f]*(?:from[ \t\f]+([A-Za-z_][\w.]*)[ \t\f]+import\b|import[ \t\f]+([A-Za-z_][\w.]*(?:[ \t\f]+as[ \t\f]+\w+)?(?:[ \t\f]*,[ \t\f]*[A-Za-z_][\w.]*(?:[ \t\f]+as[ \t\f]+\w+)?)*))/gm;
/** What imports modules by a name computed at run time: any module at all. */
const DYNAMIC_IMPORT = /\b(?:__import__|import_module|importlib|runpy)\b/;
/** A backslash at the end of a line continues the statement on the next. */
const LINE_CONTINUATION = /\\\r?\n/g;

/**
 * Whether a program imports only top-level modules of `modules` (and nothing by a name computed
 * at run time). Read from its text, not parsed: text in a string or a comment that looks like an
 * import counts too, and an import hidden from the text (in `exec`'s string, through `getattr`)
 * does not. It only picks the server the program runs in (docs/sandbox.md, lean fork servers).
 */
export function importsOnly(code: string, modules: ReadonlySet<string>): boolean {
  if (DYNAMIC_IMPORT.test(code)) return false;
  for (const match of code.replace(LINE_CONTINUATION, ' ').matchAll(IMPORT_STATEMENT)) {
    const names = match[1] !== undefined ? [match[1]] : match[2].split(',').map((part) => part.trim().split(/[ \t\f]/)[0]);
    if (names.some((name) => !modules.has(name.split('.')[0]))) return false;
  }
  return true;
}
