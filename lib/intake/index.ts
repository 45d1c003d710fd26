export * from './types';
export { IntakeError } from './errors';
export { bodyFingerprint, headerValue, hmacDigest, safeEqual, verifyHmac, verifySharedSecret } from './signature';
export { cartItem, mapBody, parseJson, receiveDelivery, verifySender, SIGNATURE_HEADERS, type IntakeConfig, type IntakeOutcome, type SenderSecrets } from './intake';
export { CredentialCache, credentialSlotKey } from './credentialCache';
