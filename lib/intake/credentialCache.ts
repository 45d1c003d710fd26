/**
 * A short-lived, per-process cache of a webhook trigger's decrypted credentials.
 *
 * Why: in n8n 2.x every `getCredentials` call made from a webhook (no execution yet, so no expression context)
 * builds a throw-away workflow and takes an expression isolate (isolated-vm) for it; the isolate pool holds one
 * warm isolate, so each call cold-starts an isolate and disposes it afterwards. Measured inside n8n 2.41.1 this
 * was most of the trigger's per-request cost (README, "Benchmark"). Reading each credential at
 * most once per `ttlMs` per process removes it from the request path.
 *
 * Semantics: a changed or deleted credential takes effect within `ttlMs` (n8n gives a node no signal when a
 * credential changes). Concurrent requests for one key share one load; a failed load is not cached.
 */
export class CredentialCache<T> {
	private readonly entries = new Map<string, { value: Promise<T>; loadedAt: number }>();

	constructor(
		readonly ttlMs: number,
		private readonly now: () => number = () => Date.now(),
	) {}

	get(key: string, load: () => Promise<T>): Promise<T> {
		const entry = this.entries.get(key);
		const now = this.now();
		if (entry && now - entry.loadedAt < this.ttlMs) return entry.value;
		const value = load();
		const fresh = { value, loadedAt: now };
		this.entries.set(key, fresh);
		value.catch(() => {
			if (this.entries.get(key) === fresh) this.entries.delete(key);
		});
		return value;
	}

	/** Drops one key (e.g. after the credential was found wrong) or everything. */
	invalidate(key?: string): void {
		if (key === undefined) this.entries.clear();
		else this.entries.delete(key);
	}

	get size(): number {
		return this.entries.size;
	}
}

/**
 * The cache key of one credential slot of one node: the workflow, the node and the credential it names (so a
 * workflow edited to use another credential, or another workflow, never sees this entry).
 */
export function credentialSlotKey(workflowId: string | undefined, node: { id?: string; name: string; credentials?: Record<string, { id: string | null } | undefined> }, type: string): string | undefined {
	const credentialId = node.credentials?.[type]?.id;
	if (!credentialId) return undefined;
	return JSON.stringify([workflowId ?? '', node.id ?? node.name, type, credentialId]);
}
