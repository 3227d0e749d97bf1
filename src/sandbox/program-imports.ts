/**
 * An import statement's modules: `import a.b, c as d` (a, c) or `from a.b import x` (a), at the
 * start of a line or after `;` or `:` (`if x: import y`). A relative `from . import x` names none.
 */
const IMPORT_STATEMENT = /(?:^|[;:])[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b|import[ \t]+([A-Za-z_][\w.]*(?:[ \t]+as[ \t]+\w+)?(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*(?:[ \t]+as[ \t]+\w+)?)*))/gm;
/** Imports by name at run time: any module at all. */
const DYNAMIC_IMPORT = /\b(?:__import__|import_module)[ \t]*\(/;

/**
 * Whether a program imports only top-level modules of `modules` (and nothing by a name computed
 * at run time). Read from its text, not parsed: text in a string or a comment that looks like an
 * import counts too. Either way the program runs the same; this only picks the server that runs
 * it faster.
 */
export function importsOnly(code: string, modules: ReadonlySet<string>): boolean {
  if (DYNAMIC_IMPORT.test(code)) return false;
  for (const match of code.matchAll(IMPORT_STATEMENT)) {
    const names = match[1] !== undefined ? [match[1]] : match[2].split(',').map((part) => part.trim().split(/[ \t]/)[0]);
    if (names.some((name) => !modules.has(name.split('.')[0]))) return false;
  }
  return true;
}
