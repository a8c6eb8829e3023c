/**
 * The bench runs docs/capacity.md and deploy/values-prod.yaml are sized from: three fixed-rate runs
 * at 1,000/s on a quiet machine; the model takes each process's median over them.
 */
export const CAPACITY_BASIS: readonly string[] = [
  "bench/results/after15-1000-1.json",
  "bench/results/after15-1000-2.json",
  "bench/results/after15-1000-3.json",
];
