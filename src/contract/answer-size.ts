/**
 * The size of an answer, counted as it is sent and stored: UTF-8 bytes of its JSON. The sandbox
 * caps raw bytes (a stream's bytes, the harness's ASCII JSON of the return value, the files'
 * bytes); once in JSON a control byte takes 6 bytes (\u0001), an invalid UTF-8 byte 3 (U+FFFD)
 * and a float such as 1e20 up to 21. The answer applies the same caps to the encoded form, so
 * its size has one bound (`answerBound`), the one README.md and docs/api.md state.
 */

/** JSON bytes of each file's path, size and media type beyond its base64 content, at most (the answer refuses more). */
export const FILE_ENTRY_BYTES = 1024;

/**
 * JSON bytes of everything in a stored job result besides its capped parts: field names, status,
 * exit code, fixed messages, job_id, the request's id (256 characters, 6 bytes each at most), times.
 */
export const ANSWER_FRAMING_BYTES = 4096;

/** The caps of a run's outputs, in bytes. */
export interface OutputCaps {
  /** Cap on stdout, on stderr, and on the return value or the exception's message, each, in JSON bytes. */
  maxOutputBytes: number;
  maxOutputFiles: number;
  /** Raw bytes of the output files together (their base64 in the answer is 4/3 of it). */
  maxOutputFilesBytes: number;
}

/** JSON bytes the answer's `files` may take: the files' bytes in base64, plus FILE_ENTRY_BYTES per file. */
export function filesBound(caps: Pick<OutputCaps, 'maxOutputFiles' | 'maxOutputFilesBytes'>): number {
  return Math.ceil(caps.maxOutputFilesBytes / 3) * 4 + caps.maxOutputFiles * FILE_ENTRY_BYTES;
}

/**
 * The most JSON bytes one answer (and the job result stored for it) can take: stdout, stderr and
 * the return value or the exception's message at their cap each, the files, and the framing.
 */
export function answerBound(caps: OutputCaps): number {
  return 3 * caps.maxOutputBytes + filesBound(caps) + ANSWER_FRAMING_BYTES;
}

/** UTF-8 bytes of a value's JSON. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
}

/** UTF-8 bytes of a string's JSON, without its two quotes. */
export function jsonTextBytes(text: string): number {
  return jsonBytes(text) - 2;
}

const SHORT_ESCAPES = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x22, 0x5c]);

/**
 * The longest prefix of `text` whose JSON (quotes excluded) takes at most `cap` bytes, cut between
 * characters (never inside a surrogate pair). JSON.stringify's escapes: \b \t \n \f \r \" \\ take
 * 2 bytes, other control characters and lone surrogates 6 (\uXXXX), the rest their UTF-8.
 */
export function cutToJsonBytes(text: string, cap: number): string {
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    let size: number;
    let units = 1;
    if (unit < 0x80) size = SHORT_ESCAPES.has(unit) ? 2 : unit < 0x20 ? 6 : 1;
    else if (unit < 0x800) size = 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      size = 4;
      units = 2;
    } else if (unit >= 0xd800 && unit <= 0xdfff) size = 6;
    else size = 3;
    if (used + size > cap) return text.slice(0, i);
    used += size;
    i += units - 1;
  }
  return text;
}
