import { TestStack } from "../support/stack.ts";
import { testKitchen } from "../support/kitchens.ts";
import { seedExampleRequest } from "../support/grpc_client.ts";
import { testKafka } from "../support/kafka_topics.ts";

Deno.test("b experiment", async () => {
  const kitchen = testKitchen();
  const stack = await TestStack.start("b_exp", { kitchens: [kitchen] });
  const group = stack.env.KAFKA_GROUP_ID;
  const admin = testKafka().admin();
  await admin.connect();
  const describe = async () =>
    JSON.stringify(
      (await admin.describeGroups([group])).groups.map((g) => ({
        s: g.state,
        m: g.members.length,
      })),
    );
  const committed = async () =>
    JSON.stringify(
      (await admin.fetchOffsets({ groupId: group, topics: [stack.topics.orders] }))[0].partitions
        .map((p) => p.offset),
    );
  try {
    for (let i = 0; i < 3; i++) {
      await stack.api.createOrder(seedExampleRequest({ kitchenId: kitchen.id }));
    }
    await new Promise((r) => setTimeout(r, 2000));
    console.log("before", await describe(), await committed(), await stack.orderCount());
    const pid = stack.service("consumer").pid!;
    Deno.kill(pid, "SIGSTOP");
    await new Promise((r) => setTimeout(r, 9000));
    console.log("stopped", await describe());
    try {
      console.log("delete", JSON.stringify(await admin.deleteGroups([group])));
    } catch (e) {
      console.log("delete failed", String(e));
    }
    console.log("after delete", await describe(), await committed());
    for (let i = 0; i < 3; i++) {
      await stack.api.createOrder(seedExampleRequest({ kitchenId: kitchen.id }));
    }
    Deno.kill(pid, "SIGCONT");
    for (let t = 0; t < 12; t++) {
      await new Promise((r) => setTimeout(r, 2500));
      const h = await fetch(`http://127.0.0.1:${stack.ports.consumerHealth}/healthz`).then((r) =>
        r.text()
      ).catch((e) => String(e));
      console.log(t, await describe(), await committed(), await stack.orderCount(), h.trim());
    }
  } finally {
    await admin.disconnect();
    console.log(
      (await stack.service("consumer").tail(30)).split("\n").map((l) => l.slice(0, 300)).join("\n"),
    );
    await stack.close();
  }
});
