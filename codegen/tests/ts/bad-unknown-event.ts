// Must not compile: an event the actor does not emit.
import { createClient } from "rivetkit/client";
import type { Registry } from "./generated/index";

const client = createClient<Registry>("http://127.0.0.1:6420");
const conn = client.chatRoom.getOrCreate(["general"]).connect();
// @expect-error TS2769 Argument of type '"messageDeleted"' is not assignable to parameter of type '"newMessage"'.
conn.on("messageDeleted", (id: string) => console.log(id));
