export * from './types';
export { StoreError } from './errors';
export { CartRecoveryStore, type RecordCartEventOptions, type StoreTransport } from './CartRecoveryStore';
export { getStore, closeAllStores, createTransport, testStoreConnection, type StoreCredentials } from './connect';
export { latestSchemaVersion, loadMigrations } from './migrations';
export { PostgresTransport } from './transports/PostgresTransport';
export { EmbeddedTransport } from './transports/EmbeddedTransport';
export { allowedFileFolders, credentialStoreFolder, embeddedStoreRoot, resolveEmbeddedDataDir } from './embeddedFolder';
export { SupabaseTransport } from './transports/SupabaseTransport';
