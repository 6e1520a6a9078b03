// Must not compile: an action the actor does not have.
import { createClient } from "rivetkit/client";
import type { Registry } from "./generated/index";

const client = createClient<Registry>("http://127.0.0.1:6420");
const room = client.chatRoom.getOrCreate(["general"]);
// @expect-error TS2339 Property 'archiveRoom' does not exist on type 'ActorHandle<ChatRoomDefinition>'.
await room.archiveRoom();
