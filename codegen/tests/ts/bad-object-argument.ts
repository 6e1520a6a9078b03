// Must not compile: an object argument missing a required field.
import { createClient } from "rivetkit/client";
import type { Registry } from "./generated/index";

const client = createClient<Registry>("http://127.0.0.1:6420");
const analytics = client.hourlyAnalytics.getOrCreate(["2024-01-15T00"]);
// @expect-error TS2345 Property 'url' is missing in type '{ type: string; }' but required in type 'Event'.
await analytics.trackEvent({ type: "page_view" });
