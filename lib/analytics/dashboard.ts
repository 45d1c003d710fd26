/**
 * The analytics dashboard (issue 15): the store's report data in, one self-contained HTML page out, for a
 * marketer's browser. Pure: no I/O, no clock, no randomness, so the same data always renders the same page.
 *
 * Choices that are not obvious from the code:
 *   - Everything interpolated goes through the `html` tag, which escapes by default: customer names, cart ids,
 *     queries, skip reasons and experiment names come from shops and shoppers, and a page that trusted them would
 *     run their scripts with the dashboard's signed links at hand.
 *   - The page needs no network and no JavaScript: inline <style>, inline SVG, a data: favicon (else the browser
 *     asks the workflow for /favicon.ico). The serving workflow can send it with a strict CSP.
 *   - Charts are SVGs without a viewBox: x in percent, y and text in pixels. They stretch to any width and their
 *     labels keep a readable size, where a scaled viewBox would shrink the text to 5 px on a phone.
 *   - Links come from `link`, which the workflow signs; the form's own target is split into hidden inputs,
 *     because a GET form drops the query string of its action.
 */
import type {
	CartSearchResult,
	CartTimeline,
	DailyRow,
	ExperimentResults,
	FunnelRow,
	Proportion,
	Rate,
	Report,
	SegmentRow,
	SkipRow,
	TimelineEntry,
	VariantResult,
} from './types';

type Lang = 'hu' | 'en';

// ---------------------------------------------------------------------------------------------------------
// Copy: every word the page shows, per language. The functions take already formatted numbers.
// ---------------------------------------------------------------------------------------------------------

const COPY_HU = {
	locale: 'hu-HU',
	languageName: 'Magyar',
	languageNav: 'Nyelv',
	title: 'Kosár-visszaszerzés – eredmények',
	campaign: 'Kampány',
	linkProblem: 'A link egy része hibás, ezért azt figyelmen kívül hagytuk; hibás időszak helyett az alapértelmezett időszakot látod. A hiba:',
	filters: {
		label: 'Időszak és keresés',
		from: 'Mettől',
		to: 'Meddig',
		search: 'Keresés',
		searchPlaceholder: 'Kosárazonosító, e-mail, telefonszám vagy név',
		submit: 'Frissítés',
	},
	summary: 'Összesítés',
	kpi: {
		revenue: 'Visszaszerzett bevétel',
		abandonedValue: (money: string) => `Elhagyott kosarak értéke: ${money}`,
		recovered: 'Visszaszerzett kosarak',
		recoveryRate: (rate: string) => `${rate} visszaszerzési arány`,
		ofAbandoned: (fraction: string) => `${fraction} elhagyott kosár`,
		conversion: 'Konverziós arány',
		converted: (fraction: string) => `${fraction} elhagyott kosárból lett rendelés`,
		returned: 'Visszatérési arány',
		cameBack: (fraction: string) => `${fraction} elhagyott kosárhoz visszatért a vásárló`,
		messages: 'Elküldött üzenetek',
		delivered: (rate: string, fraction: string) => `${rate} kézbesítve (${fraction})`,
		revenuePerMessage: 'Bevétel üzenetenként',
		perMessage: (money: string, count: string) => `${money} / ${count} üzenet`,
		discountCost: 'Kedvezmények költsége',
		redeemed: (fraction: string) => `${fraction} kiadott kuponkód beváltva`,
		abandoned: 'Elhagyott kosarak',
		abandonedShare: (rate: string) => `${rate} a sorozatba került kosarakból`,
		ofEnrolled: (fraction: string) => `${fraction} sorozatba került kosár`,
		otherCurrency: (count: string) => `${count} kosár más pénznemben volt, ezért egyik összegben sem szerepel.`,
	},
	daily: {
		revenueTitle: 'Visszaszerzett bevétel naponta',
		revenueTotal: (money: string, carts: string) => `Összesen ${money}, ${carts} visszaszerzett kosár`,
		cartsTitle: 'Sorozatba került és visszaszerzett kosarak naponta',
		enrolled: 'Sorozatba került',
		recovered: 'Visszaszerzett',
		sent: 'Elküldött üzenet',
		day: 'Nap',
		noDays: 'Ebben az időszakban még nincs adat.',
		noRevenue: 'Ebben az időszakban még nincs visszaszerzett bevétel.',
		noCarts: 'Ebben az időszakban még nem került kosár a sorozatba.',
		table: 'Napi adatok táblázatban',
	},
	funnel: {
		title: 'Tölcsér: az elhagyott kosártól a vásárlásig',
		carts: 'kosarak',
		messages: 'üzenetek',
		abandoned: 'Elhagyott kosarak',
		sent: 'Elküldött üzenetek',
		delivered: 'Kézbesítve',
		opened: 'Megnyitva',
		clicked: 'Kattintás',
		returned: 'Visszatért vásárlók',
		recovered: 'Visszaszerzett kosarak',
		ofEnrolled: 'a sorozatba került kosarakból',
		perCart: (count: string) => `${count} üzenet kosaranként`,
		ofSent: 'az elküldöttekből',
		ofContacted: 'az elhagyott kosarakból',
		ofAbandoned: 'az elhagyott kosarakból',
		machineOpens: (count: string) =>
			`Az automatikus megnyitásokat (${count} db, például az Apple Mail adatvédelmi funkciója miatt) nem számoljuk megnyitásnak.`,
		problems: (bounced: string, failed: string, optedOut: string) =>
			`Visszapattant: ${bounced} · sikertelen: ${failed} · leiratkozott: ${optedOut}`,
		byStage: 'Lépésenként és csatornánként',
		stage: 'Lépés',
		channel: 'Csatorna',
		sentColumn: 'Elküldve',
		deliveredColumn: 'Kézbesítve',
		openedColumn: 'Megnyitva',
		clickedColumn: 'Kattintás',
		bounced: 'Visszapattant',
		optedOut: 'Leiratkozott',
		recoveredColumn: 'Visszaszerzett',
		revenue: 'Bevétel',
		aiCopy: 'AI-szöveggel',
		aiCopyHint: 'Az AI Offer Writer szövegével kiment üzenetek',
		total: 'Összesen',
		noMessages: 'Ebben az időszakban még nem ment ki üzenet.',
		noCarts: 'Ebben az időszakban még nem volt elhagyott kosár, és nem ment ki üzenet.',
	},
	segments: {
		title: 'Eredmények vásárlói csoportonként',
		intro: 'Itt látod, melyik vásárlói csoportnál éri meg kedvezményt adni, és hol csak pénzbe kerül: a visszaszerzett bevételt a beváltott kuponkódok kedvezményével csökkentve. Minden kosár abban a csoportban szerepel, amelybe a vásárlója a sorozat indulásakor tartozott.',
		segment: 'Csoport',
		carts: 'Kosarak',
		recovered: 'Visszaszerzett',
		revenue: 'Bevétel',
		cost: 'Kedvezmény',
		net: 'Bevétel a kedvezmény levonása után',
		lift: 'Különbség a kontrollcsoporthoz képest',
		noHoldout: 'nincs kontrollcsoport',
		names: {
			new: 'Új vásárlók',
			returning: 'Visszatérő vásárlók',
			loyal: 'Törzsvásárlók',
			lapsed: 'Alvó vásárlók',
			'discount-seeker': 'Kedvezményvadászok',
			unknown: 'Csoport nélkül (a csoportosítás előtti kosarak)',
		} as Record<string, string>,
	},
	experiments: {
		title: 'Kísérletek',
		none: 'Ebben az időszakban nem futott kísérlet.',
		noResults: 'Ehhez a kísérlethez még nincs eredmény.',
		noCarts: 'Ebben a kísérletben még nincs kosár.',
		variant: 'Változat',
		carts: 'Kosarak',
		conversion: 'Konverzió',
		interval: '95%-os intervallum',
		revenuePerCart: 'Bevétel / kosár',
		lift: 'Különbség a kontrollcsoporthoz képest',
		incrementalRevenue: 'Többletbevétel',
		holdout: 'kontrollcsoport',
		holdoutNote: 'nem kap üzenetet',
		baseline: 'viszonyítási alap',
		winner: 'nyertes',
		significant: 'szignifikáns',
		notSignificant: 'nem szignifikáns',
		within: (range: string) => `95%: ${range}`,
		points: (value: string) => `${value}%-pont`,
		purchases: (value: string) => `${value} vásárlás`,
		pointRange: (low: string, high: string, bothPositive: boolean) =>
			bothPositive ? `${low}–${high} százalékpont` : `${low} és ${high} százalékpont között`,
		winnerSubject: (name: string) => `A nyertes változat („${name}”)`,
		bestSubject: (name: string) => `A legjobb változat („${name}”)`,
		comparison: (subject: string, points: string, more: boolean, range: string, significant: boolean) =>
			`${subject} konverziója ${points} százalékponttal ${more ? 'magasabb' : 'alacsonyabb'}, mint a kontrollcsoporté ` +
			`(95%-os intervallum: ${range}) – ${significant ? 'ez szignifikáns különbség.' : 'ez nem szignifikáns, akár a véletlen műve is lehet.'}`,
		noneSignificant: 'Egyik változat sem hozott szignifikánsan több vásárlást, mint a kontrollcsoport.',
		extraRevenue: (money: string, low: string, high: string) => `Becsült többletbevétel: ${money} (95%-os intervallum: ${low} és ${high} között).`,
		noHoldout: (name: string, rate: string) =>
			`Ebben a kísérletben nincs kontrollcsoport, ezért nem mérhető, mennyivel több vásárlást hoznak az üzenetek. A legjobban konvertáló változat: „${name}” (${rate}).`,
		nothingToCompare: 'Még nincs olyan változat, amelyet össze lehetne vetni a kontrollcsoporttal.',
		scale: 'Konverzió 95%-os intervallummal, közös skálán.',
		holdoutBand: 'A szürke sáv a kontrollcsoport 95%-os intervallumát mutatja.',
	},
	skips: {
		title: 'Kimaradt és elhalasztott üzenetek',
		intro: 'Itt látod, miért nem ment ki egy-egy üzenet, vagy miért csak később.',
		reason: 'Ok',
		outcome: 'Mi történt',
		stage: 'Lépés',
		channel: 'Csatorna',
		count: 'Darab',
		skipped: 'nem ment ki',
		deferred: 'később ment ki',
		none: 'Nincs kimaradt vagy elhalasztott üzenet.',
		total: (count: string) => `Összesen ${count} üzenet`,
	},
	search: {
		title: 'Keresés',
		results: (count: string, query: string) => `${count} találat erre: „${query}”`,
		noMatch: (query: string) => `Nincs találat erre: „${query}”.`,
		hint: 'Kereshetsz kosárazonosítóra, e-mail-címre, telefonszámra vagy keresztnévre.',
		customer: 'Vásárló',
		cart: 'Kosár',
		status: 'Állapot',
		value: 'Érték',
		created: 'Létrehozva',
		clear: 'Keresés törlése',
	},
	timeline: {
		title: 'A kosár története',
		back: 'Vissza az összesítéshez',
		customer: 'Vásárló',
		cartId: 'Kosárazonosító',
		status: 'Állapot',
		value: 'Kosár értéke',
		products: 'Termékek',
		created: 'Létrehozva',
		converted: 'Megrendelve',
		orderValue: 'Rendelés értéke',
		recoveredValue: 'Visszaszerzett érték',
		notYet: 'még nem',
		noEntries: 'Ehhez a kosárhoz még nincs esemény.',
		systemNote: 'Rendszerüzenet',
		kinds: {
			cart: 'Kosár létrejött',
			enrolled: 'Bekerült a sorozatba',
			variant: 'Kísérleti változat',
			message: 'Üzenet',
			event: 'Visszajelzés a csatornától',
			skip: 'Kimaradt üzenet',
			postponed: 'Elhalasztott üzenet',
			code: 'Kuponkód',
			redeemed: 'Kuponkód beváltva',
			purchase: 'Vásárlás',
			consent: 'Hozzájárulás',
			returned: 'Visszatért a boltba',
		} as Record<string, string>,
	},
	stage: (stage: string) => `${stage}. lépés`,
	channels: { email: 'E-mail', sms: 'SMS', whatsapp: 'WhatsApp', messenger: 'Messenger' } as Record<string, string>,
	cartStatuses: {
		active: 'aktív',
		recovering: 'visszaszerzés alatt',
		converted: 'megrendelve',
		recovered: 'visszaszerezve',
		closed: 'lezárva',
	} as Record<string, string>,
	statuses: {
		queued: 'sorban áll',
		released: 'küldésre kész',
		unknown: 'bizonytalan, kézi döntésre vár',
		sent: 'elküldve',
		processed: 'feldolgozva',
		deferred: 'elhalasztva',
		delivered: 'kézbesítve',
		opened: 'megnyitva',
		read: 'elolvasva',
		clicked: 'kattintott',
		failed: 'sikertelen',
		bounced: 'visszapattant',
		dropped: 'nem kézbesíthető',
		status: 'állapotváltozás',
		reply: 'válaszolt',
		opt_out: 'leiratkozott',
		opt_in: 'feliratkozott',
		granted: 'hozzájárult',
		withdrawn: 'hozzájárulás visszavonva',
	} as Record<string, string>,
	reasons: {
		no_consent: 'Nincs hozzájárulás ehhez a csatornához',
		withdrawn: 'A vásárló visszavonta a hozzájárulását',
		suppressed: 'A vásárló adatait töröltük',
		quiet_hours: 'Csendes időszak, később ment ki',
		frequency_cap: 'A vásárló elérte az időszakra engedélyezett üzenetszámot',
		window_closed: 'Lejárt a 24 órás válaszablak (WhatsApp, Messenger)',
		not_deliverable: 'A szolgáltató ezt az üzenetet nem kézbesíti ennek a vásárlónak',
		opted_out: 'A vásárló leiratkozott erről a csatornáról',
		already_sent: 'Ez az üzenet már kiment',
		in_progress: 'Épp egy másik folyamat küldi',
		outcome_unknown: 'Nem tudjuk, kiment-e (a küldés félbeszakadt), ezért nem küldjük újra',
		previously_failed: 'Korábban hibára futott, ezért nem küldjük újra',
		no_address: 'Nincs elérhetőség (e-mail-cím vagy telefonszám)',
		invalid_address: 'Érvénytelen e-mail-cím vagy telefonszám',
		purchased: 'A vásárló közben leadta a rendelést',
		cart_closed: 'Ennek a kosárnak a visszaszerzése lezárult',
		cart_not_found: 'A kosár már nem található',
		provider_unavailable: 'A szolgáltató átmenetileg nem volt elérhető',
	} as Record<string, string>,
	footer: {
		generated: (at: string) => `Frissítve: ${at}`,
		timezone: (zone: string) => `Időzóna: ${zone}`,
		attribution: (days: string) => `Visszaszerzettnek számít a kosár, ha a vásárló egy üzenet után ${days} napon belül rendel.`,
		inactivity: (duration: string) => `Elhagyottnak számít a kosár ${duration} tétlenség után.`,
		minutes: (count: string) => `${count} perc`,
		hours: (count: string) => `${count} óra`,
	},
};

type Copy = typeof COPY_HU;

const plural = (count: string, one: string, many: string) => `${count} ${count === '1' ? one : many}`;

const COPY_EN: Copy = {
	locale: 'en-GB',
	languageName: 'English',
	languageNav: 'Language',
	title: 'Cart recovery – results',
	campaign: 'Campaign',
	linkProblem: 'Part of the link is not valid, so it was left out (a wrong period shows the default one). The problem:',
	filters: {
		label: 'Period and search',
		from: 'From',
		to: 'To',
		search: 'Search',
		searchPlaceholder: 'Cart ID, email, phone or name',
		submit: 'Update',
	},
	summary: 'Summary',
	kpi: {
		revenue: 'Recovered revenue',
		abandonedValue: (money) => `Abandoned cart value: ${money}`,
		recovered: 'Recovered carts',
		recoveryRate: (rate) => `${rate} recovery rate`,
		ofAbandoned: (fraction) => `${fraction} abandoned carts`,
		conversion: 'Conversion rate',
		converted: (fraction) => `${fraction} abandoned carts ordered`,
		returned: 'Return rate',
		cameBack: (fraction) => `${fraction} abandoned carts: the shopper came back`,
		messages: 'Messages sent',
		delivered: (rate, fraction) => `${rate} delivered (${fraction})`,
		revenuePerMessage: 'Revenue per message',
		perMessage: (money, count) => `${money} / ${plural(count, 'message', 'messages')}`,
		discountCost: 'Discount cost',
		redeemed: (fraction) => `${fraction} codes issued were redeemed`,
		abandoned: 'Abandoned carts',
		abandonedShare: (rate) => `${rate} of carts in the sequence`,
		ofEnrolled: (fraction) => `${fraction} carts in the sequence`,
		otherCurrency: (count) => `${plural(count, 'cart was', 'carts were')} in another currency and left out of every money figure.`,
	},
	daily: {
		revenueTitle: 'Recovered revenue per day',
		revenueTotal: (money, carts) => `${money} in total from ${plural(carts, 'recovered cart', 'recovered carts')}`,
		cartsTitle: 'Carts entering the sequence and carts recovered per day',
		enrolled: 'Entered the sequence',
		recovered: 'Recovered',
		sent: 'Messages sent',
		day: 'Day',
		noDays: 'No data for this period yet.',
		noRevenue: 'No recovered revenue in this period yet.',
		noCarts: 'No cart entered the sequence in this period yet.',
		table: 'Daily figures as a table',
	},
	funnel: {
		title: 'Funnel: from abandoned cart to purchase',
		carts: 'carts',
		messages: 'messages',
		abandoned: 'Abandoned carts',
		sent: 'Messages sent',
		delivered: 'Delivered',
		opened: 'Opened',
		clicked: 'Clicked',
		returned: 'Shoppers who came back',
		recovered: 'Recovered carts',
		ofEnrolled: 'of carts in the sequence',
		perCart: (count) => `${count} per cart`,
		ofSent: 'of messages sent',
		ofContacted: 'of abandoned carts',
		ofAbandoned: 'of abandoned carts',
		machineOpens: (count) => `Automatic opens (${count}, e.g. by Apple Mail’s privacy protection) are not counted as opens.`,
		problems: (bounced, failed, optedOut) => `Bounced: ${bounced} · failed: ${failed} · opted out: ${optedOut}`,
		byStage: 'By stage and channel',
		stage: 'Stage',
		channel: 'Channel',
		sentColumn: 'Sent',
		deliveredColumn: 'Delivered',
		openedColumn: 'Opened',
		clickedColumn: 'Clicked',
		bounced: 'Bounced',
		optedOut: 'Opted out',
		recoveredColumn: 'Recovered',
		revenue: 'Revenue',
		aiCopy: 'AI copy',
		aiCopyHint: 'Messages sent with the AI Offer Writer’s words',
		total: 'Total',
		noMessages: 'No message was sent in this period yet.',
		noCarts: 'No cart was abandoned and no message was sent in this period yet.',
	},
	segments: {
		title: 'By customer segment',
		intro: 'Where discounts pay and where they only cost: recovered revenue after the codes redeemed, per segment. Each cart counts in the segment its customer was in when its sequence began.',
		segment: 'Segment',
		carts: 'Carts',
		recovered: 'Recovered',
		revenue: 'Revenue',
		cost: 'Discounts',
		net: 'Revenue after discounts',
		lift: 'Difference from the holdout',
		noHoldout: 'no holdout',
		names: {
			new: 'New customers',
			returning: 'Returning customers',
			loyal: 'Loyal customers',
			lapsed: 'Lapsed customers',
			'discount-seeker': 'Discount-seekers',
			unknown: 'No segment (earlier carts)',
		},
	},
	experiments: {
		title: 'Experiments',
		none: 'No experiment ran in this period.',
		noResults: 'No results for this experiment yet.',
		noCarts: 'No carts in this experiment yet.',
		variant: 'Variant',
		carts: 'Carts',
		conversion: 'Conversion',
		interval: '95% interval',
		revenuePerCart: 'Revenue per cart',
		lift: 'Difference from the holdout',
		incrementalRevenue: 'Incremental revenue',
		holdout: 'holdout',
		holdoutNote: 'gets no message',
		baseline: 'baseline',
		winner: 'winner',
		significant: 'significant',
		notSignificant: 'not significant',
		within: (range) => `95%: ${range}`,
		points: (value) => `${value} pp`,
		purchases: (value) => `${value} ${value === '+1' || value === '1' ? 'purchase' : 'purchases'}`,
		pointRange: (low, high, bothPositive) => (bothPositive ? `${low}–${high} points` : `${low} to ${high} points`),
		winnerSubject: (name) => `The winning variant (“${name}”)`,
		bestSubject: (name) => `The best variant (“${name}”)`,
		comparison: (subject, points, more, range, significant) =>
			`${subject} brought ${points} percentage points ${more ? 'more' : 'fewer'} purchases than the holdout group ` +
			`(95% interval: ${range}) – ${significant ? 'a significant difference.' : 'not significant, it may be chance.'}`,
		noneSignificant: 'No variant brought significantly more purchases than the holdout group.',
		extraRevenue: (money, low, high) => `Estimated incremental revenue: ${money} (95% interval: ${low} to ${high}).`,
		noHoldout: (name, rate) =>
			`This experiment has no holdout group, so the messages’ own effect cannot be measured. Best converting variant: “${name}” (${rate}).`,
		nothingToCompare: 'No variant to compare with the holdout group yet.',
		scale: 'Conversion with its 95% interval on a common scale.',
		holdoutBand: 'The grey band is the holdout’s interval.',
	},
	skips: {
		title: 'Skipped and postponed messages',
		intro: 'Why a message did not go out, or went out later.',
		reason: 'Reason',
		outcome: 'Outcome',
		stage: 'Stage',
		channel: 'Channel',
		count: 'Count',
		skipped: 'not sent',
		deferred: 'sent later',
		none: 'No skipped or postponed messages.',
		total: (count) => `${plural(count, 'message', 'messages')} in total`,
	},
	search: {
		title: 'Search',
		results: (count, query) => `${plural(count, 'match', 'matches')} for “${query}”`,
		noMatch: (query) => `No cart matches “${query}”.`,
		hint: 'Search by cart ID, email address, phone number or first name.',
		customer: 'Customer',
		cart: 'Cart',
		status: 'Status',
		value: 'Value',
		created: 'Created',
		clear: 'Clear search',
	},
	timeline: {
		title: 'Cart history',
		back: 'Back to the summary',
		customer: 'Customer',
		cartId: 'Cart ID',
		status: 'Status',
		value: 'Cart value',
		products: 'Products',
		created: 'Created',
		converted: 'Ordered',
		orderValue: 'Order value',
		recoveredValue: 'Recovered value',
		notYet: 'not yet',
		noEntries: 'Nothing has happened to this cart yet.',
		systemNote: 'System note',
		kinds: {
			cart: 'Cart created',
			enrolled: 'Entered the sequence',
			variant: 'Experiment variant',
			message: 'Message',
			event: 'Channel event',
			skip: 'Message skipped',
			postponed: 'Message postponed',
			code: 'Discount code',
			redeemed: 'Code redeemed',
			purchase: 'Purchase',
			consent: 'Consent',
			returned: 'Came back to the shop',
		},
	},
	stage: (stage) => `Stage ${stage}`,
	channels: { email: 'Email', sms: 'SMS', whatsapp: 'WhatsApp', messenger: 'Messenger' },
	cartStatuses: { active: 'active', recovering: 'being recovered', converted: 'ordered', recovered: 'recovered', closed: 'closed' },
	statuses: {
		queued: 'queued',
		released: 'released',
		unknown: 'unknown, for a person to decide',
		sent: 'sent',
		processed: 'processed',
		deferred: 'deferred',
		delivered: 'delivered',
		opened: 'opened',
		read: 'read',
		clicked: 'clicked',
		failed: 'failed',
		bounced: 'bounced',
		dropped: 'dropped',
		status: 'status update',
		reply: 'replied',
		opt_out: 'opted out',
		opt_in: 'opted in',
		granted: 'granted',
		withdrawn: 'withdrawn',
	},
	reasons: {
		no_consent: 'No consent for this channel',
		withdrawn: 'The customer withdrew consent',
		suppressed: 'The customer’s data was erased',
		quiet_hours: 'Quiet hours, sent later',
		frequency_cap: 'The customer got the most messages allowed in the period',
		window_closed: 'The 24-hour reply window had closed (WhatsApp, Messenger)',
		not_deliverable: 'The provider does not deliver this message to this customer',
		opted_out: 'The customer opted out of this channel',
		already_sent: 'This message was already sent',
		in_progress: 'Another run was sending it',
		outcome_unknown: 'Its sending stopped midway and it may have arrived, so it is not sent again',
		previously_failed: 'It failed earlier, so it is not sent again',
		no_address: 'No email address or phone number',
		invalid_address: 'Invalid email address or phone number',
		purchased: 'The customer had already ordered',
		cart_closed: 'Recovery was closed for this cart',
		cart_not_found: 'The cart is no longer on file',
		provider_unavailable: 'The provider was temporarily unavailable',
	},
	footer: {
		generated: (at) => `Updated ${at}`,
		timezone: (zone) => `Time zone: ${zone}`,
		attribution: (days) => `A cart counts as recovered when the customer orders within ${plural(days, 'day', 'days')} after a message.`,
		inactivity: (duration) => `A cart counts as abandoned after ${duration} without activity.`,
		minutes: (count) => plural(count, 'minute', 'minutes'),
		hours: (count) => plural(count, 'hour', 'hours'),
	},
};

const COPY: Record<Lang, Copy> = { hu: COPY_HU, en: COPY_EN };

// ---------------------------------------------------------------------------------------------------------
// The public API
// ---------------------------------------------------------------------------------------------------------

export interface DashboardInput {
	lang: 'hu' | 'en';
	report: Report;
	experiments: ExperimentResults[];
	/** A search was made (?q=…): its matches; with exactly one match or ?cart=…, `timeline` is that cart's. */
	search?: { query: string; result: CartSearchResult } | null;
	timeline?: CartTimeline | null;
	/**
	 * Builds a link to this page with other query parameters (the serving workflow signs it); e.g. link({ lang: 'en' }).
	 * The page passes its whole state every time: lang, from and to (YYYY-MM-DD in the report's timezone, both days
	 * included — the form sends them so too), campaign, q and cart when there are some.
	 */
	link: (params: Record<string, string>) => string;
	/** What was wrong with the link's period (the page then shows the default period): shown on top, as given. */
	notice?: string | null;
}

/** The whole dashboard as one <!doctype html> document. */
export function renderDashboard(input: DashboardInput): string {
	const lang: Lang = input.lang === 'en' ? 'en' : 'hu';
	const copy = COPY[lang];
	const report = input.report;
	const timeZone = knownTimeZone(report.range?.timezone);
	const f = formats(copy.locale, report.range?.currency || 'HUF', timeZone);
	const view: View = { lang, copy, f, report, input };

	const rangeText = `${f.date(report.range?.from)} – ${f.date(report.range?.to, -1)}`;
	const page = html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${copy.title} · ${rangeText}</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<div class="page">
${header(view, rangeText)}
<main>
${input.notice ? html`<p class="alert" role="alert">${copy.linkProblem} <span lang="en">${input.notice}</span></p>` : ''}
${input.search ? searchSection(view, input.search) : ''}
${input.timeline ? timelineSection(view, input.timeline) : ''}
${kpiSection(view)}
${dailySection(view, rangeText)}
${funnelSection(view)}
${segmentsSection(view)}
${experimentsSection(view)}
${skipsSection(view)}
</main>
${footer(view)}
</div>
</body>
</html>
`;
	return page.text;
}

// ---------------------------------------------------------------------------------------------------------
// Escaping: the `html` tag escapes every value unless it is already Html.
// ---------------------------------------------------------------------------------------------------------

class Html {
	constructor(readonly text: string) {}
}

type Fragment = Html | string | number | null | undefined | false | readonly Fragment[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function fragmentText(value: Fragment): string {
	if (value instanceof Html) return value.text;
	if (Array.isArray(value)) return (value as readonly Fragment[]).map(fragmentText).join('');
	if (value === null || value === undefined || value === false) return '';
	// A coordinate that came out NaN must not break the SVG: it is drawn at 0.
	if (typeof value === 'number') return Number.isFinite(value) ? String(Math.round(value * 100) / 100) : '0';
	return escapeHtml(String(value));
}

function html(strings: TemplateStringsArray, ...values: Fragment[]): Html {
	let text = strings[0];
	values.forEach((value, i) => (text += fragmentText(value) + strings[i + 1]));
	return new Html(text);
}

/** Markup written in this file (the style sheet, icons), never data. */
function raw(text: string): Html {
	return new Html(text);
}

// ---------------------------------------------------------------------------------------------------------
// Numbers, money and dates
// ---------------------------------------------------------------------------------------------------------

const DASH = '–';
const MINUS = '−';

/** The SQL answers numbers, but a numeric column can arrive as a string; anything unreadable is no number. */
function numberOf(value: unknown): number | null {
	const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? Number(value) : NaN;
	return Number.isFinite(n) ? n : null;
}

const count0 = (value: unknown) => numberOf(value) ?? 0;

function rateOf(rate: Rate | null | undefined): number | null {
	if (!rate) return null;
	const given = numberOf(rate.rate);
	if (given !== null) return given;
	const of = count0(rate.of);
	return of > 0 ? count0(rate.count) / of : null;
}

function share(part: unknown, whole: unknown): number | null {
	const of = count0(whole);
	return of > 0 ? count0(part) / of : null;
}

function knownTimeZone(zone: string | null | undefined): string {
	try {
		new Intl.DateTimeFormat('en', { timeZone: zone || 'Europe/Budapest' });
		return zone || 'Europe/Budapest';
	} catch {
		return 'Europe/Budapest';
	}
}

type Formats = ReturnType<typeof formats>;

function formats(locale: string, currency: string, timeZone: string) {
	const numberFormats = new Map<number, Intl.NumberFormat>();
	// Hungarian CLDR leaves 4-digit numbers ungrouped ("6495"); the rest of the page groups them ("6 495 Ft").
	const digits = (fractionDigits: number) => {
		let format = numberFormats.get(fractionDigits);
		if (!format) {
			format = new Intl.NumberFormat(locale, { useGrouping: 'always', minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits });
			numberFormats.set(fractionDigits, format);
		}
		return format;
	};
	// Typographic minus, and never "−0,0": a value that rounds to zero has no sign.
	const signed = (text: string) => (/^-0([.,]0+)?$/.test(text) ? text.slice(1) : text.replace(/^-/, MINUS));
	const moneyFormats = new Map<string, Intl.NumberFormat | null>();
	const moneyFormat = (code: string) => {
		if (!moneyFormats.has(code)) {
			let format: Intl.NumberFormat | null = null;
			try {
				// Forints are printed whole, as Hungarian shops do.
				const whole = code === 'HUF' ? { minimumFractionDigits: 0, maximumFractionDigits: 0 } : {};
				format = new Intl.NumberFormat(locale, { style: 'currency', currency: code, useGrouping: 'always', ...whole });
			} catch {
				format = null;
			}
			moneyFormats.set(code, format);
		}
		return moneyFormats.get(code)!;
	};
	const dateFormat = (options: Intl.DateTimeFormatOptions, zone = timeZone) => new Intl.DateTimeFormat(locale, { timeZone: zone, ...options });
	const longDate = dateFormat({ year: 'numeric', month: 'short', day: 'numeric' });
	const dateAndTime = dateFormat({ year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
	const calendarDay = dateFormat({ month: 'short', day: 'numeric' }, 'UTC');
	const calendarDayWithYear = dateFormat({ year: 'numeric', month: 'short', day: 'numeric' }, 'UTC');
	const isoParts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
	const instant = (value: unknown, shiftMs = 0): Date | null => {
		const ms = typeof value === 'string' && value ? Date.parse(value) : NaN;
		return Number.isFinite(ms) ? new Date(ms + shiftMs) : null;
	};
	const dayOf = (ymd: unknown): Date | null => {
		const m = typeof ymd === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd) : null;
		return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
	};

	const self = {
		currency,
		count: (value: unknown) => {
			const n = numberOf(value);
			return n === null ? DASH : signed(digits(0).format(n));
		},
		decimal: (value: unknown, fractionDigits = 1) => {
			const n = numberOf(value);
			return n === null ? DASH : signed(digits(fractionDigits).format(n));
		},
		/** 0.1234 → "12,3%" (hu) / "12.3%" (en). */
		percent: (rate: unknown) => {
			const n = numberOf(rate);
			return n === null ? DASH : `${signed(digits(1).format(n * 100))}%`;
		},
		/** An axis tick: "15%", or "2,5%" when the step needs the decimal. */
		percentTick: (rate: number) => {
			const percent = Math.round(rate * 1000) / 10;
			return `${digits(Number.isInteger(percent) ? 0 : 1).format(percent)}%`;
		},
		/** A rate difference in percentage points, always signed: 0.021 → "+2,1". */
		points: (diff: unknown) => {
			const n = numberOf(diff);
			if (n === null) return DASH;
			const text = signed(digits(1).format(n * 100));
			return /^[−-]/.test(text) || /^0([.,]0)?$/.test(text) ? text : `+${text}`;
		},
		/** Signed count, for incremental purchases: "+4,3". */
		signedDecimal: (value: unknown) => {
			const n = numberOf(value);
			if (n === null) return DASH;
			const text = signed(digits(1).format(n));
			return /^[−-]/.test(text) || /^0([.,]0)?$/.test(text) ? text : `+${text}`;
		},
		money: (amount: unknown, code: string = currency) => {
			const n = numberOf(amount);
			if (n === null) return DASH;
			const format = moneyFormat((code || currency).toUpperCase());
			return format ? signed(format.format(n)) : `${signed(digits(2).format(n))} ${code}`;
		},
		signedMoney: (amount: unknown) => {
			const n = numberOf(amount);
			const text = self.money(n);
			return n !== null && n > 0 && !/^[−-]/.test(text) && /[1-9]/.test(text) ? `+${text}` : text;
		},
		/** An instant as a date in the report's zone; `shiftMs` −1 turns an exclusive end into its last day. */
		date: (value: unknown, shiftMs = 0) => {
			const d = instant(value, shiftMs);
			return d ? longDate.format(d) : DASH;
		},
		dateTime: (value: unknown) => {
			const d = instant(value);
			return d ? dateAndTime.format(d) : DASH;
		},
		/** A YYYY-MM-DD day of the daily series (already in the report's zone). */
		day: (ymd: unknown, withYear = false) => {
			const d = dayOf(ymd);
			return d ? (withYear ? calendarDayWithYear : calendarDay).format(d) : String(ymd ?? DASH);
		},
		/** An instant as the YYYY-MM-DD a date input holds, in the report's zone. */
		inputDate: (value: unknown, shiftMs = 0) => {
			const d = instant(value, shiftMs);
			if (!d) return '';
			const part = (type: string) => isoParts.formatToParts(d).find((p) => p.type === type)?.value ?? '';
			return `${part('year')}-${part('month')}-${part('day')}`;
		},
	};
	return self;
}

/** A scale from 0 with round steps (1, 2, 2.5, 5 × 10ⁿ), so the axis reads 0, 250 000, 500 000…; null for no data. */
function niceScale(max: number, ticks = 4, integer = false): { top: number; step: number } | null {
	if (!(max > 0) || !Number.isFinite(max)) return null;
	const rough = max / ticks;
	const magnitude = 10 ** Math.floor(Math.log10(rough));
	const normal = rough / magnitude;
	let step = (normal <= 1 ? 1 : normal <= 2 ? 2 : normal <= 2.5 ? 2.5 : normal <= 5 ? 5 : 10) * magnitude;
	if (integer) step = Math.max(1, Math.ceil(step));
	return { top: Math.ceil(max / step - 1e-9) * step, step };
}

const clamp01 = (value: number) => (Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0);

// ---------------------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------------------

interface View {
	lang: Lang;
	copy: Copy;
	f: Formats;
	report: Report;
	input: DashboardInput;
}

/** The page's filters as query parameters: what every link carries so that it lands on the same view. */
function filterParams(view: View): Record<string, string> {
	const { report, f, lang } = view;
	const params: Record<string, string> = { lang };
	const from = f.inputDate(report.range?.from);
	const to = f.inputDate(report.range?.to, -1);
	if (from) params.from = from;
	if (to) params.to = to;
	if (report.range?.campaign) params.campaign = report.range.campaign;
	return params;
}

function stateParams(view: View): Record<string, string> {
	const params = filterParams(view);
	if (view.input.search?.query) params.q = view.input.search.query;
	if (view.input.timeline?.cart?.cart_id) params.cart = view.input.timeline.cart.cart_id;
	return params;
}

function header(view: View, rangeText: string): Html {
	const { copy, report, input, lang } = view;
	const state = stateParams(view);
	const languages = (['hu', 'en'] as const).map((l) =>
		l === lang
			? html`<a href="${input.link({ ...state, lang: l })}" lang="${l}" hreflang="${l}" aria-current="true">${COPY[l].languageName}</a>`
			: html`<a href="${input.link({ ...state, lang: l })}" lang="${l}" hreflang="${l}">${COPY[l].languageName}</a>`,
	);
	return html`<header class="top">
<div class="heading">
<h1>${copy.title}</h1>
<p class="range"><span>${rangeText}</span>${report.range?.campaign ? html`<span class="campaign">${copy.campaign}: <strong>${report.range.campaign}</strong></span>` : ''}</p>
</div>
<nav class="languages" aria-label="${copy.languageNav}">${languages}</nav>
</header>
${filterForm(view)}`;
}

function filterForm(view: View): Html {
	const { copy, input } = view;
	const filters = filterParams(view);
	// The signed target without the fields the form sets itself; its query string goes into hidden inputs.
	const target = input.link({ lang: filters.lang, ...(filters.campaign ? { campaign: filters.campaign } : {}) });
	const [withoutHash] = target.split('#');
	const queryAt = withoutHash.indexOf('?');
	const action = queryAt >= 0 ? withoutHash.slice(0, queryAt) : withoutHash;
	const hidden = [...new URLSearchParams(queryAt >= 0 ? withoutHash.slice(queryAt + 1) : '')]
		.filter(([name]) => !['from', 'to', 'q', 'cart'].includes(name))
		.map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
	return html`<form class="filters" method="get" action="${action}" role="search" aria-label="${copy.filters.label}">
${hidden}
<label class="field"><span>${copy.filters.from}</span><input type="date" name="from" value="${filters.from ?? ''}"></label>
<label class="field"><span>${copy.filters.to}</span><input type="date" name="to" value="${filters.to ?? ''}"></label>
<label class="field search"><span>${copy.filters.search}</span><input type="search" name="q" value="${input.search?.query ?? ''}" placeholder="${copy.filters.searchPlaceholder}" autocomplete="off"></label>
<button type="submit">${copy.filters.submit}</button>
</form>`;
}

interface Card {
	label: string;
	value: string;
	lines: string[];
	primary?: boolean;
}

function kpiSection(view: View): Html {
	const { copy, f, report } = view;
	const t = (report.totals ?? {}) as Partial<Report['totals']>;
	const k = copy.kpi;
	const fraction = (r: Rate | undefined) => `${f.count(r?.count ?? 0)} / ${f.count(r?.of ?? 0)}`;
	// "– recovery rate" reads as a glitch; before there is anything to divide, the line is left out.
	const withRate = (value: number | null, line: (rate: string) => string) => (value === null ? '' : line(f.percent(value)));
	const cards: Card[] = [
		{ label: k.revenue, value: f.money(t.recovered_revenue ?? 0), lines: [k.abandonedValue(f.money(t.abandoned_value ?? 0))], primary: true },
		{ label: k.recovered, value: f.count(t.recovered?.count ?? 0), lines: [withRate(rateOf(t.recovered), k.recoveryRate), k.ofAbandoned(fraction(t.recovered))] },
		{ label: k.conversion, value: f.percent(rateOf(t.converted)), lines: [k.converted(fraction(t.converted))] },
		{ label: k.returned, value: f.percent(rateOf(t.returned)), lines: [k.cameBack(fraction(t.returned))] },
		{
			label: k.messages,
			value: f.count(t.messages_sent ?? 0),
			lines: [rateOf(t.delivered) === null ? '' : k.delivered(f.percent(rateOf(t.delivered)), fraction(t.delivered))],
		},
		{
			label: k.revenuePerMessage,
			value: f.money(t.revenue_per_message),
			lines: [k.perMessage(f.money(t.recovered_revenue ?? 0), f.count(t.messages_sent ?? 0))],
		},
		{
			label: k.discountCost,
			value: f.money(t.discount_cost ?? 0),
			lines: [k.redeemed(`${f.count(t.codes_redeemed ?? 0)} / ${f.count(t.codes_issued ?? 0)}`)],
		},
		{
			label: k.abandoned,
			value: f.count(t.carts_abandoned ?? 0),
			lines: [
				withRate(share(t.carts_abandoned, t.carts_enrolled), k.abandonedShare),
				k.ofEnrolled(`${f.count(t.carts_abandoned ?? 0)} / ${f.count(t.carts_enrolled ?? 0)}`),
			],
		},
	];
	const otherCurrency = count0(t.other_currency_carts);
	return html`<section class="kpis-section" aria-labelledby="summary-title">
<h2 id="summary-title" class="visually-hidden">${copy.summary}</h2>
<div class="kpis">
${cards.map(
	(card) => html`<article class="kpi${card.primary ? ' primary' : ''}">
<h3 class="kpi-label">${card.label}</h3>
<p class="kpi-value">${card.value}</p>
${card.lines.filter(Boolean).map((line) => html`<p class="kpi-meta">${line}</p>`)}
</article>`,
)}
</div>
${otherCurrency > 0 ? html`<p class="note">${k.otherCurrency(f.count(otherCurrency))}</p>` : ''}
</section>`;
}

// --- Daily charts ----------------------------------------------------------------------------------------

interface BarSeries {
	className: string;
	values: number[];
	/** Share of a day's slot the bar takes; the second series is drawn narrower, over the first. */
	width: number;
}

interface BarChartSpec {
	id: string;
	title: string;
	days: string[];
	series: BarSeries[];
	scale: { top: number; step: number };
	tick: (value: number) => string;
	tooltip: (index: number) => string;
	height: number;
	f: Formats;
}

const CHART_TEXT_PX = 7; // average width of a 12 px label glyph, to size the y axis to its longest label

function barChart(spec: BarChartSpec): Html {
	const { days, series, scale, height, f } = spec;
	const n = days.length;
	const top = 10;
	const bottom = height - 26;
	const yOf = (value: number) => bottom - (bottom - top) * (Math.max(0, value) / scale.top);
	const ticks: number[] = [];
	for (let v = 0; v <= scale.top + scale.step / 1000; v += scale.step) ticks.push(v);
	const tickLabels = ticks.map(spec.tick);
	const axisWidth = Math.max(36, Math.ceil(Math.max(...tickLabels.map((l) => l.length)) * CHART_TEXT_PX) + 12);
	// Day labels: about ten on a wide screen, about four on a phone (CSS hides the rest there).
	const wideStep = Math.max(1, Math.ceil(n / 10));
	const narrowStep = wideStep * Math.max(1, Math.ceil(Math.ceil(n / 4) / wideStep));
	const dayLabels = days.map((day, i) => {
		if (i % wideStep !== 0) return '';
		const center = ((i + 0.5) / n) * 100;
		const anchor = i === 0 && n > 1 ? 'start' : center > 92 ? 'end' : 'middle';
		const x = anchor === 'start' ? (i / n) * 100 : anchor === 'end' ? ((i + 1) / n) * 100 : center;
		return html`<text class="x-label${i % narrowStep === 0 ? ' keep' : ''}" x="${x}%" y="${height - 8}" text-anchor="${anchor}">${f.day(day)}</text>`;
	});
	const bars = series.map((s) =>
		s.values.map((value, i) => {
			if (!(value > 0)) return '';
			const y = yOf(value);
			const h = Math.max(1, bottom - y);
			const x = ((i + (1 - s.width) / 2) / n) * 100;
			return html`<rect class="${s.className}" x="${x}%" y="${bottom - h}" width="${(s.width / n) * 100}%" height="${h}" rx="2"><title>${spec.tooltip(i)}</title></rect>`;
		}),
	);
	return html`<div class="chart" style="height:${height}px">
<svg class="y-axis" width="${axisWidth}" height="${height}" aria-hidden="true" focusable="false">
${ticks.map((v, i) => html`<text x="${axisWidth - 8}" y="${yOf(v) + 4}" text-anchor="end">${tickLabels[i]}</text>`)}
</svg>
<svg class="plot" width="100%" height="${height}" role="img" aria-labelledby="${spec.id}-title" focusable="false">
<title id="${spec.id}-title">${spec.title}</title>
${ticks.map((v) => html`<line class="${v === 0 ? 'baseline' : 'grid'}" x1="0" x2="100%" y1="${yOf(v)}" y2="${yOf(v)}"/>`)}
${bars}
${dayLabels}
</svg>
</div>`;
}

function dailySection(view: View, rangeText: string): Html {
	const { copy, f, report } = view;
	const d = copy.daily;
	const daily: DailyRow[] = Array.isArray(report.daily) ? report.daily : [];
	if (!daily.length) {
		return html`<section class="card" aria-labelledby="daily-title"><h2 id="daily-title">${d.revenueTitle}</h2><p class="empty">${d.noDays}</p></section>`;
	}
	const days = daily.map((row) => row.day);
	const revenue = daily.map((row) => count0(row.recovered_revenue));
	const enrolled = daily.map((row) => count0(row.enrolled));
	const recovered = daily.map((row) => count0(row.recovered));
	const revenueScale = niceScale(Math.max(...revenue));
	const cartScale = niceScale(Math.max(...enrolled, ...recovered), 4, true);
	const totals = report.totals;
	const revenueChart = revenueScale
		? barChart({
				id: 'revenue-chart',
				title: `${d.revenueTitle}, ${rangeText}`,
				days,
				series: [{ className: 'bar-revenue', values: revenue, width: 0.7 }],
				scale: revenueScale,
				tick: (v) => f.money(v),
				tooltip: (i) => `${f.day(days[i], true)}: ${f.money(revenue[i])} · ${d.recovered}: ${f.count(recovered[i])}`,
				height: 240,
				f,
			})
		: html`<p class="empty">${d.noRevenue}</p>`;
	const cartsChart = cartScale
		? html`<ul class="legend">
<li><span class="swatch bar-enrolled" aria-hidden="true"></span>${d.enrolled}</li>
<li><span class="swatch bar-recovered" aria-hidden="true"></span>${d.recovered}</li>
</ul>
${barChart({
	id: 'carts-chart',
	title: `${d.cartsTitle}, ${rangeText}`,
	days,
	series: [
		{ className: 'bar-enrolled', values: enrolled, width: 0.7 },
		{ className: 'bar-recovered', values: recovered, width: 0.36 },
	],
	scale: cartScale,
	tick: (v) => f.count(v),
	tooltip: (i) => `${f.day(days[i], true)}: ${d.enrolled} ${f.count(enrolled[i])}, ${d.recovered} ${f.count(recovered[i])}`,
	height: 170,
	f,
})}`
		: html`<p class="empty">${d.noCarts}</p>`;
	return html`<section class="card" aria-labelledby="daily-title">
<div class="card-head">
<h2 id="daily-title">${d.revenueTitle}</h2>
<p class="card-total">${d.revenueTotal(f.money(totals?.recovered_revenue ?? 0), f.count(totals?.recovered?.count ?? 0))}</p>
</div>
${revenueChart}
<h3 class="chart-title">${d.cartsTitle}</h3>
${cartsChart}
<details class="data-table">
<summary>${d.table}</summary>
<div class="table-scroll">
<table>
<thead><tr><th scope="col">${d.day}</th><th scope="col" class="num">${d.enrolled}</th><th scope="col" class="num">${d.sent}</th><th scope="col" class="num">${d.recovered}</th><th scope="col" class="num">${copy.kpi.revenue}</th></tr></thead>
<tbody>
${daily.map(
	(row) => html`<tr><th scope="row">${f.day(row.day, true)}</th><td class="num">${f.count(row.enrolled)}</td><td class="num">${f.count(row.messages_sent)}</td><td class="num">${f.count(row.recovered)}</td><td class="num">${f.money(row.recovered_revenue)}</td></tr>`,
)}
</tbody>
</table>
</div>
</details>
</section>`;
}

// --- Funnel ----------------------------------------------------------------------------------------------

const CHANNEL_ORDER = ['email', 'sms', 'whatsapp', 'messenger'];

function channelName(copy: Copy, channel: string | null | undefined): string {
	return channel ? (copy.channels[channel] ?? channel) : DASH;
}

function funnelSection(view: View): Html {
	const { copy, f, report } = view;
	const c = copy.funnel;
	const t = (report.totals ?? {}) as Partial<Report['totals']>;
	const abandoned = count0(t.carts_abandoned);
	const sent = count0(t.messages_sent);
	if (abandoned === 0 && sent === 0) {
		return html`<section class="card" aria-labelledby="funnel-title"><h2 id="funnel-title">${c.title}</h2><p class="empty">${c.noCarts}</p></section>`;
	}
	type Step = { label: string; count: number; unit: 'cart' | 'message'; fill: number; note: string };
	// A share of nothing is left unsaid rather than written as "– of messages sent".
	const noted = (value: number | null, base: string) => (value === null ? '' : `${f.percent(value)} ${base}`);
	const ofSent = (r: Rate | undefined) => noted(rateOf(r), c.ofSent);
	const steps: Step[] = [
		{ label: c.abandoned, count: abandoned, unit: 'cart', fill: abandoned > 0 ? 1 : 0, note: noted(share(abandoned, t.carts_enrolled), c.ofEnrolled) },
		{ label: c.sent, count: sent, unit: 'message', fill: sent > 0 ? 1 : 0, note: abandoned > 0 ? c.perCart(f.decimal(sent / abandoned)) : '' },
		{ label: c.delivered, count: count0(t.delivered?.count), unit: 'message', fill: share(t.delivered?.count, sent) ?? 0, note: ofSent(t.delivered) },
		{ label: c.opened, count: count0(t.opened?.count), unit: 'message', fill: share(t.opened?.count, sent) ?? 0, note: ofSent(t.opened) },
		{ label: c.clicked, count: count0(t.clicked?.count), unit: 'message', fill: share(t.clicked?.count, sent) ?? 0, note: ofSent(t.clicked) },
		{
			label: c.returned,
			count: count0(t.returned?.count),
			unit: 'cart',
			fill: share(t.returned?.count, abandoned) ?? 0,
			note: noted(rateOf(t.returned), c.ofContacted),
		},
		{
			label: c.recovered,
			count: count0(t.recovered?.count),
			unit: 'cart',
			fill: share(t.recovered?.count, abandoned) ?? 0,
			note: noted(rateOf(t.recovered), c.ofAbandoned),
		},
	];
	const machine = count0(t.machine_opened?.count);
	return html`<section class="card" aria-labelledby="funnel-title">
<h2 id="funnel-title">${c.title}</h2>
<ul class="legend">
<li><span class="swatch unit-cart" aria-hidden="true"></span>${c.carts}</li>
<li><span class="swatch unit-message" aria-hidden="true"></span>${c.messages}</li>
</ul>
<ol class="funnel">
${steps.map(
	(step) => html`<li class="step unit-${step.unit}">
<span class="step-label">${step.label}</span>
<span class="step-count">${f.count(step.count)}</span>
<svg class="step-bar" width="100%" height="14" role="img" focusable="false"><title>${step.label}: ${f.count(step.count)}${step.note ? ` (${step.note})` : ''}</title><rect class="track" x="0" y="0" width="100%" height="14" rx="4"/>${step.fill > 0 ? html`<rect class="fill" x="0" y="0" width="${Math.max(0.5, clamp01(step.fill) * 100)}%" height="14" rx="4"/>` : ''}</svg>
<span class="step-note">${step.note}</span>
</li>`,
)}
</ol>
<p class="note">${c.problems(f.count(t.bounced?.count ?? 0), f.count(t.failed?.count ?? 0), f.count(t.opted_out?.count ?? 0))}${machine > 0 ? html`<br>${c.machineOpens(f.count(machine))}` : ''}</p>
<h3>${c.byStage}</h3>
${funnelTable(view)}
</section>`;
}

function funnelTable(view: View): Html {
	const { copy, f, report } = view;
	const c = copy.funnel;
	const rows: FunnelRow[] = [...(Array.isArray(report.funnel) ? report.funnel : [])].sort(
		(a, b) => count0(a.stage) - count0(b.stage) || rank(CHANNEL_ORDER, a.channel) - rank(CHANNEL_ORDER, b.channel),
	);
	if (!rows.length) return html`<p class="empty">${c.noMessages}</p>`;
	const sum = (key: keyof FunnelRow) => rows.reduce((total, row) => total + count0(row[key]), 0);
	const total = {
		sent: sum('sent'),
		delivered: sum('delivered'),
		opened: sum('opened'),
		clicked: sum('clicked'),
		bounced: sum('bounced'),
		opted_out: sum('opted_out'),
		recovered: sum('recovered'),
		revenue: sum('revenue'),
		ai_copy: sum('ai_copy'),
	};
	// SMS reports no opens at all: "0,0%" would read as a failure.
	const cells = (r: typeof total, channel?: string) => html`<td class="num">${f.count(r.sent)}</td>
<td class="num">${f.percent(share(r.delivered, r.sent))}</td>
<td class="num">${channel === 'sms' && r.opened === 0 ? DASH : f.percent(share(r.opened, r.sent))}</td>
<td class="num">${f.percent(share(r.clicked, r.sent))}</td>
<td class="num">${f.count(r.bounced)}</td>
<td class="num">${f.count(r.opted_out)}</td>
<td class="num">${f.count(r.recovered)}</td>
<td class="num">${f.money(r.revenue)}</td>
<td class="num">${f.count(r.ai_copy)}</td>`;
	return html`<div class="table-scroll">
<table class="funnel-table">
<thead><tr>
<th scope="col">${c.stage}</th><th scope="col">${c.channel}</th><th scope="col" class="num">${c.sentColumn}</th>
<th scope="col" class="num">${c.deliveredColumn}</th><th scope="col" class="num">${c.openedColumn}</th><th scope="col" class="num">${c.clickedColumn}</th>
<th scope="col" class="num">${c.bounced}</th><th scope="col" class="num">${c.optedOut}</th><th scope="col" class="num">${c.recoveredColumn}</th>
<th scope="col" class="num">${c.revenue}</th><th scope="col" class="num"><abbr title="${c.aiCopyHint}">${c.aiCopy}</abbr></th>
</tr></thead>
<tbody>
${rows.map(
	(row) => html`<tr><th scope="row">${copy.stage(f.count(row.stage))}</th><td>${channelName(copy, row.channel)}</td>
${cells({
	sent: count0(row.sent),
	delivered: count0(row.delivered),
	opened: count0(row.opened),
	clicked: count0(row.clicked),
	bounced: count0(row.bounced),
	opted_out: count0(row.opted_out),
	recovered: count0(row.recovered),
	revenue: count0(row.revenue),
	ai_copy: count0(row.ai_copy),
}, row.channel)}</tr>`,
)}
</tbody>
${rows.length > 1 ? html`<tfoot><tr><th scope="row" colspan="2">${c.total}</th>${cells(total)}</tr></tfoot>` : ''}
</table>
</div>`;
}

function rank(order: string[], value: string | null | undefined): number {
	const i = order.indexOf(value ?? '');
	return i < 0 ? order.length : i;
}

// --- Experiments -----------------------------------------------------------------------------------------

function segmentsSection(view: View): Html {
	const { copy, f, report } = view;
	const s = copy.segments;
	const rows: SegmentRow[] = Array.isArray(report.segments) ? report.segments : [];
	// Nothing to split until some cart's flow has a segment (a store before version 16, or an empty range).
	if (!rows.some((row) => row.segment !== 'unknown')) return html``;
	return html`<section class="card" aria-labelledby="segments-title">
<h2 id="segments-title">${s.title}</h2>
<p class="intro">${s.intro}</p>
<div class="table-scroll">
<table class="segments-table">
<thead><tr><th scope="col">${s.segment}</th><th scope="col" class="num">${s.carts}</th><th scope="col" class="num">${s.recovered}</th>
<th scope="col" class="num">${s.revenue}</th><th scope="col" class="num">${s.cost}</th><th scope="col" class="num">${s.net}</th><th scope="col">${s.lift}</th></tr></thead>
<tbody>
${rows.map(
	(row) => html`<tr><th scope="row">${s.names[row.segment] ?? row.segment}</th>
<td class="num">${f.count(row.carts)}</td>
<td class="num">${f.count(row.recovered)}<span class="cell-note">${f.percent(share(row.recovered, row.carts))}</span></td>
<td class="num">${f.money(row.recovered_revenue)}</td>
<td class="num">${f.money(row.discount_cost)}</td>
<td class="num"><strong>${f.money(row.net_revenue)}</strong></td>
<td>${row.lift ? liftMarkup(view, row.lift) : html`<span class="muted">${s.noHoldout}</span>`}</td>
</tr>`,
)}
</tbody>
</table>
</div>
</section>`;
}

function experimentsSection(view: View): Html {
	const { copy, input, report } = view;
	const e = copy.experiments;
	const results = Array.isArray(input.experiments) ? input.experiments : [];
	const named = new Set(results.map((r) => r.experiment));
	// Experiments the report names but the workflow brought no results for still get a line, so none goes missing.
	const pending = (Array.isArray(report.experiments) ? report.experiments : []).filter((name) => !named.has(name));
	const body =
		results.length || pending.length
			? html`${results.map((r) => experimentBlock(view, r))}${pending.map(
					(name) => html`<article class="experiment"><h3>${name}</h3><p class="empty">${e.noResults}</p></article>`,
				)}`
			: html`<p class="empty">${e.none}</p>`;
	return html`<section class="card" aria-labelledby="experiments-title">
<h2 id="experiments-title">${e.title}</h2>
${body}
</section>`;
}

function experimentVerdict(view: View, result: ExperimentResults): { text: string; tone: 'good' | 'neutral' } {
	const { copy, f } = view;
	const e = copy.experiments;
	const variants = result.variants ?? [];
	if (!variants.some((v) => count0(v.carts) > 0)) return { text: e.noCarts, tone: 'neutral' };
	const holdout = variants.find((v) => v.holdout);
	if (!holdout) {
		const best = [...variants].sort((a, b) => (rateOf(b.conversion) ?? -1) - (rateOf(a.conversion) ?? -1))[0];
		return { text: e.noHoldout(best.variant, f.percent(rateOf(best.conversion))), tone: 'neutral' };
	}
	const compared = variants.filter((v) => !v.holdout && v.lift);
	if (!compared.length) return { text: e.nothingToCompare, tone: 'neutral' };
	const winner = result.winner ? compared.find((v) => v.variant === result.winner) : undefined;
	const subjectVariant = winner ?? [...compared].sort((a, b) => b.lift!.conversion_diff - a.lift!.conversion_diff)[0];
	const lift = subjectVariant.lift!;
	const diff = numberOf(lift.conversion_diff) ?? 0;
	const low = numberOf(lift.low) ?? 0;
	const high = numberOf(lift.high) ?? 0;
	const pointRange = e.pointRange(
		low >= 0 && high >= 0 ? f.decimal(low * 100) : f.points(low),
		low >= 0 && high >= 0 ? f.decimal(high * 100) : f.points(high),
		low >= 0 && high >= 0,
	);
	const subject = winner && diff > 0 ? e.winnerSubject(subjectVariant.variant) : e.bestSubject(subjectVariant.variant);
	const sentence = e.comparison(subject, f.decimal(Math.abs(diff) * 100), diff >= 0, pointRange, Boolean(lift.significant));
	if (winner && diff > 0) {
		const extra = e.extraRevenue(f.signedMoney(lift.incremental_revenue), f.money(lift.incremental_revenue_low), f.money(lift.incremental_revenue_high));
		return { text: `${sentence} ${extra}`, tone: 'good' };
	}
	return { text: `${e.noneSignificant} ${sentence}`, tone: 'neutral' };
}

function experimentBlock(view: View, result: ExperimentResults): Html {
	const { copy, f } = view;
	const e = copy.experiments;
	const variants: VariantResult[] = result.variants ?? [];
	const verdict = experimentVerdict(view, result);
	const holdout = variants.find((v) => v.holdout);
	const upper = Math.max(0, ...variants.map((v) => numberOf(v.conversion?.high) ?? rateOf(v.conversion) ?? 0));
	const scale = niceScale(upper, 4) ?? { top: 0.1, step: 0.025 };
	const scaleTicks = [0, 0.5, 1].map((share) => share * scale.top);
	const currency = result.range?.currency || f.currency;
	const rows = variants.map((v) => {
		const classes = ['variant', v.holdout ? 'is-holdout' : '', v.variant === result.winner ? 'is-winner' : ''].filter(Boolean).join(' ');
		const conversion = v.conversion as Proportion | undefined;
		return html`<tr class="${classes}">
<th scope="row"><span class="variant-name">${v.variant}</span>${v.holdout ? html`${v.variant.trim().toLowerCase() === e.holdout ? '' : html` <span class="badge badge-holdout">${e.holdout}</span>`}<span class="cell-note">${e.holdoutNote}</span>` : ''}${v.variant === result.winner ? html` <span class="badge badge-winner">${e.winner}</span>` : ''}</th>
<td class="num">${f.count(v.carts)}</td>
<td class="num"><strong>${f.percent(rateOf(conversion))}</strong><span class="cell-note">${f.count(conversion?.count ?? 0)} / ${f.count(conversion?.of ?? 0)}</span>${conversion && numberOf(conversion.low) !== null && numberOf(conversion.high) !== null ? html`<span class="cell-note">${e.within(`${f.percent(conversion.low)}–${f.percent(conversion.high)}`)}</span>` : ''}</td>
<td class="interval-cell">${intervalBar(view, v, holdout, scale.top)}</td>
<td class="num">${f.money(v.revenue_per_cart, currency)}</td>
${holdout ? html`<td class="num">${liftCell(view, v)}</td>
<td class="num">${v.lift ? html`<strong>${f.signedMoney(v.lift.incremental_revenue)}</strong><span class="cell-note">${e.within(`${f.money(v.lift.incremental_revenue_low, currency)} – ${f.money(v.lift.incremental_revenue_high, currency)}`)}</span><span class="cell-note">${e.purchases(f.signedDecimal(v.lift.incremental_conversions))}</span>` : DASH}</td>` : ''}
</tr>`;
	});
	return html`<article class="experiment">
<h3>${result.experiment}</h3>
<p class="verdict verdict-${verdict.tone}">${verdict.text}</p>
<div class="table-scroll">
<table class="experiment-table">
<thead><tr>
<th scope="col">${e.variant}</th><th scope="col" class="num">${e.carts}</th><th scope="col" class="num">${e.conversion}</th>
<th scope="col" class="interval-cell"><span class="visually-hidden">${e.interval}</span><svg class="interval-axis" width="100%" height="18" aria-hidden="true" focusable="false">${scaleTicks.map(
		(v, i) => html`<text x="${(v / scale.top) * 100}%" y="13" text-anchor="${i === 0 ? 'start' : i === scaleTicks.length - 1 ? 'end' : 'middle'}">${f.percentTick(v)}</text>`,
	)}</svg></th>
<th scope="col" class="num">${e.revenuePerCart}</th>${holdout ? html`<th scope="col" class="num">${e.lift}</th><th scope="col" class="num">${e.incrementalRevenue}</th>` : ''}
</tr></thead>
<tbody>
${rows}
</tbody>
</table>
</div>
<p class="note">${e.scale}${holdout ? ` ${e.holdoutBand}` : ''}</p>
</article>`;
}

function liftCell(view: View, variant: VariantResult): Html {
	if (variant.holdout) return html`<span class="muted">${view.copy.experiments.baseline}</span>`;
	return variant.lift ? liftMarkup(view, variant.lift) : html`${DASH}`;
}

/** A conversion difference against the holdout: the points, the 95 % interval, and whether it is significant. */
function liftMarkup(view: View, lift: { conversion_diff: number; low: number; high: number; significant: boolean }): Html {
	const { copy, f } = view;
	const e = copy.experiments;
	return html`<strong>${e.points(f.points(lift.conversion_diff))}</strong><span class="cell-note">${e.within(`${f.points(lift.low)} – ${f.points(lift.high)}`)}</span><span class="badge ${lift.significant ? 'badge-significant' : 'badge-neutral'}">${lift.significant ? e.significant : e.notSignificant}</span>`;
}

function intervalBar(view: View, variant: VariantResult, holdout: VariantResult | undefined, top: number): Html {
	const { f } = view;
	const x = (value: unknown) => clamp01((numberOf(value) ?? 0) / top) * 100;
	const conversion = variant.conversion;
	const rate = rateOf(conversion);
	const low = numberOf(conversion?.low);
	const high = numberOf(conversion?.high);
	const holdoutRate = holdout ? rateOf(holdout.conversion) : null;
	const holdoutLow = holdout ? numberOf(holdout.conversion?.low) : null;
	const holdoutHigh = holdout ? numberOf(holdout.conversion?.high) : null;
	const title = `${variant.variant}: ${f.percent(rate)}${low !== null && high !== null ? ` (95%: ${f.percent(low)}–${f.percent(high)})` : ''}`;
	return html`<svg class="interval" width="100%" height="28" role="img" focusable="false"><title>${title}</title>
${holdoutLow !== null && holdoutHigh !== null ? html`<rect class="holdout-band" x="${x(holdoutLow)}%" y="2" width="${Math.max(0, x(holdoutHigh) - x(holdoutLow))}%" height="24"/>` : ''}
${holdoutRate !== null ? html`<line class="holdout-line" x1="${x(holdoutRate)}%" x2="${x(holdoutRate)}%" y1="2" y2="26"/>` : ''}
${low !== null && high !== null ? html`<line class="range" x1="${x(low)}%" x2="${x(high)}%" y1="14" y2="14"/><line class="whisker" x1="${x(low)}%" x2="${x(low)}%" y1="9" y2="19"/><line class="whisker" x1="${x(high)}%" x2="${x(high)}%" y1="9" y2="19"/>` : ''}
${rate !== null ? html`<circle class="point" cx="${x(rate)}%" cy="14" r="5"/>` : ''}
</svg>`;
}

// --- Skips -----------------------------------------------------------------------------------------------

function skipsSection(view: View): Html {
	const { copy, f, report } = view;
	const s = copy.skips;
	const rows: SkipRow[] = [...(Array.isArray(report.skips) ? report.skips : [])].sort((a, b) => count0(b.count) - count0(a.count));
	const most = Math.max(0, ...rows.map((r) => count0(r.count)));
	const total = rows.reduce((sum, r) => sum + count0(r.count), 0);
	const body = rows.length
		? html`<div class="table-scroll">
<table class="skips-table">
<thead><tr><th scope="col">${s.reason}</th><th scope="col">${s.outcome}</th><th scope="col">${s.stage}</th><th scope="col">${s.channel}</th><th scope="col" class="num">${s.count}</th><th scope="col" class="bar-cell"><span class="visually-hidden">${s.count}</span></th></tr></thead>
<tbody>
${rows.map(
	(row) => html`<tr>
<th scope="row">${skipReason(copy, row.reason)}</th>
<td><span class="badge ${row.outcome === 'deferred' ? 'badge-neutral' : 'badge-warn'}">${row.outcome === 'deferred' ? s.deferred : s.skipped}</span></td>
<td>${row.stage === null || row.stage === undefined ? DASH : copy.stage(f.count(row.stage))}</td>
<td>${channelName(copy, row.channel)}</td>
<td class="num">${f.count(row.count)}</td>
<td class="bar-cell"><svg width="100%" height="10" aria-hidden="true" focusable="false"><rect class="track" width="100%" height="10" rx="3"/>${count0(row.count) > 0 && most > 0 ? html`<rect class="fill ${row.outcome === 'deferred' ? 'fill-deferred' : 'fill-skipped'}" width="${Math.max(1, (count0(row.count) / most) * 100)}%" height="10" rx="3"/>` : ''}</svg></td>
</tr>`,
)}
</tbody>
</table>
</div>`
		: html`<p class="empty">${s.none}</p>`;
	return html`<section class="card" aria-labelledby="skips-title">
<div class="card-head"><h2 id="skips-title">${s.title}</h2>${rows.length ? html`<p class="card-total">${s.total(f.count(total))}</p>` : ''}</div>
<p class="intro">${s.intro}</p>
${body}
</section>`;
}

function skipReason(copy: Copy, reason: string | null | undefined): string {
	return reason ? (copy.reasons[reason] ?? reason) : DASH;
}

// --- Search and timeline ---------------------------------------------------------------------------------

function cartStatus(copy: Copy, status: string | null | undefined): Html {
	const known = status ? copy.cartStatuses[status] : undefined;
	return html`<span class="badge status-${known ? status : 'other'}">${known ?? status ?? DASH}</span>`;
}

function searchSection(view: View, search: NonNullable<DashboardInput['search']>): Html {
	const { copy, f, input } = view;
	const s = copy.search;
	const carts = search.result?.carts ?? [];
	const filters = filterParams(view);
	const clear = input.link(filters);
	const body = carts.length
		? html`<div class="table-scroll">
<table class="search-table">
<thead><tr><th scope="col">${s.customer}</th><th scope="col">${s.cart}</th><th scope="col">${s.status}</th><th scope="col" class="num">${s.value}</th><th scope="col">${s.created}</th></tr></thead>
<tbody>
${carts.map(
	(cart) => html`<tr${cart.cart_id === input.timeline?.cart?.cart_id ? html` class="is-current"` : ''}>
<th scope="row"><a href="${input.link({ ...filters, q: search.query, cart: cart.cart_id })}">${cart.customer || cart.cart_id}</a></th>
<td class="mono" data-label="${s.cart}">${cart.cart_id}</td>
<td data-label="${s.status}">${cartStatus(copy, cart.status)}</td>
<td class="num" data-label="${s.value}">${f.money(cart.value, cart.currency)}</td>
<td data-label="${s.created}">${f.date(cart.created_at)}</td>
</tr>`,
)}
</tbody>
</table>
</div>`
		: html`<p class="empty">${s.noMatch(search.query)}<br>${s.hint}</p>`;
	return html`<section class="card" aria-labelledby="search-title">
<div class="card-head"><h2 id="search-title">${carts.length ? s.results(f.count(carts.length), search.query) : s.title}</h2><a class="quiet-link" href="${clear}">${s.clear}</a></div>
${body}
</section>`;
}

/** Small stroke icons for the timeline (16 × 16), drawn in the entry's colour. */
const KIND_ICONS: Record<string, string> = {
	cart: '<path d="M1.5 2.5h2l1.7 7.5h7.3l1.5-5.2H4.4"/><circle cx="6.5" cy="13" r="1"/><circle cx="11.5" cy="13" r="1"/>',
	enrolled: '<path d="M5 3.5v9l7-4.5z"/>',
	variant: '<path d="M4 2v3.5c0 2 4 2.5 4 4.5v4M12 2v3.5c0 2-4 2.5-4 4.5"/>',
	message: '<rect x="2" y="3.5" width="12" height="9" rx="1.5"/><path d="M2.5 4.5 8 9l5.5-4.5"/>',
	event: '<path d="M1.5 8.5h3l2-4.5 3 8 2-3.5h3"/>',
	skip: '<circle cx="8" cy="8" r="6"/><path d="m3.8 12.2 8.4-8.4"/>',
	postponed: '<circle cx="8" cy="8" r="6"/><path d="M8 4.8V8l2.2 1.6"/>',
	code: '<path d="M2 2.5h5.5l6.5 6.5-5 5-6.5-6.5z"/><circle cx="5.2" cy="5.7" r="1"/>',
	redeemed: '<circle cx="8" cy="8" r="6"/><path d="m5 8.2 2 2 4-4.2"/>',
	purchase: '<path d="M3 5.5h10l-1 8.5H4z"/><path d="M6 5.5V4.5a2 2 0 0 1 4 0v1"/>',
	consent: '<path d="M8 1.5 13.5 3.5v4c0 3.4-2.4 5.9-5.5 7-3.1-1.1-5.5-3.6-5.5-7v-4z"/>',
	returned: '<path d="M6 4.5 2.5 8 6 11.5"/><path d="M2.5 8h7a4 4 0 0 1 0 8"/>',
};

function kindIcon(kind: string): Html {
	return raw(
		`<svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${KIND_ICONS[kind] ?? '<circle cx="8" cy="8" r="3"/>'}</svg>`,
	);
}

/** Skip reasons after which the message still goes, later (lib/delivery/types.ts DeferReason, less the cap that can go either way). */
const DEFER_REASONS = new Set(['quiet_hours', 'provider_unavailable']);

function entryStatus(copy: Copy, entry: TimelineEntry): string | null {
	if (!entry.status) return null;
	if (entry.kind === 'skip') return skipReason(copy, entry.status);
	return copy.statuses[entry.status] ?? entry.status;
}

function timelineSection(view: View, timeline: CartTimeline): Html {
	const { copy, f, input, lang } = view;
	const t = copy.timeline;
	const cart = timeline.cart ?? ({} as CartTimeline['cart']);
	const back = input.link({ ...filterParams(view), ...(input.search?.query ? { q: input.search.query } : {}) });
	const entries = [...(Array.isArray(timeline.entries) ? timeline.entries : [])].sort((a, b) => (Date.parse(a.at) || 0) - (Date.parse(b.at) || 0));
	const summary: Array<[string, Html | string]> = [
		[t.customer, cart.customer || DASH],
		[t.cartId, html`<span class="mono">${cart.cart_id ?? DASH}</span>`],
		[t.status, cartStatus(copy, cart.status)],
		[t.value, f.money(cart.value, cart.currency)],
		...(Array.isArray(cart.items) && cart.items.length ? [[t.products, cart.items.map((i) => `${i.name} × ${f.count(Number(i.quantity) || 1)}`).join(', ')] as [string, string]] : []),
		[t.created, f.dateTime(cart.created_at)],
		[t.converted, cart.converted_at ? f.dateTime(cart.converted_at) : t.notYet],
		[t.orderValue, cart.order_value === null || cart.order_value === undefined ? DASH : f.money(cart.order_value, cart.currency)],
		[t.recoveredValue, cart.recovered_value === null || cart.recovered_value === undefined ? DASH : f.money(cart.recovered_value, cart.currency)],
	];
	const list = entries.length
		? html`<ol class="timeline">
${entries.map((entry) => {
	const chips = [
		entry.channel ? channelName(copy, entry.channel) : null,
		entry.stage === null || entry.stage === undefined ? null : copy.stage(f.count(entry.stage)),
		entryStatus(copy, entry),
	].filter((chip): chip is string => Boolean(chip));
	const postponed = entry.kind === 'skip' && DEFER_REASONS.has(entry.status ?? '');
	return html`<li class="entry kind-${KIND_ICONS[entry.kind] ? entry.kind : 'other'}${postponed ? ' is-postponed' : ''}">
<span class="entry-icon">${kindIcon(postponed ? 'postponed' : entry.kind)}</span>
<div class="entry-body">
<p class="entry-head"><strong>${postponed ? t.kinds.postponed : (t.kinds[entry.kind] ?? entry.kind)}</strong>${chips.map((chip) => html` <span class="chip">${chip}</span>`)}</p>
<p class="entry-time"><time datetime="${entry.at}">${f.dateTime(entry.at)}</time></p>
${entry.detail ? (lang === 'en' ? html`<p class="entry-detail">${entry.detail}</p>` : html`<p class="entry-detail entry-log"><span class="visually-hidden">${t.systemNote}: </span><span lang="en">${entry.detail}</span></p>`) : ''}
</div>
</li>`;
})}
</ol>`
		: html`<p class="empty">${t.noEntries}</p>`;
	return html`<section class="card" id="cart" aria-labelledby="timeline-title">
<div class="card-head"><h2 id="timeline-title">${t.title}</h2><a class="quiet-link" href="${back}">${t.back}</a></div>
<dl class="cart-summary">
${summary.map(([label, value]) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`)}
</dl>
${list}
</section>`;
}

function footer(view: View): Html {
	const { copy, f, report } = view;
	const c = copy.footer;
	const minutes = count0(report.range?.inactivity_minutes);
	const duration = minutes >= 120 && minutes % 60 === 0 ? c.hours(f.count(minutes / 60)) : c.minutes(f.count(minutes));
	return html`<footer class="foot">
<p>${c.generated(f.dateTime(report.generated_at))} · ${c.timezone(knownTimeZone(report.range?.timezone))}</p>
<p>${report.range?.attribution_days ? c.attribution(f.count(report.range.attribution_days)) : ''} ${minutes > 0 ? c.inactivity(duration) : ''}</p>
</footer>`;
}

// ---------------------------------------------------------------------------------------------------------
// Style: calm neutrals, one teal accent; contrast ≥ 4.5:1 for text on its background.
// ---------------------------------------------------------------------------------------------------------

const STYLE = `
:root {
	--bg: #f3f5f7; --card: #fff; --ink: #18212b; --muted: #556070; --line: #e1e5ea; --line-strong: #c9d0d8;
	--accent: #17645c; --accent-soft: #e2f0ed; --blue: #a9c4e0; --blue-ink: #2c5b87;
	--good: #17683e; --good-soft: #e3f3e8; --warn: #8a4b00; --warn-soft: #fcf0dc; --grey-soft: #eef1f4;
}
* { box-sizing: border-box; }
.alert { margin: 0 0 16px; padding: 12px 16px; border-radius: 10px; background: var(--warn-soft); color: var(--warn); border: 1px solid #f1d3a6; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
.page { max-width: 1200px; margin: 0 auto; padding: 28px 24px 40px; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0; letter-spacing: -0.01em; }
h2 { font-size: 1.12rem; margin: 0 0 12px; }
h3 { font-size: 0.98rem; margin: 20px 0 10px; }
p { margin: 0; }
a { color: var(--blue-ink); }
a:focus-visible, input:focus-visible, button:focus-visible, summary:focus-visible { outline: 3px solid #7aa7d6; outline-offset: 2px; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; }
.muted, .note, .intro { color: var(--muted); }
.note { font-size: 0.85rem; margin-top: 12px; }
.intro { margin: -6px 0 12px; font-size: 0.9rem; }
.empty { color: var(--muted); background: var(--grey-soft); border-radius: 10px; padding: 18px 16px; text-align: center; }
.mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.86em; }
td.mono { white-space: nowrap; }

header.top { display: flex; flex-wrap: wrap; gap: 12px 24px; align-items: flex-start; justify-content: space-between; }
.range { color: var(--muted); margin-top: 6px; display: flex; flex-wrap: wrap; gap: 4px 16px; }
.campaign strong { color: var(--ink); font-weight: 600; overflow-wrap: anywhere; }
.languages { display: inline-flex; border: 1px solid var(--line-strong); border-radius: 999px; padding: 3px; background: var(--card); }
.languages a { padding: 4px 12px; border-radius: 999px; text-decoration: none; color: var(--muted); font-size: 0.88rem; font-weight: 600; }
.languages a[aria-current] { background: var(--accent); color: #fff; }

form.filters { display: flex; flex-wrap: wrap; gap: 12px 14px; align-items: flex-end; margin-top: 20px; padding: 14px 16px; background: var(--card); border: 1px solid var(--line); border-radius: 12px; }
.field { display: flex; flex-direction: column; gap: 4px; font-size: 0.8rem; font-weight: 600; color: var(--muted); min-width: 0; }
.field input { font: inherit; font-size: 0.95rem; font-weight: 400; color: var(--ink); padding: 7px 10px; border: 1px solid var(--line-strong); border-radius: 8px; background: #fff; min-width: 0; max-width: 100%; }
.field.search { flex: 1 1 260px; }
form.filters button { font: inherit; font-weight: 600; color: #fff; background: var(--accent); border: 0; border-radius: 8px; padding: 8px 18px; cursor: pointer; }

.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 14px; margin-top: 20px; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 16px 18px; min-width: 0; }
.kpi-label { font-size: 0.85rem; font-weight: 600; color: var(--muted); margin: 0; }
.kpi-value { font-size: 1.7rem; font-weight: 700; line-height: 1.2; margin: 6px 0 6px; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.kpi-meta { font-size: 0.84rem; color: var(--muted); }
.kpi.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.kpi.primary .kpi-label, .kpi.primary .kpi-meta { color: #d7ece8; }
.kpis-section > .note { margin-top: 10px; }

.card { position: relative; background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 20px 22px; margin-top: 20px; min-width: 0; }
.card-head { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: baseline; justify-content: space-between; margin-bottom: 12px; }
.card-head h2 { margin: 0; overflow-wrap: anywhere; }
.card-total { color: var(--muted); font-size: 0.9rem; }
.quiet-link { font-size: 0.9rem; }
.chart-title { margin-top: 26px; }

.chart { display: flex; width: 100%; }
.chart svg { display: block; overflow: hidden; }
.chart .y-axis { flex: none; }
.chart .plot { flex: 1 1 auto; min-width: 0; }
.chart text { font-size: 12px; fill: var(--muted); font-variant-numeric: tabular-nums; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .baseline { stroke: var(--line-strong); stroke-width: 1; }
.bar-revenue { fill: var(--accent); }
.bar-enrolled { fill: var(--blue); background: var(--blue); }
.bar-recovered { fill: var(--accent); background: var(--accent); }
@media (max-width: 720px) { .chart .x-label:not(.keep) { display: none; } }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 0; margin: 0 0 10px; font-size: 0.85rem; color: var(--muted); }
.legend li { display: inline-flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; }
details.data-table { margin-top: 16px; }
details.data-table summary { cursor: pointer; color: var(--blue-ink); font-size: 0.9rem; }
details.data-table table { margin-top: 10px; }

.funnel { list-style: none; padding: 0; margin: 0; display: grid; gap: 10px; }
.step { display: grid; grid-template-columns: minmax(150px, 200px) 80px minmax(120px, 1fr) minmax(180px, 250px); gap: 4px 14px; align-items: center; }
.step-label { font-weight: 600; }
.step-count { text-align: right; font-variant-numeric: tabular-nums; font-weight: 700; }
.step-note { color: var(--muted); font-size: 0.85rem; }
.step-bar { display: block; }
.track { fill: var(--grey-soft); }
.unit-cart .fill, .swatch.unit-cart { fill: var(--accent); background: var(--accent); }
.unit-message .fill, .swatch.unit-message { fill: var(--blue); background: var(--blue); }

/* Positioned, so that the visually hidden labels inside scroll with the table instead of widening the page. */
.table-scroll { position: relative; overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 0.9rem; }
th, td { padding: 9px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { font-size: 0.78rem; font-weight: 600; color: var(--muted); background: #f7f9fa; vertical-align: bottom; }
tbody th { font-weight: 600; }
tfoot th, tfoot td { font-weight: 700; border-bottom: 0; border-top: 2px solid var(--line-strong); }
.num { text-align: right; white-space: nowrap; }
abbr[title] { text-decoration: none; }
.cell-note { display: block; font-size: 0.78rem; color: var(--muted); font-weight: 400; }
.funnel-table th:first-child, .funnel-table td { white-space: nowrap; }

.badge { display: inline-block; font-size: 0.74rem; font-weight: 600; line-height: 1.2; padding: 2px 8px; border-radius: 999px; background: var(--grey-soft); color: var(--muted); white-space: nowrap; }
.badge-winner, .badge-significant { background: var(--good-soft); color: var(--good); }
.badge-holdout { background: var(--grey-soft); color: #3e4957; }
.badge-warn { background: var(--warn-soft); color: var(--warn); }
.num .badge { margin-top: 4px; }
.status-recovered, .status-converted { background: var(--good-soft); color: var(--good); }
.status-recovering { background: #e6eef8; color: var(--blue-ink); }

.experiment + .experiment { margin-top: 28px; padding-top: 8px; border-top: 1px solid var(--line); }
.experiment h3 { margin-top: 8px; font-size: 1.02rem; overflow-wrap: anywhere; }
.verdict { padding: 12px 14px; border-radius: 10px; margin-bottom: 14px; border-left: 4px solid; }
.verdict-good { background: var(--good-soft); border-color: var(--good); }
.verdict-neutral { background: var(--grey-soft); border-color: #98a2ae; }
.experiment-table .variant-name { overflow-wrap: anywhere; }
.experiment-table .interval-cell { width: 26%; min-width: 150px; }
.interval, .interval-axis { display: block; overflow: visible; }
.interval-axis text { font-size: 11px; fill: var(--muted); font-weight: 400; }
.interval .holdout-band { fill: #e6e9ed; }
.interval .holdout-line { stroke: #8d96a2; stroke-width: 1.5; stroke-dasharray: 3 3; }
.interval .range, .interval .whisker { stroke: var(--blue-ink); stroke-width: 2.5; stroke-linecap: round; }
.interval .point { fill: var(--blue-ink); stroke: #fff; stroke-width: 2; }
.is-holdout .interval .range, .is-holdout .interval .whisker { stroke: #6b7582; }
.is-holdout .interval .point { fill: #6b7582; }
.is-winner { background: #f2f9f4; }
.is-winner .interval .range, .is-winner .interval .whisker { stroke: var(--good); }
.is-winner .interval .point { fill: var(--good); }

.skips-table th[scope="row"] { font-weight: 500; min-width: 200px; }
.bar-cell { width: 22%; min-width: 90px; vertical-align: middle; }
.bar-cell svg { display: block; }
.fill-skipped { fill: #d99a4e; }
.fill-deferred { fill: var(--blue); }

.search-table a { font-weight: 600; overflow-wrap: anywhere; }
.search-table th[scope="row"] { max-width: 280px; }
tr.is-current { background: #f4f8fc; }

.cart-summary { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px 20px; margin: 0 0 20px; padding: 14px 16px; background: #f7f9fa; border-radius: 10px; }
.cart-summary dt { font-size: 0.78rem; color: var(--muted); font-weight: 600; }
.cart-summary dd { margin: 2px 0 0; font-weight: 600; overflow-wrap: anywhere; }
.timeline { list-style: none; margin: 0; padding: 0; position: relative; }
/* The thread from each icon down to the next one; the last entry has none below it. */
.entry:not(:last-child)::before { content: ""; position: absolute; left: 15px; top: 32px; bottom: 0; width: 2px; background: var(--line); }
.entry { position: relative; display: flex; gap: 14px; padding: 0 0 18px; }
.entry:last-child { padding-bottom: 0; }
.entry-icon { flex: none; width: 32px; height: 32px; border-radius: 50%; display: grid; place-items: center; background: var(--grey-soft); color: #4a5563; border: 2px solid var(--card); position: relative; }
.entry-body { min-width: 0; padding-top: 4px; }
.entry-head { display: flex; flex-wrap: wrap; gap: 4px 6px; align-items: baseline; }
.entry-time { font-size: 0.82rem; color: var(--muted); margin-top: 2px; }
.entry-detail { font-size: 0.9rem; margin-top: 4px; overflow-wrap: anywhere; }
/* The store's own English note under the Hungarian headline: secondary, read as a log line. */
.entry-log { font-size: 0.82rem; color: var(--muted); }
.entry.is-postponed .entry-icon { background: #e6eef8; color: var(--blue-ink); }
.chip { font-size: 0.76rem; background: var(--grey-soft); color: #3e4957; border-radius: 6px; padding: 1px 7px; }
.kind-message .entry-icon, .kind-event .entry-icon { background: #e6eef8; color: var(--blue-ink); }
.kind-purchase .entry-icon, .kind-redeemed .entry-icon { background: var(--good-soft); color: var(--good); }
.kind-skip .entry-icon { background: var(--warn-soft); color: var(--warn); }
.kind-code .entry-icon, .kind-enrolled .entry-icon { background: var(--accent-soft); color: var(--accent); }
.kind-consent .entry-icon, .kind-variant .entry-icon { background: #efeaf6; color: #5b3f86; }

.foot { margin-top: 28px; color: var(--muted); font-size: 0.82rem; display: grid; gap: 4px; }

@media (max-width: 760px) {
	.page { padding: 18px 14px 32px; }
	h1 { font-size: 1.35rem; }
	.card { padding: 16px 14px; }
	.step { grid-template-columns: 1fr auto; grid-template-areas: "label count" "bar bar" "note note"; gap: 4px 10px; }
	.step-label { grid-area: label; }
	.step-count { grid-area: count; }
	.step-bar { grid-area: bar; }
	.step-note { grid-area: note; }
	.kpis { grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px; }
	.kpi { padding: 14px; }
	.kpi-value { font-size: 1.4rem; }
	form.filters .field:not(.search) { flex: 1 1 130px; }
	form.filters button { flex: 1 1 100%; }
	/* Wide tables scroll sideways; their first column stays in view. */
	.table-scroll tbody th:first-child, .table-scroll tfoot th:first-child, .table-scroll thead th:first-child { position: sticky; left: 0; z-index: 1; background: var(--card); box-shadow: 1px 0 0 var(--line); }
	.table-scroll thead th:first-child { background: #f7f9fa; }
	.table-scroll tr.is-winner th:first-child { background: #f2f9f4; }
	/* Search matches: one small card per cart instead of a table row. */
	.search-table thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); }
	.search-table tr { display: grid; grid-template-columns: 1fr auto; gap: 2px 12px; padding: 10px 0; border-bottom: 1px solid var(--line); }
	.search-table th, .search-table td { display: block; border: 0; padding: 0; position: static !important; box-shadow: none !important; background: none !important; }
	.search-table td.mono { grid-column: 1; color: var(--muted); }
	.search-table td.num { grid-column: 2; grid-row: 1; }
	.search-table td:last-child { grid-column: 2; text-align: right; color: var(--muted); font-size: 0.85rem; }
}

@media print {
	body { background: #fff; font-size: 12px; }
	.page { max-width: none; padding: 0; }
	form.filters, .languages, .quiet-link, details.data-table { display: none; }
	.card, .kpi { break-inside: avoid; box-shadow: none; border-color: #bbb; }
	.kpi.primary { color: var(--ink); background: #fff; border-color: #bbb; }
	.kpi.primary .kpi-label, .kpi.primary .kpi-meta { color: var(--muted); }
	.table-scroll { overflow: visible; }
	table { font-size: 10.5px; }
	th, td { padding: 5px 4px; }
	.num, .funnel-table th:first-child, .funnel-table td { white-space: normal; }
	.experiment-table .interval-cell { min-width: 90px; }
	.skips-table th[scope="row"] { min-width: 0; }
	a { color: inherit; text-decoration: none; }
	* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
