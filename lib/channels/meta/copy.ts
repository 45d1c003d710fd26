import type { Language, StageKind } from '../../templates/copy';

/**
 * Sentences both Meta channels share, in Hungarian and English, per stage kind (first reminder, second
 * reminder, final offer). Chat messages are short and personal: a greeting, one line about the cart, the
 * code on its own line. Each channel's copy.ts builds its message kinds from these.
 */
export interface ChatCopyData {
	firstName?: string;
	shopName?: string;
	/** The cart total as shown to the customer, e.g. "24 990 Ft". */
	totalText?: string;
	/** The discount as shown, e.g. "10%" or "2 000 Ft". */
	discountText?: string;
	code?: string;
	restoreUrl?: string;
}

const greet: Record<Language, (name?: string) => string> = {
	hu: (name) => (name ? `Szia, ${name}!` : 'Szia!'),
	en: (name) => (name ? `Hi ${name}!` : 'Hi!'),
};

const cartLine: Record<Language, Record<StageKind, (total?: string) => string>> = {
	hu: {
		first: (t) => `Elmentettük a kosaradat${t ? ` (${t})` : ''}, ott folytathatod, ahol abbahagytad.`,
		second: (t) => `Még mindig félretesszük neked a kosaradat${t ? ` (${t})` : ''}.`,
		final: (t) => `Utoljára írunk a kosaradról${t ? ` (${t})` : ''}, többet nem zavarunk vele.`,
	},
	en: {
		first: (t) => `We've saved your cart${t ? ` (${t})` : ''} so you can pick up where you left off.`,
		second: (t) => `Your cart${t ? ` (${t})` : ''} is still waiting for you.`,
		final: (t) => `This is our last message about your cart${t ? ` (${t})` : ''}; we won't write about it again.`,
	},
};

const codeLine: Record<Language, (code: string, discount?: string) => string> = {
	hu: (code, discount) => (discount ? `${discount} kedvezményt kapsz ezzel a kóddal: ${code}` : `Kedvezményt kapsz ezzel a kóddal: ${code}`),
	en: (code, discount) => (discount ? `Get ${discount} off with this code: ${code}` : `Your discount code: ${code}`),
};

/** The message body: greeting, the cart line, and the code line when there is a code. */
export function chatBody(language: Language, stage: StageKind, data: ChatCopyData, options: { withCode?: boolean; withLink?: boolean } = {}): string {
	const lines = [`${greet[language](data.firstName)} ${cartLine[language][stage](data.totalText)}`];
	if (data.code && options.withCode !== false) lines.push(codeLine[language](data.code, data.discountText));
	if (data.restoreUrl && options.withLink) lines.push(language === 'hu' ? `Itt folytathatod: ${data.restoreUrl}` : `Pick up where you left off: ${data.restoreUrl}`);
	return lines.join('\n');
}

/** Button and list labels, each within WhatsApp's 20 and Messenger's 20 characters. */
export const CHAT_LABELS: Record<Language, { openCart: string; sendCode: string; later: string; stop: string; listButton: string; listSection: string }> = {
	hu: { openCart: 'Vissza a kosárhoz', sendCode: 'Kérem a kódot', later: 'Majd később', stop: 'Leiratkozom', listButton: 'Kosár tartalma', listSection: 'A kosaradban' },
	en: { openCart: 'Back to my cart', sendCode: 'Send me the code', later: 'Maybe later', stop: 'Unsubscribe', listButton: 'See my cart', listSection: 'In your cart' },
};
