// Must compile with `tsc --noEmit --strict`: the module generated from the seed registry's schema
// (`examples/schema.json`) used with the official client, for every seed actor.
import { createClient } from "rivetkit/client";
import type {
  Event,
  Message,
  NewUser,
  Registry,
  TaskResult,
  User,
  UserActorInput,
  UserRecord,
} from "./generated/index";

const client = createClient<Registry>("http://127.0.0.1:6420");

// chatRoomList (coordinator): creates a room and returns its actor id.
const roomId: string = await client.chatRoomList.getOrCreate(["main"]).createChatRoom("general");
const roomIds: string[] = await client.chatRoomList.getOrCreate(["main"]).listChatRooms();

// chatRoom by id: typed arguments and results.
const room = client.chatRoom.getForId(roomId);
const sent: Message = await room.sendMessage("alice", "hello");
const history: Message[] = await room.getHistory();
console.log(sent.sender, sent.text, history.length, roomIds.length);

// chatRoom events on a connection: `msg` is inferred as `Message`.
const conn = client.chatRoom.getOrCreate(["general"]).connect();
const unsubscribe = conn.on("newMessage", (msg) => {
  const text: string = msg.text;
  console.log(msg.sender, text);
});
conn.once("newMessage", (msg: Message) => console.log(msg.text));
const viaConnection: Message = await conn.sendMessage("bob", "hi");
console.log(viaConnection.text);
unsubscribe();
await conn.dispose();

// hourlyAnalytics (sharding by time): an object argument; unit results are `null`.
const analytics = client.hourlyAnalytics.getOrCreate([new Date().toISOString().slice(0, 13)]);
const nothing: null = await analytics.trackEvent({ type: "page_view", url: "/home" });
const events: Event[] = await analytics.getEvents();
console.log(nothing, events[0]?.url);

// rateLimiter (random sharding): integer parameters are numbers.
const limiter = client.rateLimiter.getOrCreate([`shard-${Math.floor(Math.random() * 3)}`]);
const allowed: boolean = await limiter.checkLimit("user-123", 100);
console.log(allowed);

// coordinator / worker (map-reduce): arrays of objects in and out.
const coordinator = client.coordinator.getOrCreate(["main"]);
await coordinator.startJob([
  { id: "task-1", data: "a" },
  { id: "task-2", data: "b" },
]);
const results: TaskResult[] = await coordinator.getResults();
const firstOutput: string | undefined = results[0]?.output;
await coordinator.reportResult({ taskId: "task-3", output: "Processed c" });
await client.worker.getOrCreate(["task-4"]).process({ id: "task-4", data: "d" });
console.log(firstOutput);

// userSession (state loaded from a database): an optional result is `T | null`.
const profile: User | null = await client.userSession.getOrCreate(["user-123"]).getProfile();
if (profile !== null) {
  const createdAt: number = profile.createdAt;
  console.log(profile.name, profile.email, createdAt);
}
await client.userSession.getOrCreate(["user-123"]).updateEmail("user123@example.org");

// userActor (state synced to a database): rivetkit types creation input as `unknown`;
// annotate it with the exported type.
const user = await client.userActor.create(["user-456"], {
  input: { email: "alice@example.com" } satisfies UserActorInput,
});
const input: NewUser = { email: "bob@example.com" };
const other = client.userActor.getOrCreate(["user-789"], { createWithInput: input });
await user.updateEmail("alice2@example.com");
const record: UserRecord = await user.getUser();
const lastActive: number = record.lastActive;
const actorId: string = await user.resolve();
console.log(record.email, lastActive, actorId, await other.getUser());
