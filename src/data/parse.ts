// Line parser for interaction files: `user item [rating [timestamp …]]`, separated by tabs,
// commas, semicolons or spaces. Accepts CRLF, trailing whitespace and a UTF-8 BOM; rejects
// anything else with the file, line and field.
import { DataError } from "../errors.js";

export interface Interactions {
  users: string[];
  items: string[];
  ratings: Float64Array | null;
  /** 1-based source line of each interaction (for errors found later, such as range checks). */
  lines: Int32Array;
}

export interface ParseOptions {
  /** Allow a first line that is a header (non-numeric user field). */
  header?: boolean;
  /** Require integer ids (true for MovieLens and DeCA files). */
  integerIds?: boolean;
}

const SEP = /[\t,; ]+/;

export function parseInteractions(text: string, file: string, opts: ParseOptions = {}): Interactions {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const users: string[] = [], items: string[] = [], ratings: number[] = [], lines: number[] = [];
  let withRating: boolean | null = null;
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === "") continue;
    const f = line.split(SEP);
    if (f.length < 2) throw new DataError(`expected at least 2 fields (user, item), found ${f.length}: "${clip(line)}"`, file, lineNo);
    if (opts.header && users.length === 0 && lineNo === firstLine(text) && looksLikeHeader(f)) continue;
    if (opts.integerIds) {
      checkId(f[0], file, lineNo, "user");
      checkId(f[1], file, lineNo, "item");
    } else {
      if (f[0] === "") throw new DataError("empty user id", file, lineNo, "user");
      if (f[1] === "") throw new DataError("empty item id", file, lineNo, "item");
    }
    const hasRating = f.length >= 3;
    if (withRating === null) withRating = hasRating;
    else if (withRating !== hasRating) throw new DataError(`expected ${withRating ? "3 or more" : "2"} fields like the lines above, found ${f.length}`, file, lineNo);
    if (hasRating) {
      const r = Number(f[2]);
      if (!Number.isFinite(r)) throw new DataError(`rating "${clip(f[2])}" is not a finite number`, file, lineNo, "rating");
      ratings.push(r);
    }
    users.push(f[0]);
    items.push(f[1]);
    lines.push(lineNo);
  }
  if (users.length === 0) throw new DataError("no interactions (the file is empty)", file);
  return { users, items, ratings: withRating ? Float64Array.from(ratings) : null, lines: Int32Array.from(lines) };
}

/** A first line naming its columns: a non-numeric rating field, or a user column called so. */
function looksLikeHeader(f: string[]): boolean {
  return (f.length >= 3 && !Number.isFinite(Number(f[2]))) || /^(user|users|user_?id|userid|uid|u)$/i.test(f[0]);
}

function firstLine(text: string): number {
  let n = 1;
  for (const l of text.split("\n")) {
    if (l.trim() !== "") return n;
    n++;
  }
  return n;
}

function checkId(s: string, file: string, line: number, field: string): void {
  if (!/^\d+$/.test(s)) {
    const what = /^-\d+$/.test(s) ? "is negative" : "is not a non-negative integer";
    throw new DataError(`${field} id "${clip(s)}" ${what}`, file, line, field);
  }
  if (s.length > 9) throw new DataError(`${field} id ${s} is too large`, file, line, field);
}

const clip = (s: string) => (s.length > 40 ? s.slice(0, 40) + "…" : s);

/** Integer ids shifted by `base` (1 for MovieLens), checked against the declared counts. */
export function toIndices(p: Interactions, file: string, base: number, users: number, items: number): { u: Int32Array; i: Int32Array } {
  const n = p.users.length;
  const u = new Int32Array(n), i = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    u[k] = Number(p.users[k]) - base;
    i[k] = Number(p.items[k]) - base;
    if (u[k] < 0 || u[k] >= users) throw new DataError(`user id ${p.users[k]} is outside ${base}…${users - 1 + base} (${users} users declared)`, file, p.lines[k], "user");
    if (i[k] < 0 || i[k] >= items) throw new DataError(`item id ${p.items[k]} is outside ${base}…${items - 1 + base} (${items} items declared)`, file, p.lines[k], "item");
  }
  return { u, i };
}

export function maxId(p: Interactions, field: "users" | "items"): number {
  let m = -1;
  for (const s of p[field]) m = Math.max(m, Number(s));
  return m;
}
