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

/**
 * Incremental parser: feed it text in chunks of any size (a file stream) and it keeps only the
 * parsed columns and the current partial line, so a file is read once and never held whole.
 */
export class InteractionParser {
  private readonly users: string[] = [];
  private readonly items: string[] = [];
  private readonly ratings: number[] = [];
  private readonly lines: number[] = [];
  private withRating: boolean | null = null;
  private lineNo = 0;
  private firstContent = true;
  private header: string | null = null;
  private rest = "";
  private started = false;

  constructor(readonly file: string, readonly opts: ParseOptions = {}) {}

  push(chunk: string): void {
    if (!this.started) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    let text = this.rest + chunk;
    let start = 0;
    for (let end = text.indexOf("\n", start); end >= 0; end = text.indexOf("\n", start)) {
      this.line(text.slice(start, end));
      start = end + 1;
    }
    this.rest = text.slice(start);
    text = "";
  }

  end(): Interactions {
    if (this.rest !== "") this.line(this.rest);
    this.rest = "";
    if (this.users.length === 0) throw new DataError(this.header === null ? "no interactions (the file is empty)" : `no interactions: its one line, "${clip(this.header)}", reads as a header (a rating that is not a number, or a user or item column's name)`, this.file);
    return { users: this.users, items: this.items, ratings: this.withRating ? Float64Array.from(this.ratings) : null, lines: Int32Array.from(this.lines) };
  }

  private line(raw: string): void {
    const { file, opts } = this;
    const lineNo = ++this.lineNo;
    const line = raw.trim();
    if (line === "") return;
    const f = line.split(SEP);
    const first = this.firstContent;
    this.firstContent = false;
    if (f.length < 2) throw new DataError(`expected at least 2 fields (user, item), found ${f.length}: "${clip(line)}"`, file, lineNo);
    if (opts.header && first && looksLikeHeader(f)) {
      this.header = line;
      return;
    }
    if (opts.integerIds) {
      checkId(f[0], file, lineNo, "user");
      checkId(f[1], file, lineNo, "item");
    }
    const hasRating = f.length >= 3;
    if (this.withRating === null) this.withRating = hasRating;
    else if (this.withRating !== hasRating) throw new DataError(`expected ${this.withRating ? "3 or more" : "2"} fields like the lines above, found ${f.length}`, file, lineNo);
    if (hasRating) {
      const r = Number(f[2]);
      if (!Number.isFinite(r)) throw new DataError(`rating "${clip(f[2])}" is not a finite number`, file, lineNo, "rating");
      this.ratings.push(r);
    }
    this.users.push(f[0]);
    this.items.push(f[1]);
    this.lines.push(lineNo);
  }
}

export function parseInteractions(text: string, file: string, opts: ParseOptions = {}): Interactions {
  const p = new InteractionParser(file, opts);
  p.push(text);
  return p.end();
}

/** A first line naming its columns: a non-numeric rating field, or a user or item column called so. */
function looksLikeHeader(f: string[]): boolean {
  return (f.length >= 3 && !Number.isFinite(Number(f[2]))) || USER_COLUMN.test(f[0]) || ITEM_COLUMN.test(f[1]);
}
const USER_COLUMN = /^(users?|user_?id|uid|u|customer_?id|visitor_?id|member_?id)$/i;
const ITEM_COLUMN = /^((item|movie|product|book|article|song|track)s?(_?id)?|iid|i|sku)$/i;

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
