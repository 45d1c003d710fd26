import type { Channel } from '../store';
import type { PermanentFailureHook, ProviderErrorRule } from './types';

/**
 * The adapter's permanent-failure hook from a channel's error rules, matched by the provider's code (never its
 * text): `withdraw` records the withdrawal of this channel's consent for the address (GDPR: an objection is
 * absolute) and skips; `skip` only skips. No rule: the message stays failed with the provider's error.
 */
export function permanentFailureHook(channel: Channel, rules: readonly ProviderErrorRule[] = []): PermanentFailureHook {
	return async (error, { store, address }) => {
		const rule = error.code === undefined ? undefined : rules.find((r) => String(r.code) === String(error.code));
		if (!rule) return undefined;
		if (rule.action === 'withdraw') {
			await store.withdrawConsent({ channel, address, source: rule.source ?? `${error.provider.toLowerCase()}_${error.code}`, detail: error.summary() });
		}
		return { skipReason: rule.skip };
	};
}
