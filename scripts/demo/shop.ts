// The sample shop's page with the chat bubble on it, as a shop's server would render it for a visitor it knows (logged
// in, or whose session holds the cart — never an id taken from the URL unchecked): the script tag pointing at the
// Welcome Back Trigger's chat-bubble.js, the visitor's ids as JSON and their signature (X-Signature scheme of the
// Webshop credential, for the welcome-back URL's path). The demo serves it from the outbox (/shop?as=<shopper>, a
// logged-in sample shopper); the welcome-back server test loads it in Chromium.
import { randomBytes } from 'node:crypto';

import { signWebshopRequest } from '../../lib/intake';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface ShopPageInput {
	shopName: string;
	/** The Welcome Back Trigger's chat-bubble.js URL (its Production URL). */
	scriptUrl: string;
	/** Who the visitor is, as the shop knows them; a nonce is added so each page view is signed anew. */
	visitor: { cart_id?: string; customer_id?: string; email?: string } | null;
	/** The Webshop credential's Webhook Secret. */
	secret: string;
	/** Unix seconds to sign with (default: now). */
	timestamp?: number;
}

/** The visitor's JSON and its signature for the welcome-back URL next to the script (what a shop's server computes). */
export function signedVisitor(scriptUrl: string, visitor: object, secret: string, timestamp?: number): { body: string; signature: string } {
	const body = JSON.stringify({ ...visitor, nonce: randomBytes(8).toString('hex') });
	const path = new URL(scriptUrl.replace(/chat-bubble\.js(\?.*)?$/, 'welcome-back')).pathname;
	return { body, signature: signWebshopRequest({ secret, path, body, timestamp }) };
}

export function shopPage(input: ShopPageInput): string {
	const signed = input.visitor ? signedVisitor(input.scriptUrl, input.visitor, input.secret, input.timestamp) : null;
	const script = signed
		? `<script async src="${escapeHtml(input.scriptUrl)}" data-visitor="${escapeHtml(signed.body)}" data-signature="${escapeHtml(signed.signature)}"></script>`
		: `<script async src="${escapeHtml(input.scriptUrl)}"></script>`;
	return `<!doctype html>
<html lang="hu">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.shopName)}</title>
<style>
body { margin: 0; font-family: Georgia, serif; background: #faf6f0; color: #3b2a1a; }
header { padding: 20px 32px; background: #3b2a1a; color: #faf6f0; font-size: 24px; }
main { padding: 32px; display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 20px; max-width: 900px; }
.tile { background: #fff; border-radius: 12px; padding: 16px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.tile div { height: 110px; border-radius: 8px; background: #e9d8c4; margin-bottom: 10px; }
</style>
</head>
<body>
<header>${escapeHtml(input.shopName)}</header>
<main>
<div class="tile"><div></div>Etióp Yirgacheffe, 250 g<br>4 990 Ft</div>
<div class="tile"><div></div>Kolumbiai Huila, 250 g<br>4 490 Ft</div>
<div class="tile"><div></div>Kézműves kerámia bögre<br>6 495 Ft</div>
<div class="tile"><div></div>Kézi kávédaráló<br>18 990 Ft</div>
</main>
${script}
</body>
</html>`;
}
