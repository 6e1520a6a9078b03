// Must compile with `tsc --noEmit --strict`: the module generated from the edge-case fixture
// (`tests/fixtures/edge-cases.json`): what the seed schema does not have.
import { createClient } from "rivetkit/client";
import type {
  AnalyticsEvent,
  Registry,
  TaskResult,
  TaskStatus,
  UserActorConnParams,
  UserActorInput,
  UserProfile,
} from "./generated-edge-cases/index";

const client = createClient<Registry>("http://127.0.0.1:6420");

// Optional and nullable fields.
const analytics = client.hourlyAnalytics.getOrCreate(["2024-01-15T00"]);
const event: AnalyticsEvent = { type: "page_view", url: "/home" };
await analytics.trackEvent(event);
await analytics.trackEvent({ type: "click", url: "/a", referrer: null });
const events: AnalyticsEvent[] = await analytics.getEvents();
const referrer: string | null | undefined = events[0]?.referrer;
console.log(referrer);

// String enums, an optional result of an action with a parameter, a two-argument event.
const coordinator = client.coordinator.getOrCreate(["main"]);
const results: TaskResult[] = await coordinator.getResults();
const status: TaskStatus | undefined = results[0]?.status;
const one = await coordinator.getResult("task-1");
if (one !== null) {
  const output: string = one.output;
  console.log(output, status);
}
coordinator.connect().on("progress", (completed, total) => {
  const ratio: number = completed / total;
  console.log(ratio);
});
await coordinator.reportResult({ taskId: "task-1", status: "failed", output: "", error: "boom" });

// Connection params (typed `unknown` by rivetkit): annotate them.
const user = client.userActor.getOrCreate(["user-456"], {
  createWithInput: { email: "bob@example.com" } satisfies UserActorInput,
  params: { authToken: "secret" } satisfies UserActorConnParams,
});
const profile: UserProfile = await user.getUser();
const displayName: string | null | undefined = profile.displayName;
const userConn = user.connect({ authToken: "secret" } satisfies UserActorConnParams);
const viaUserConn: UserProfile = await userConn.getUser();
console.log(displayName, viaUserConn.email);
