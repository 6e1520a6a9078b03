// Must not compile: creation input that does not match the annotated input type.
import { createClient } from "rivetkit/client";
import type { Registry, UserActorInput } from "./generated/index";

const client = createClient<Registry>("http://127.0.0.1:6420");
await client.userActor.create(["user-456"], {
  // @expect-error TS2353 Object literal may only specify known properties, and 'phone' does not exist in type 'NewUser'.
  input: { phone: "+1 555 0100" } satisfies UserActorInput,
});
