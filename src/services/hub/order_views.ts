/** Which view of an order's customer each role gets (src/domain/personal_data.ts). */
import type { Role } from "../../adapters/http/bearer_tokens.ts";
import type { OrderView } from "../../domain/personal_data.ts";

export function viewFor(role: Role): OrderView {
  return role === "manager" ? "manager" : "staff";
}
