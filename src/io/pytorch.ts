// Weights under the reference PyTorch release's names and layouts, both ways:
//   AEs.{s}.item2hidden.weight [h, n] = W_encᵀ      AEs.{s}.item2hidden.bias [h] = b_enc
//   AEs.{s}.id2hidden.weight   [U, h] = V           AEs.{s}.decoder.weight   [n, h] = W_dec
//   AEs.{s}.decoder.bias       [n]    = b_dec       w_gate [I, E] = W_g      w_noise [I, E] = W_n
import { CheckpointError } from "../errors.js";
import type { Tensor } from "./safetensors.js";

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

export function toPytorch(params: Record<string, Float32Array>, dims: { users: number; items: number; hidden: number[] }): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  dims.hidden.forEach((h, s) => {
    const n = s === 0 ? dims.items : dims.hidden[s - 1];
    out[`AEs.${s}.item2hidden.weight`] = { dtype: "F32", shape: [h, n], data: transpose(params[`sub.${s}.W_enc`], n, h) };
    out[`AEs.${s}.item2hidden.bias`] = { dtype: "F32", shape: [h], data: params[`sub.${s}.b_enc`] };
    out[`AEs.${s}.id2hidden.weight`] = { dtype: "F32", shape: [dims.users, h], data: params[`sub.${s}.V`] };
    out[`AEs.${s}.decoder.weight`] = { dtype: "F32", shape: [n, h], data: params[`sub.${s}.W_dec`] };
    out[`AEs.${s}.decoder.bias`] = { dtype: "F32", shape: [n], data: params[`sub.${s}.b_dec`] };
  });
  const E = dims.hidden.length;
  out.w_gate = { dtype: "F32", shape: [dims.items, E], data: params["gate.W_g"] };
  out.w_noise = { dtype: "F32", shape: [dims.items, E], data: params["gate.W_n"] };
  return out;
}

/**
 * Parameters from tensors named as the release names them (a `parentAEs_pro` state dict, with
 * the gate's `w_gate`/`w_noise` when present, else a zero gate). The widths are read from the
 * shapes; every shape is checked against the users and items of the data.
 */
export function fromPytorch(tensors: Record<string, Tensor>, users: number, items: number, file = "weights"): { hidden: number[]; params: Record<string, Float32Array> } {
  const strip = (name: string) => name.replace(/^(module\.|expert_selector\.)/, "");
  const t = new Map(Object.entries(tensors).map(([k, v]) => [strip(k), v]));
  const fail = (why: string): never => {
    throw new CheckpointError(`${file}: ${why}`);
  };
  const get = (name: string, shape: number[]) => {
    const x = t.get(name);
    if (!x) fail(`tensor ${name} is missing`);
    if (x!.dtype !== "F32" || x!.shape.join(",") !== shape.join(",")) fail(`tensor ${name} is ${x!.dtype}[${x!.shape}], expected F32[${shape}]`);
    return x!.data as Float32Array;
  };
  const hidden: number[] = [];
  for (let s = 0; t.has(`AEs.${s}.item2hidden.weight`); s++) hidden.push(t.get(`AEs.${s}.item2hidden.weight`)!.shape[0]);
  if (!hidden.length) fail("no AEs.0.item2hidden.weight: not a state dict of the reference model");
  const params: Record<string, Float32Array> = {};
  hidden.forEach((h, s) => {
    const n = s === 0 ? items : hidden[s - 1];
    params[`sub.${s}.W_enc`] = transpose(get(`AEs.${s}.item2hidden.weight`, [h, n]), h, n);
    params[`sub.${s}.b_enc`] = get(`AEs.${s}.item2hidden.bias`, [h]);
    params[`sub.${s}.V`] = get(`AEs.${s}.id2hidden.weight`, [users, h]);
    params[`sub.${s}.W_dec`] = get(`AEs.${s}.decoder.weight`, [n, h]);
    params[`sub.${s}.b_dec`] = get(`AEs.${s}.decoder.bias`, [n]);
  });
  const E = hidden.length;
  params["gate.W_g"] = t.has("w_gate") ? get("w_gate", [items, E]) : new Float32Array(items * E);
  params["gate.W_n"] = t.has("w_noise") ? get("w_noise", [items, E]) : new Float32Array(items * E);
  return { hidden, params };
}
