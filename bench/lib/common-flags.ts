/**
 * Flags several workloads share, defined once.
 */
export const REGISTER_CONCURRENCY_FLAG = {
  default: 8,
  min: 1,
  max: 256,
  help: "parallel registrations during setup",
};

export const WARMUP_FLAG = {
  default: 5,
  min: 0,
  max: 10_000,
  help: "messages per sender sent before measuring (not counted)",
};
