// Shared by the specs: StaticArrays as raw pointers for the pointer-only kernels.
export function f32s(values: f32[]): StaticArray<f32> {
  return StaticArray.fromArray<f32>(values);
}
export function i32s(values: i32[]): StaticArray<i32> {
  return StaticArray.fromArray<i32>(values);
}
export function at<T>(a: StaticArray<T>): usize {
  return changetype<usize>(a);
}
