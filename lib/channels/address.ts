/**
 * The light half of the channel registry: how each channel the store knows is addressed. The store and consent
 * (lib/consent/address.ts) read it; it loads no provider SDK, no n8n code, no templates — the full definitions
 * (lib/channels/index.ts) do.
 */
import type { Channel, ConsentSubject } from '../store/types';
import { emailAddress } from './email/address';
import { messengerAddress } from './messenger/address';
import { smsAddress } from './sms/address';
import { whatsappAddress } from './whatsapp/address';
import type { ChannelAddress } from './types';

export const CHANNEL_ADDRESSES: Record<Channel, ChannelAddress> = {
	email: emailAddress,
	sms: smsAddress,
	whatsapp: whatsappAddress,
	messenger: messengerAddress,
};

/** A channel's addressing; throws for a name the store does not know. */
export function channelAddress(channel: Channel): ChannelAddress {
	const address = CHANNEL_ADDRESSES[channel];
	if (!address) throw new Error(`Unknown channel "${channel}"`);
	return address;
}

/** The raw address a consent subject has on a channel (its field, else its fallback field). */
export function subjectValue(subject: ConsentSubject, address: ChannelAddress): string | null | undefined {
	return subject[address.subject.field] || (address.subject.fallback ? subject[address.subject.fallback] : undefined);
}

/** The generic mask, for addresses a channel's own mask cannot read: `***4321`. */
export function genericMask(value: string): string {
	return value.length > 6 ? `***${value.slice(-4)}` : '***';
}
