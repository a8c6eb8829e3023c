import { Kafka } from "kafkajs";
import { TestStack } from "../support/stack.ts";
import { testKitchen } from "../support/kitchens.ts";
import { seedExampleRequest } from "../support/grpc_client.ts";
import { testKafka } from "../support/kafka_topics.ts";
import { infraSetting } from "../support/infra.ts";

Deno.test("b2 experiment", async () => {
  const kitchen = testKitchen();
  const stack = await TestStack.start("b2_exp", { kitchens: [kitchen] });
  const group = stack.env.KAFKA_GROUP_ID;
  const admin = testKafka().admin();
  await admin.connect();
  const describe = async () =>
    JSON.stringify(
      (await admin.describeGroups([group])).groups.map((g) => ({
        s: g.state,
        m: g.members.map((m) => m.memberId),
      })),
    );
  const committed = async () =>
    JSON.stringify(
      (await admin.fetchOffsets({ groupId: group, topics: [stack.topics.orders] }))[0].partitions
        .map((p) => p.offset),
    );
  const kafka = new Kafka({
    clientId: "kicker",
    brokers: infraSetting("KAFKA_BROKERS").split(","),
  });
  const sym = Object.getOwnPropertySymbols(kafka).find((s) => String(s).includes("createCluster"))!;
  // deno-lint-ignore no-explicit-any
  const cluster = (kafka as any)[sym]({});
  await cluster.connect();
  try {
    for (let i = 0; i < 3; i++) {
      await stack.api.createOrder(seedExampleRequest({ kitchenId: kitchen.id }));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const d = (await admin.describeGroups([group])).groups[0];
    console.log("before", await describe(), await committed(), await stack.orderCount());
    const coordinator = await cluster.findGroupCoordinator({ groupId: group });
    for (const m of d.members) {
      console.log(
        "leave",
        JSON.stringify(await coordinator.leaveGroup({ groupId: group, memberId: m.memberId })),
      );
    }
    try {
      console.log("delete", JSON.stringify(await admin.deleteGroups([group])));
    } catch (e) {
      console.log("delete failed", String(e));
    }
    console.log("after delete", await describe(), await committed());
    for (let i = 0; i < 3; i++) {
      await stack.api.createOrder(seedExampleRequest({ kitchenId: kitchen.id }));
    }
    for (let t = 0; t < 8; t++) {
      await new Promise((r) => setTimeout(r, 2500));
      console.log(t, await describe(), await committed(), await stack.orderCount());
    }
  } finally {
    await admin.disconnect();
    await cluster.disconnect();
    console.log(
      (await stack.service("consumer").tail(30)).split("\n").map((l) => l.slice(0, 400)).join("\n"),
    );
    await stack.close();
  }
});
