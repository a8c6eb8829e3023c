/** The bench run whose CPU per order docs/capacity.md and deploy/values-prod.yaml are sized from. */
export const CAPACITY_BASIS = "bench/results/final-3.json";
