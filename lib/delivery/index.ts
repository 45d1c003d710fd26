export * from './types';
export * from './errors';
export * from './quietHours';
export { deliver, backoffDelay, DeliveryError, type DeliveryDeps } from './pipeline';
