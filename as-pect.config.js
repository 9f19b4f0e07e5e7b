// as-pect runs the kernel specs in assembly/__tests__; `npm test` runs them once per build
// flavour (as-pect.simd.asconfig.json and as-pect.scalar.asconfig.json).
export default {
  entries: ["assembly/__tests__/**/*.spec.ts"],
  include: [],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
