export * from './types';
export { IntakeError } from './errors';
export { findUnstorableText, jsonContentTypeProblem, type UnstorableText } from './body';
export {
	bodyFingerprint,
	checkWebshopSignature,
	DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
	headerValue,
	hmacDigest,
	safeEqual,
	signatureTolerance,
	signWebshopRequest,
	verifyHmac,
	verifySharedSecret,
	webhookSigningPath,
	WEBSHOP_SIGNATURE_HEADER,
} from './signature';
export { cartItem, mapBody, parseJson, receiveDelivery, verifySender, SIGNATURE_HEADERS, type IntakeConfig, type IntakeOutcome, type SenderSecrets } from './intake';
export { CredentialCache, credentialSlotKey } from './credentialCache';
