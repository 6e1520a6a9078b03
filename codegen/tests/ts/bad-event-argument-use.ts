// Must not compile: an event argument used as something it is not.
import { createClient } from "rivetkit/client";
import type { Registry } from "./generated/index";

const client = createClient<Registry>("http://127.0.0.1:6420");
const conn = client.chatRoom.getOrCreate(["general"]).connect();
conn.on("newMessage", (message) => {
  // @expect-error TS2322 Type 'string' is not assignable to type 'number'.
  const length: number = message.text;
  console.log(length);
});
