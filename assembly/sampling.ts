// Corruption and negative sampling for stage 0. Training rows are CSR (rowptr: i32[U+1],
// items: i32, each row sorted and free of duplicates); users: i32[B] picks the batch rows.
import { uniformF32, uniformInt } from "./rng";

// Mask-out corruption: keeps each interaction of each batch row with probability 1 − q (kept
// values are not rescaled). Writes the batch CSR (outptr: i32[B+1]); returns its nnz.
// q = 0 copies the rows without drawing from the stream.
export function corrupt_mask_out(outptr: usize, outcols: usize, rowptr: usize, items: usize, users: usize, B: i32, q: f32, state: usize): i32 {
  let pos = 0;
  for (let b = 0; b < B; b++) {
    store<i32>(outptr + (<usize>b << 2), pos);
    const u = <usize>load<i32>(users + (<usize>b << 2));
    const start = load<i32>(rowptr + (u << 2)), end = load<i32>(rowptr + ((u + 1) << 2));
    if (!(q > 0)) {
      memory.copy(outcols + (<usize>pos << 2), items + (<usize>start << 2), <usize>(end - start) << 2);
      pos += end - start;
      continue;
    }
    for (let j = start; j < end; j++) {
      if (uniformF32(state) < q) continue;
      store<i32>(outcols + (<usize>pos << 2), load<i32>(items + (<usize>j << 2)));
      pos++;
    }
  }
  store<i32>(outptr + (<usize>B << 2), pos);
  return pos;
}

// The stage-0 mask m_u = x_u + onehot(sampled): for each batch row, the user's items (target 1)
// followed by min(n, I − |x_u|) items drawn uniformly without replacement among the items not
// in x_u (target 0). Writes colptr: i32[B+1], cols, targets: f32; returns Σm.
// `seen` is I bytes of zeroed scratch, left zeroed.
export function negative_sample(colptr: usize, cols: usize, targets: usize, rowptr: usize, items: usize, users: usize, B: i32, I: i32, n: i32, state: usize, seen: usize): i32 {
  let pos = 0;
  for (let b = 0; b < B; b++) {
    store<i32>(colptr + (<usize>b << 2), pos);
    const u = <usize>load<i32>(users + (<usize>b << 2));
    const start = load<i32>(rowptr + (u << 2));
    const end = load<i32>(rowptr + ((u + 1) << 2));
    for (let j = start; j < end; j++) {
      const it = load<i32>(items + (<usize>j << 2));
      store<u8>(seen + <usize>it, 1);
      emit(cols, targets, pos++, it, 1);
    }
    const free = I - (end - start);
    const first = pos;
    if (free <= n) {
      for (let it = 0; it < I; it++) if (load<u8>(seen + <usize>it) == 0) emit(cols, targets, pos++, it, 0);
    } else if (2 * n <= free) {
      // Rejection: at most half the candidates are taken, so a draw is accepted with p ≥ ½.
      for (let c = 0; c < n; ) {
        const it = uniformInt(state, I);
        if (load<u8>(seen + <usize>it) != 0) continue;
        store<u8>(seen + <usize>it, 1);
        emit(cols, targets, pos++, it, 0);
        c++;
      }
    } else {
      // Selection sampling (Knuth's Algorithm S): one pass, each unseen item taken with
      // probability needed/remaining.
      let needed = n, remaining = free;
      for (let it = 0; it < I && needed > 0; it++) {
        if (load<u8>(seen + <usize>it) != 0) continue;
        if (uniformInt(state, remaining) < needed) {
          emit(cols, targets, pos++, it, 0);
          needed--;
        }
        remaining--;
      }
    }
    for (let j = start; j < end; j++) store<u8>(seen + <usize>load<i32>(items + (<usize>j << 2)), 0);
    for (let j = first; j < pos; j++) store<u8>(seen + <usize>load<i32>(cols + (<usize>j << 2)), 0);
  }
  store<i32>(colptr + (<usize>B << 2), pos);
  return pos;
}

@inline
function emit(cols: usize, targets: usize, pos: i32, item: i32, target: f32): void {
  store<i32>(cols + (<usize>pos << 2), item);
  store<f32>(targets + (<usize>pos << 2), target);
}
