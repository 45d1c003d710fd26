export * from './address';
export * from './keywords';
export * from './unsubscribe';
