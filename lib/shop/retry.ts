import { ShopSyncError } from './http';

/**
 * Bounded retries for shop calls. Only transient failures are retried (no answer, 429, 5xx — see
 * `ShopSyncError.transient`); a real refusal (4xx) is thrown at once. The wait honours the shop's Retry-After
 * when it sent one (Shopify and WordPress hosts send it with 429 and 503), else exponential backoff with
 * jitter. A Retry-After longer than `maxDelayMs` is not waited out: the transient error is thrown instead, so
 * an n8n item never hangs for minutes; the caller decides what an unfinished sync means.
 */
export interface RetryPolicy {
	/** Attempts in all, the first included (default 4). */
	attempts?: number;
	/** First backoff step (default 500 ms), doubled per attempt. */
	baseDelayMs?: number;
	/** Longest single wait (default 10 s). */
	maxDelayMs?: number;
	/** Injectable for tests. */
	sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: Required<Omit<RetryPolicy, 'sleep'>> = { attempts: 4, baseDelayMs: 500, maxDelayMs: 10_000 };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt(n, previous)` until it succeeds, fails for real, or the attempts are used up. `previous` is the
 * transient error of the attempt before (null on the first): after an unanswered create the shop may have made
 * the code, so the next attempt must look it up rather than create it blindly.
 */
export async function withShopRetry<T>(
	attempt: (n: number, previous: ShopSyncError | null) => Promise<T>,
	policy: RetryPolicy = {},
): Promise<T> {
	const attempts = Math.max(1, policy.attempts ?? DEFAULT_RETRY.attempts);
	const base = policy.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
	const max = policy.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
	const sleep = policy.sleep ?? realSleep;
	let previous: ShopSyncError | null = null;
	for (let n = 1; ; n++) {
		try {
			return await attempt(n, previous);
		} catch (error) {
			if (!(error instanceof ShopSyncError) || !error.transient || n >= attempts) throw error;
			const backoff = Math.min(max, base * 2 ** (n - 1));
			const wait = error.retryAfterMs ?? Math.round(backoff / 2 + Math.random() * (backoff / 2));
			if (wait > max) throw error;
			previous = error;
			await sleep(wait);
		}
	}
}
