// Must not compile: a two-argument event used with a wrong argument type, and an enum value
// that does not exist (edge-case fixture).
import { createClient } from "rivetkit/client";
import type { Registry } from "./generated-edge-cases/index";

const client = createClient<Registry>("http://127.0.0.1:6420");
const coordinator = client.coordinator.getOrCreate(["main"]);
coordinator.connect().on("progress", (completed, total) => {
  // @expect-error TS2322 Type 'number' is not assignable to type 'string'.
  const label: string = total;
  console.log(completed, label);
});
// @expect-error TS2322 Type '"unknown"' is not assignable to type 'TaskStatus'.
await coordinator.reportResult({ taskId: "task-1", status: "unknown", output: "" });
