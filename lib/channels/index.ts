/**
 * The channel registry: every send channel, one definition each (lib/channels/<name>/index.ts). The shared
 * send-node code takes the definition it is given; addressing (consent, masks, sentences) reads the light half,
 * lib/channels/address.ts. Adding a channel: its folder, a line here, a thin node (see the README, "Adding a channel").
 */
import type { Channel } from '../store/types';
import { emailChannel } from './email';
import { messengerChannel } from './messenger';
import { smsChannel } from './sms';
import type { ChannelDefinition } from './types';
import { whatsappChannel } from './whatsapp';

export type * from './types';
export { CHANNEL_ADDRESSES, channelAddress } from './address';

export const SEND_CHANNELS: Partial<Record<Channel, ChannelDefinition>> = {
	email: emailChannel,
	sms: smsChannel,
	messenger: messengerChannel,
	whatsapp: whatsappChannel as ChannelDefinition,
};

/** The definition of a send channel; throws for one without a folder yet. */
export function channelDefinition(name: Channel): ChannelDefinition {
	const definition = SEND_CHANNELS[name];
	if (!definition) throw new Error(`No send channel "${name}" (channels: ${Object.keys(SEND_CHANNELS).join(', ')})`);
	return definition;
}
