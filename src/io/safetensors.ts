// safetensors: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
// shape and [begin, end) byte range in the data section, then the data. The reader checks every
// field against the file size before touching any tensor data.
import { CheckpointError } from "../errors.js";

export type DType = "F32" | "I32";
export interface Tensor {
  dtype: DType;
  shape: number[];
  data: Float32Array | Int32Array;
}

const BYTES: Record<DType, number> = { F32: 4, I32: 4 };
const MAX_HEADER = 100 << 20;

export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array<ArrayBuffer> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const names = Object.keys(tensors);
  for (const name of names) {
    const t = tensors[name];
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`tensor ${name}: shape ${t.shape} holds ${n} values, data has ${t.data.length}`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((json.length + 8) % 8)) % 8); // align the data section to 8 bytes
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const name of names) {
    const d = tensors[name].data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, file = "checkpoint"): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const fail = (why: string): never => {
    throw new CheckpointError(`${file}: ${why}`);
  };
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, a safetensors file has at least 8`);
  const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLen > MAX_HEADER || 8 + headerLen > bytes.length) fail(`header length ${headerLen} does not fit in the file's ${bytes.length} bytes (truncated or not safetensors)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) fail("header is not a JSON object");
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const tensors: Record<string, Tensor> = {};
  const ranges: [number, number, string][] = [];
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(header)) {
    if (name === "__metadata__") {
      if (typeof v !== "object" || v === null || Object.values(v).some((x) => typeof x !== "string")) fail("__metadata__ must map strings to strings");
      metadata = v as Record<string, string>;
      continue;
    }
    const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof t !== "object" || t === null) fail(`tensor ${name}: entry is not an object`);
    if (t.dtype !== "F32" && t.dtype !== "I32") fail(`tensor ${name}: dtype ${JSON.stringify(t.dtype)} is not supported (F32, I32)`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor ${name}: shape ${JSON.stringify(t.shape)} is not a list of non-negative integers`);
    const off = t.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1])
      fail(`tensor ${name}: data_offsets ${JSON.stringify(off)} is not a [begin, end] pair`);
    const [begin, end] = off as [number, number];
    const dtype = t.dtype as DType;
    const shape = t.shape as number[];
    const count = shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * BYTES[dtype]) fail(`tensor ${name}: ${end - begin} bytes for shape [${shape}] of ${dtype} (expected ${count * BYTES[dtype]})`);
    if (end > dataLen) fail(`tensor ${name}: bytes ${begin}…${end} run past the data section (${dataLen} bytes; truncated?)`);
    ranges.push([begin, end, name]);
    const copy = bytes.slice(dataStart + begin, dataStart + end);
    tensors[name] = { dtype, shape, data: dtype === "F32" ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer) };
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) if (ranges[i][0] < ranges[i - 1][1]) fail(`tensors ${ranges[i - 1][2]} and ${ranges[i][2]} overlap`);
  return { tensors, metadata };
}
