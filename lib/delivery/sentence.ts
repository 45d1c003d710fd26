import { DateTime } from 'luxon';

import { CHANNEL_ADDRESSES } from '../channels/address';
import { channelName } from '../n8n/outcome';
import type { DeliveryResult, SkipReason } from './types';

/** Why a message was skipped, given the channel's name ("SMS") and its address's ("phone number"). */
const SKIPPED: Record<SkipReason, (channel: string, address: string) => string> = {
	cart_not_found: () => 'the cart is no longer on file',
	purchased: () => 'the customer already bought',
	cart_closed: () => 'recovery was closed for this cart',
	no_address: (_, address) => `no ${address}`,
	invalid_address: (_, address) => `the ${address} is not valid`,
	no_consent: (ch) => `no ${ch} consent`,
	withdrawn: (ch) => `the customer unsubscribed from ${ch}`,
	suppressed: () => 'the customer’s data was erased',
	already_sent: () => 'this message was already sent',
	in_progress: () => 'another run is sending this message right now',
	outcome_unknown: () => 'an earlier send of this message stopped midway and may have arrived, so it is not sent again',
	previously_failed: () => 'this message failed earlier and is not sent again',
	frequency_cap: (ch) => `the customer already got the most ${ch} messages allowed in the period`,
	opted_out: (ch) => `the customer opted out of ${ch}`,
	window_closed: (ch) => `the customer has not written on ${ch} in the last 24 hours`,
	not_deliverable: (ch) => `${ch} does not deliver this message to the customer’s number`,
	holdout: () => 'the cart is in the holdout group of the split test',
};

/** A message the customer has or may have from another run: it leaves on Sent, so its sentence does not say "Not sent". */
const AGAIN = {
	already_sent: (what: string) => `Already sent: ${what} went out in an earlier run, not sent again`,
	in_progress: (what: string) => `Not sent again: another run is sending ${what} right now`,
	outcome_unknown: (what: string) => `Not sent again: an earlier send of ${what} stopped midway and may have arrived`,
} as const;

const DEFERRED = { quiet_hours: 'quiet hours', frequency_cap: 'frequency cap', provider_unavailable: 'the provider is busy' } as const;

/** One sentence a marketer reads in the executions list: "Sent email stage 1", "Not sent: no SMS consent (SMS stage 2)". */
export function deliverySentence(result: DeliveryResult, timezone = 'Europe/Budapest'): string {
	const ch = channelName(result.channel);
	const what = `${ch} stage ${result.stage}`;
	switch (result.outcome) {
		case 'sent':
			return `Sent ${what}`;
		case 'skipped':
			if (result.reason in AGAIN) return AGAIN[result.reason as keyof typeof AGAIN](what);
			return `Not sent: ${(SKIPPED[result.reason] ?? (() => result.reason))(ch, CHANNEL_ADDRESSES[result.channel]?.noun ?? `${ch} address`)} (${what})`;
		case 'deferred': {
			const at = DateTime.fromISO(result.sendAt).setZone(timezone);
			const when = at.isValid ? at.setLocale('en-GB').toFormat('d LLL HH:mm') : result.sendAt;
			return `Waiting until ${when} (${DEFERRED[result.reason] ?? result.reason}) to send ${what}`;
		}
		case 'failed':
			return result.reason === 'outcome_unknown'
				? `Failed: ${what} — the provider may or may not have taken it, so it is not sent again`
				: `Failed: ${what} — the provider refused it`;
	}
}
