// Must not compile: a missing argument.
import { createClient } from "rivetkit/client";
import type { Registry } from "./generated/index";

const client = createClient<Registry>("http://127.0.0.1:6420");
const limiter = client.rateLimiter.getOrCreate(["shard-0"]);
// @expect-error TS2554 Expected 2 arguments, but got 1.
await limiter.checkLimit("user-123");
