/** Entry point of the kernel module: every export of the kernel files. */
export * from './memory';
export * from './elementwise';
export * from './reduce';
export * from './matmul';
export * from './newton-schulz';
export * from './factorizations';
export * from './axis';
export * from './ot';
export * from './fused';
export * from './bandwidth';
export * from './order';
