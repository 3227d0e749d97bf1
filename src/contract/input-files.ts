/** The rules of the files a request writes into the working directory (one place for each). */
export const MAX_INPUT_FILES = 64;
export const MAX_FILE_PATH_BYTES = 255;

/** The rule a path breaks, or null. */
export function filePathProblem(path: string): string | null {
  if (path.length === 0) return 'must not be empty';
  if (Buffer.byteLength(path, 'utf8') > MAX_FILE_PATH_BYTES) return `must be at most ${MAX_FILE_PATH_BYTES} bytes`;
  if (path.includes('\0')) return 'must not contain NUL';
  if (path.startsWith('/')) return 'must be relative to the working directory, not absolute';
  const segments = path.split('/');
  if (segments.includes('..')) return "must not contain a '..' segment";
  if (segments.some((segment) => segment === '' || segment === '.')) return "must not contain an empty or '.' segment";
  return null;
}

/** The rule a set of paths breaks together (a path twice, a file where a folder must be), or null. */
export function filePathsProblem(paths: string[]): string | null {
  const seen = new Set<string>();
  for (const path of paths) {
    if (seen.has(path)) return `path ${JSON.stringify(path)} is given twice`;
    seen.add(path);
  }
  for (const path of paths) {
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) {
      const folder = segments.slice(0, i).join('/');
      if (seen.has(folder)) return `path ${JSON.stringify(folder)} is a file, so ${JSON.stringify(path)} cannot be inside it`;
    }
  }
  return null;
}

/** Decoded size of base64 text (validated as base64 already). */
export function base64Bytes(content: string): number {
  const padding = content.endsWith('==') ? 2 : content.endsWith('=') ? 1 : 0;
  return (content.length / 4) * 3 - padding;
}
