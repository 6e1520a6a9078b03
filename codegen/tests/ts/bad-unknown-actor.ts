// Must not compile: an actor the registry does not have.
import { createClient } from "rivetkit/client";
import type { Registry } from "./generated/index";

const client = createClient<Registry>("http://127.0.0.1:6420");
// @expect-error TS2339 Property 'inventory' does not exist on type 'Client<Registry>'.
const inventory = client.inventory.getOrCreate(["main"]);
console.log(inventory);
