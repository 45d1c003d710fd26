/*
 * Cart recovery "welcome back" chat bubble (served by the Welcome Back Trigger at <base>/chat-bubble.js): POSTs
 * the shop-signed data-visitor text to <base>/welcome-back and, on greet: true, shows the cart, code and picks.
 * It must never break the page: failures stay silent, the answer is data (textContent, http(s) URLs only), and a
 * Shadow DOM keeps the shop's CSS and ours apart. Plain ES2018, no dependencies, no build step.
 */
(() => {
	'use strict';
	const HOST_ID = 'cart-recovery-chat';
	const CLOSED_KEY = 'cart-recovery-chat-closed';
	// "Nothing to say" is remembered for a while: no request on every page view of a visitor with no cart to greet.
	const QUIET_KEY = 'cart-recovery-chat-quiet-until';
	const QUIET_MS = 30 * 60 * 1000;
	const TIMEOUT_MS = 5000;
	// currentScript is null only when we run from a callback; then the last matching tag is ours.
	const script = document.currentScript || [...document.querySelectorAll('script[src*="chat-bubble.js"]')].pop();
	const ds = (script && script.dataset) || {};

	const debug = (message) => console.debug('[cart-recovery-chat] ' + message);
	// sessionStorage throws in some privacy modes and sandboxed iframes: then we just can't remember.
	const session = (write) => {
		try { return write ? window.sessionStorage.setItem(CLOSED_KEY, '1') : window.sessionStorage.getItem(CLOSED_KEY) === '1'; } catch (e) { return false; }
	};
	const quiet = (write) => {
		try {
			if (write) return window.sessionStorage.setItem(QUIET_KEY, String(Date.now() + QUIET_MS));
			return Number(window.sessionStorage.getItem(QUIET_KEY) || 0) > Date.now();
		} catch (e) {
			return false;
		}
	};
	// Text from the answer: strings and finite numbers; anything else (objects, null) shows as nothing.
	const str = (v) => (typeof v === 'string' ? v : typeof v === 'number' && isFinite(v) ? String(v) : '');
	const obj = (v) => (v && typeof v === 'object' ? v : null);
	// Only http(s) URLs become href/src: no javascript:, data:, vbscript: or relative surprises.
	const safeUrl = (v) => {
		try {
			const url = new URL(v);
			return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
		} catch (e) {
			return null;
		}
	};
	const add = (parent, tag, className, text) => {
		const node = parent.appendChild(document.createElement(tag));
		if (className) node.className = className;
		if (text) node.textContent = text;
		return node;
	};
	// A link when the URL is safe, else the same content in a plain element: the text stays, the link goes.
	const linkOr = (parent, tag, url, className) => {
		const href = typeof url === 'string' && safeUrl(url);
		const node = add(parent, href ? 'a' : tag, className);
		if (href) node.href = href;
		return node;
	};
	const image = (parent, src, className) => {
		const url = typeof src === 'string' && safeUrl(src);
		if (!url) return;
		const img = add(parent, 'img', className);
		img.alt = ''; // decorative: the name sits right next to it
		img.referrerPolicy = 'no-referrer';
		img.onerror = () => img.remove();
		img.src = url;
	};

	// !important on :host: a shop's own !important rules for div or #id must not hide or move the host.
	const STYLES = `
:host{all:initial!important;display:block!important;position:fixed!important;z-index:2147483646!important;bottom:16px!important}
:host([data-position=right]){right:16px!important}:host([data-position=left]){left:16px!important}
*{box-sizing:border-box}p{margin:0 0 10px}ul{list-style:none;margin:0;padding:0}a{color:inherit}
.card{--accent:#1f6f5c;--line:rgba(127,127,127,.25);position:relative;width:min(360px,calc(100vw - 32px));max-height:calc(100vh - 32px);
 overflow:auto;padding:16px;border-radius:14px;border:1px solid #e3e6e8;background:#fff;color:#1d2327;
 box-shadow:0 8px 28px rgba(0,0,0,.16);font:15px/1.45 system-ui,sans-serif}
.close{position:absolute;top:8px;right:8px;width:32px;height:32px;border:0;border-radius:50%;background:none;color:inherit;font-size:22px}
.title{display:block;margin-right:32px;font-size:16px}
.line{display:flex;align-items:center;gap:10px;padding:6px 0;border-top:1px solid var(--line)}.name{flex:1;overflow-wrap:anywhere}
.thumb{width:40px;height:40px;object-fit:cover;border-radius:6px}.qty,.more,.code-box span:not(.code){font-size:13px;opacity:.8}
.total{display:flex;justify-content:space-between;padding-top:8px;border-top:1px solid var(--line);font-weight:600}
.code-box{display:flex;align-items:center;gap:8px;margin-bottom:10px;padding:8px 10px;border:1px dashed var(--accent);border-radius:10px}
.code-box div{flex:1;min-width:0}.code-box span{display:block}.code{font:600 16px ui-monospace,monospace;overflow-wrap:anywhere}
button,.primary{font:inherit;font-size:14px;border-radius:8px;cursor:pointer}.copy{padding:6px 10px;border:1px solid var(--accent);background:none;color:inherit}
.primary{display:block;margin-bottom:12px;padding:10px;background:var(--accent);color:#fff;text-align:center;text-decoration:none;font-weight:600}
:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.recs-title{font-weight:600;font-size:14px;margin-bottom:6px}.recs{display:grid;grid-template-columns:1fr 1fr;gap:8px}
.rec{display:flex;gap:8px;align-items:center;padding:6px;border:1px solid var(--line);border-radius:10px;text-decoration:none;font-size:13px;overflow-wrap:anywhere}
.rec img{width:44px;height:44px;flex:none;object-fit:cover;border-radius:6px}.rec-price{display:block;font-weight:600}
@media (max-width:480px){:host{left:8px!important;right:8px!important;bottom:8px!important}.card{width:100%;max-height:80vh}}
@media (prefers-color-scheme:dark){.card{background:#1f2326;color:#e8eaed;border-color:#3a3f44}}`;

	function close() {
		const host = document.getElementById(HOST_ID);
		if (host) host.remove();
		session(true);
	}

	function build(card, answer) {
		const labels = obj(answer.labels) || {};
		const label = (key, fallback) => str(labels[key]) || fallback;
		card.setAttribute('role', 'dialog');
		card.setAttribute('aria-label', label('title', 'Welcome back'));
		if (/^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(str(answer.language))) card.lang = answer.language;
		// A shop's accent only if it is a colour: an invalid custom property would blank the buttons.
		if (ds.accent && window.CSS && CSS.supports('color', ds.accent)) card.style.setProperty('--accent', ds.accent);
		// Nothing here calls focus(): the bubble must not steal it. Escape closes it once the visitor is inside.
		card.addEventListener('keydown', (event) => event.key === 'Escape' && close());

		const closeButton = add(card, 'button', 'close', '\u00d7');
		closeButton.type = 'button';
		closeButton.setAttribute('aria-label', label('close', 'Close'));
		closeButton.addEventListener('click', close);
		add(card, 'strong', 'title', label('title', ''));
		if (str(answer.greeting)) add(card, 'p', 'greeting', str(answer.greeting));

		const cart = obj(answer.cart) || {};
		const items = (Array.isArray(cart.items) ? cart.items : []).filter(obj);
		const list = items.length ? add(card, 'ul', 'cart') : null;
		items.forEach((item) => {
			const line = add(list, 'li', 'line');
			image(line, item.image_url, 'thumb');
			linkOr(line, 'span', item.url, 'name').textContent = str(item.name);
			const qty = str(item.quantity);
			add(line, 'span', 'qty', (qty ? qty + ' \u00d7 ' : '') + str(item.price_text));
		});
		const more = Number(cart.more_items);
		if (more > 0) add(card, 'p', 'more', label('more_items', '+{n}').split('{n}').join(String(more)));
		if (str(cart.total_text)) {
			const total = add(card, 'p', 'total');
			add(total, 'span', '', label('total', '')); // labels.total is optional
			add(total, 'span', 'total-value', str(cart.total_text));
		}

		const discount = obj(answer.discount);
		if (discount && str(discount.code)) {
			const box = add(card, 'div', 'code-box');
			const info = add(box, 'div');
			add(info, 'span', 'code-label', label('code', 'Code') + (str(discount.text) ? ' \u00b7 ' + str(discount.text) : ''));
			const code = add(info, 'span', 'code', str(discount.code));
			if (str(discount.valid_text)) add(info, 'span', 'code-valid', str(discount.valid_text));
			const copy = add(box, 'button', 'copy', label('copy', 'Copy'));
			copy.type = 'button';
			const copied = () => { copy.textContent = label('copied', 'Copied'); };
			// The clipboard API needs a secure context and permission; without it, select the code for Ctrl+C.
			const select = () => {
				try {
					const range = document.createRange();
					range.selectNodeContents(code);
					const selection = window.getSelection();
					selection.removeAllRanges();
					selection.addRange(range);
					if (document.execCommand('copy')) copied();
				} catch (e) { /* the code stays on screen to copy by hand */ }
			};
			copy.addEventListener('click', () => {
				if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(str(discount.code)).then(copied, select);
				else select();
			});
		}

		const restore = typeof cart.restore_url === 'string' && safeUrl(cart.restore_url);
		if (restore) add(card, 'a', 'primary', label('restore', 'Back to my cart')).href = restore;

		const recs = (Array.isArray(answer.recommendations) ? answer.recommendations : []).filter(obj).slice(0, 4);
		if (recs.length) {
			if (label('recommendations', '')) add(card, 'p', 'recs-title', label('recommendations', ''));
			const grid = add(card, 'div', 'recs');
			recs.forEach((rec) => {
				const tile = linkOr(grid, 'div', rec.url, 'rec');
				image(tile, rec.image_url);
				const text = add(tile, 'span');
				add(text, 'span', 'rec-title', str(rec.title));
				add(text, 'span', 'rec-price', str(rec.price_text));
			});
		}
	}

	// Public: shows an answer with greet: true in place of any bubble shown; returns the host element or null.
	function render(answer) {
		try {
			if (!obj(answer) || answer.greet !== true) return null;
			const old = document.getElementById(HOST_ID);
			if (old) old.remove();
			const host = document.createElement('div');
			host.id = HOST_ID;
			host.setAttribute('data-position', ds.position === 'left' ? 'left' : 'right');
			const root = host.attachShadow({ mode: 'open' });
			add(root, 'style', '', STYLES);
			build(add(root, 'div', 'card'), answer);
			(document.body || document.documentElement).appendChild(host);
			return host;
		} catch (e) {
			debug('could not render: ' + (e && e.message));
			return null;
		}
	}

	window.CartRecoveryChat = { render, close };

	// data-endpoint, or our own URL with chat-bubble.js replaced by welcome-back (query and hash dropped).
	function endpoint() {
		try {
			if (ds.endpoint) return safeUrl(new URL(ds.endpoint, document.baseURI).href);
			const url = new URL(script.src, document.baseURI);
			if (!/chat-bubble\.js$/.test(url.pathname)) return null;
			url.pathname = url.pathname.replace(/chat-bubble\.js$/, 'welcome-back');
			url.search = url.hash = '';
			return safeUrl(url.href);
		} catch (e) {
			return null;
		}
	}

	function start() {
		// No visitor or no signature: not someone we reminded (or the shop didn't sign). Closed: don't ask again.
		if (!ds.visitor || !ds.signature || session(false) || quiet(false)) return;
		const url = endpoint();
		if (!url || !window.AbortController) return debug('no endpoint');
		const controller = new AbortController();
		const timer = setTimeout(() => controller.abort(), TIMEOUT_MS); // also covers reading the body
		fetch(url, {
			method: 'POST',
			credentials: 'omit',
			headers: { 'Content-Type': 'application/json', 'X-Signature': ds.signature },
			body: ds.visitor, // byte for byte what the shop signed: never parse and re-serialise it
			signal: controller.signal,
		})
			.then((response) => {
				if (!response.ok) throw new Error('HTTP ' + response.status);
				return response.json();
			})
			.then((answer) => {
				clearTimeout(timer);
				if (obj(answer) && answer.greet === false) quiet(true);
				if (!obj(answer) || answer.greet !== true) return;
				// A chat widget (e.g. Chatbuddy) may greet with this itself; its preventDefault() keeps our bubble away.
				if (!document.dispatchEvent(new CustomEvent('cart-recovery:welcome', { detail: answer, cancelable: true }))) return;
				if (document.body) render(answer);
				else document.addEventListener('DOMContentLoaded', () => render(answer));
			})
			.catch((error) => {
				clearTimeout(timer);
				debug('no greeting: ' + (error && error.name === 'AbortError' ? 'timed out' : error && error.message));
			});
	}

	try {
		start();
	} catch (e) {
		debug('failed: ' + (e && e.message));
	}
})();
