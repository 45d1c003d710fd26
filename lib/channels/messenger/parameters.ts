import type { INodeProperties } from 'n8n-workflow';

import type { ChannelNodeParameters } from '../types';

/** Message Kind: what the customer gets in Messenger. */
export const MESSAGE_KIND: INodeProperties = {
	displayName: 'Message Kind',
	name: 'messageKind',
	type: 'options',
	noDataExpression: true,
	default: 'carousel',
	options: [
		{
			name: 'Cart Carousel',
			value: 'carousel',
			description: 'One card per item in the cart (up to 10), each with a button back to the cart and, when there is a discount code, a button that asks for it; then the products Cart Check recommends, while there is room',
		},
		{ name: 'Button Template', value: 'buttons', description: 'The message text with a button back to the cart and a button that asks for the code' },
		{ name: 'Quick Replies', value: 'quickReplies', description: 'The message text with tappable answers under it: the code, not now, unsubscribe' },
		{ name: 'Text', value: 'text', description: 'The message text only, the link in it' },
	],
};

/** Messenger Send's own parameters (the text fields come from copy.ts), placed by sendNodeProperties among the shared ones. */
export function messengerNodeParameters(): Omit<ChannelNodeParameters, 'copy'> {
	return {
		discount: { codeDescription: 'Empty = no code line and no code button. Usually the Discount Code node’s output.', validUntil: false },
		properties: [
			{
				displayName:
					'Messenger allows a promotional message only within 24 hours of the customer’s last message to your page. Outside that window nothing is sent: the item goes to <b>Skipped</b> with the reason “window closed”, so the workflow can try another channel. Carts need the customer’s Messenger ID, which your page learns when they write to it.',
				name: 'windowNotice',
				type: 'notice',
				default: '',
			},
		],
		options: [
			{
				displayName: 'Link URL',
				name: 'restoreUrl',
				type: 'string',
				default: '',
				description: 'Where the cart buttons and the link lead (e.g. a tracked link); empty = the cart’s restore URL',
			},
			{ displayName: 'Shop Name', name: 'shopName', type: 'string', default: '', description: 'Your shop’s name, for a message text of your own that names the shop; the shipped text does not' },
			{
				displayName: 'Square Product Images',
				name: 'squareImages',
				type: 'boolean',
				default: false,
				description: 'Whether the carousel shows product images square instead of wide (1.91:1)',
			},
		],
	};
}
