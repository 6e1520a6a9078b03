// Must not compile: results used as something they are not.
import { createClient } from "rivetkit/client";
import type { Registry } from "./generated/index";

const client = createClient<Registry>("http://127.0.0.1:6420");
const room = client.chatRoom.getOrCreate(["general"]);
// @expect-error TS2322 Type 'Message[]' is not assignable to type 'number'.
const count: number = await room.getHistory();
const sent = await room.sendMessage("alice", "hello");
// @expect-error TS2339 Property 'body' does not exist on type 'Message'.
console.log(count, sent.body);
