// Must compile with `tsc --noEmit --strict`: the generated module used with the official client.
import { createClient } from "rivetkit/client";
import type {
  AnalyticsEvent,
  Message,
  Registry,
  TaskResult,
  TaskStatus,
  UserActorConnParams,
  UserActorInput,
  UserProfile,
} from "./generated/index";

const client = createClient<Registry>("http://127.0.0.1:6420");

// chatRoom: typed arguments and results, on handles and on connections.
const room = client.chatRoom.getOrCreate(["general"]);
const sent: Message = await room.sendMessage("alice", "hello");
const history: Message[] = await room.getHistory();
console.log(sent.sender, sent.text, history.length);

const conn = room.connect();
const unsubscribe = conn.on("newMessage", (message) => {
  // `message` is inferred as `Message`.
  const text: string = message.text;
  console.log(message.sender, text);
});
conn.once("newMessage", (message: Message) => console.log(message.text));
const viaConnection: Message = await conn.sendMessage("bob", "hi");
console.log(viaConnection.text);
unsubscribe();
await conn.dispose();

// chatRoomList: a coordinator returning actor ids, then a handle by id.
const list = client.chatRoomList.getOrCreate("main");
const roomId: string = await list.createChatRoom("general");
const roomIds: string[] = await list.listChatRooms();
const byId = client.chatRoom.getForId(roomId);
await byId.sendMessage("carol", `rooms: ${roomIds.length}`);

// hourlyAnalytics: an object argument; unit results are `null`.
const analytics = client.hourlyAnalytics.getOrCreate([new Date().toISOString().slice(0, 13)]);
const event: AnalyticsEvent = { type: "page_view", url: "/home" };
const nothing: null = await analytics.trackEvent(event);
await analytics.trackEvent({ type: "click", url: "/a", referrer: null });
const events: AnalyticsEvent[] = await analytics.getEvents();
console.log(nothing, events[0]?.referrer);

// rateLimiter: integer parameters are numbers.
const limiter = client.rateLimiter.getOrCreate([`shard-${Math.floor(Math.random() * 3)}`]);
const allowed: boolean = await limiter.checkLimit("user-123", 100);
console.log(allowed);

// coordinator / worker: arrays, enums, optional results, multi-argument events.
const coordinator = client.coordinator.getOrCreate(["main"]);
await coordinator.startJob([
  { id: "task-1", data: "..." },
  { id: "task-2", data: "..." },
]);
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
await client.worker.getOrCreate("task-1").process({ id: "task-1", data: "..." });
await coordinator.reportResult({ taskId: "task-1", status: "failed", output: "", error: "boom" });

// userActor: rivetkit types input and connection params as `unknown`; annotate them.
const user = await client.userActor.create(["user-123"], {
  input: { email: "alice@example.com" } satisfies UserActorInput,
});
const other = client.userActor.getOrCreate(["user-456"], {
  createWithInput: { email: "bob@example.com" } satisfies UserActorInput,
  params: { authToken: "secret" } satisfies UserActorConnParams,
});
await user.updateEmail("alice2@example.com");
const profile: UserProfile = await user.getUser();
const lastActive: number = profile.lastActive;
const displayName: string | null | undefined = profile.displayName;
const userConn = other.connect({ authToken: "secret" } satisfies UserActorConnParams);
const viaUserConn: UserProfile = await userConn.getUser();
const actorId: string = await user.resolve();
console.log(lastActive, displayName, viaUserConn.email, actorId);
