export * from './types';
export * from './errors';
export * from './quietHours';
export { deliver, backoffDelay, type DeliveryDeps } from './pipeline';
