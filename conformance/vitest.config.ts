import { defineConfig } from "vitest/config";

// The driver suite against `conformance-server` (see driver.test.ts). No retries: a flaky test
// is a finding, not noise.
export default defineConfig({
	test: {
		include: ["conformance/driver.test.ts"],
		root: `${import.meta.dirname}/..`,
		testTimeout: 30_000,
		hookTimeout: 30_000,
		retry: 0,
		pool: "forks",
		fileParallelism: false,
	},
});
