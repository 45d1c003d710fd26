export * from './codes';
export * from './http';
export * from './shopify';
export * from './woocommerce';
export * from './retry';
export * from './client';
