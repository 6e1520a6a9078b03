// Must not compile: an argument of the wrong type.
import { createClient } from "rivetkit/client";
import type { Registry } from "./generated/index";

const client = createClient<Registry>("http://127.0.0.1:6420");
const room = client.chatRoom.getOrCreate(["general"]);
// @expect-error TS2345 Argument of type 'number' is not assignable to parameter of type 'string'.
await room.sendMessage("alice", 42);
