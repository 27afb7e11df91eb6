/**
 * `e2ee`: what end-to-end encryption costs. In one run, on one server:
 *
 * 1. A group of R members, S of whom send M messages each over REST, first unencrypted,
 *    then encrypted (docs/E2EE.md): each send is encrypted on the sender's device, each
 *    delivery reaches every other member's socket and is decrypted by that member's
 *    device. Latency runs from the moment the sender starts (encrypting included) to the
 *    moment a member has the plaintext; every member must have every message, in order.
 * 2. The commit that adds the n-th member to an encrypted group, for n = 10, 100 and
 *    200: claiming the new member's key package, making the commit and its welcome,
 *    sending them, and the new member joining from the welcome.
 *
 * Every device lives in this process (the SDK's MLS layer), so device CPU is the
 * harness's CPU: the figures are the cost a member's device pays, on this machine.
 */
import { ApiClient } from "@private-chat/sdk";
import {
  addDevices,
  EncryptedGroup,
  fromBase64Url,
  joinFromHistory,
  type RegisteredDevice,
  registerDevice,
  startEncrypted,
  toBase64Url,
} from "@private-chat/sdk/mls";
import WebSocket from "ws";
import { type BenchUser, chatSocketUrl, registerUsers } from "../lib/accounts.js";
import { prepareServer, startChatServer } from "../lib/chat-server.js";
import { mapBounded } from "../lib/pool.js";
import { LatencyRecorder, type LatencySummary, perSecond, round } from "../lib/stats.js";
import { flag, printTable, progress, type Workload } from "../lib/workload.js";

interface Member {
  user: BenchUser;
  api: ApiClient;
  device: RegisteredDevice;
}

interface PhaseResult {
  msgs_per_s: number;
  deliveries_per_s: number;
  latency_ms: LatencySummary;
  delivered: number;
  expected: number;
}

const text = new TextEncoder();
const COMMIT_SIZES = [10, 100, 200];

/** An encrypted group of `members`, set up by the first one's device; each joins. */
async function encryptedGroup(members: Member[], title: string) {
  const [owner, ...others] = members as [Member, ...Member[]];
  const { conversation, group } = await startEncrypted(owner.api, owner.device, {
    type: "group",
    title,
    member_ids: others.map((m) => m.user.id),
  });
  const groups = new Map<string, EncryptedGroup>([[owner.user.id, group]]);
  for (const m of others)
    groups.set(m.user.id, await joinFromHistory(m.api, conversation.id, m.device));
  return { id: conversation.id, groups };
}

/** Sends S x M messages into the group and waits for every member to have each. */
async function messagingPhase(
  wsUrl: string,
  members: Member[],
  senders: number,
  messages: number,
  deadline: number,
  encrypted: boolean,
  decrypting: number,
): Promise<PhaseResult> {
  const setUp = encrypted
    ? await encryptedGroup(members, "bench e2ee")
    : {
        id: (
          await (members[0] as Member).api.createConversation({
            type: "group",
            title: "bench plain",
            member_ids: members.slice(1).map((m) => m.user.id),
          })
        ).id,
        groups: new Map<string, EncryptedGroup>(),
      };
  const sentAt = new Map<string, number>();
  const latency = new LatencyRecorder();
  const expected = senders * messages * (members.length - 1);
  let delivered = 0;
  let problem: Error | undefined;
  let allIn: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    allIn = resolve;
  });
  const sockets = await mapBounded(members.length, 20, async (i) => {
    const member = members[i] as Member;
    const ws = new WebSocket(chatSocketUrl(wsUrl, member.user));
    // The last `decrypting` members' devices open every message; the others count the
    // ciphertext they receive (the server's work is the same), so that the harness's
    // one CPU does not stand in for a hundred devices.
    const group = i >= members.length - decrypting ? setUp.groups.get(member.user.id) : undefined;
    // A device applies its conversation's messages one at a time, in order.
    let queue = Promise.resolve();
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type !== "message.new" || frame.conversation_id !== setUp.id) return;
      const message = frame.message;
      if (message.sender_id === member.user.id || message.mls?.kind === "commit") return;
      queue = queue.then(async () => {
        try {
          const words = group
            ? new TextDecoder().decode(
                await group.receive(fromBase64Url(message.body)).then((r) => {
                  if (r.kind !== "message") throw new Error(`a ${r.kind}, not a message`);
                  return r.plaintext;
                }),
              )
            : message.body;
          const unopened = encrypted && !group;
          if (unopened ? !message.mls : !words.startsWith(message.client_id))
            throw new Error("the wrong plaintext");
          latency.recordMs(performance.now() - (sentAt.get(message.client_id) ?? 0));
          if (++delivered === expected) allIn();
        } catch (err) {
          problem ??= err as Error;
          allIn();
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      ws.once("message", () => resolve());
      ws.once("error", reject);
    });
    return ws;
  });
  const start = performance.now();
  await Promise.all(
    Array.from({ length: senders }, async (_, s) => {
      const sender = members[s] as Member;
      for (let m = 0; m < messages && performance.now() < deadline; m++) {
        const clientId = `s${s}m${m}`;
        sentAt.set(clientId, performance.now());
        const words = `${clientId} ${"x".repeat(90)}`;
        const group = setUp.groups.get(sender.user.id);
        await sender.api.sendMessage(setUp.id, {
          client_id: clientId,
          ...(group
            ? { body: toBase64Url(await group.encrypt(text.encode(words))), mls: {} }
            : { body: words }),
        });
      }
    }),
  );
  const timer = setTimeout(allIn, Math.max(0, deadline - performance.now()));
  await done;
  clearTimeout(timer);
  const elapsed = performance.now() - start;
  for (const ws of sockets) ws.close();
  if (problem) throw problem;
  return {
    msgs_per_s: round(perSecond(senders * messages, elapsed), 1),
    deliveries_per_s: round(perSecond(delivered, elapsed), 1),
    latency_ms: latency.summary(),
    delivered,
    expected,
  };
}

/** The commit that adds the n-th member: claim, commit, send, and the joiner's join. */
async function commitTimes(members: Member[], sizes: number[]) {
  const times: Record<string, { add_ms: number; join_ms: number; welcome_bytes: number }> = {};
  for (const [i, n] of sizes.entries()) {
    // Each group its own owner: one person's claims are budgeted (200 at once).
    const owner = members[i + 1] as Member;
    const others = members.filter((m) => m !== owner);
    const { id, groups } = await encryptedGroup([owner, ...others.slice(0, n - 2)], `bench ${n}`);
    const joiner = others[n - 2] as Member;
    await owner.api.addMembers(id, [joiner.user.id]);
    const start = performance.now();
    const group = groups.get(owner.user.id) as EncryptedGroup;
    const added = await addDevices(owner.api, id, group, [joiner.user.id]);
    const change = added?.change;
    if (!change?.welcome) throw new Error("the joiner has no device to add");
    const addedAt = performance.now();
    await EncryptedGroup.join(joiner.device.keys, change.welcome, joiner.device.held);
    times[n] = {
      add_ms: round(addedAt - start),
      join_ms: round(performance.now() - addedAt),
      welcome_bytes: change.welcome.length,
    };
  }
  return times;
}

export const e2ee: Workload = {
  name: "e2ee",
  summary: "an encrypted group beside the same group unencrypted, and the commit adding a member",
  defaultTimeoutS: 600,
  flags: {
    members: { default: 100, min: 2, max: 200, help: "members of the messaging group" },
    senders: { default: 10, min: 1, max: 200, help: "members who send" },
    messages: { default: 20, min: 1, max: 100_000, help: "messages each sender sends" },
    decrypting: {
      default: 5,
      min: 1,
      max: 200,
      help: "members whose devices decrypt every message (the others count ciphertext)",
    },
    largest: { default: 200, min: 2, max: 200, help: "largest group of the commit timings" },
  },
  async run(ctx) {
    const members = flag(ctx, "members");
    const senders = Math.min(flag(ctx, "senders"), members);
    const messages = flag(ctx, "messages");
    const sizes = [
      ...new Set([...COMMIT_SIZES.filter((n) => n < flag(ctx, "largest")), flag(ctx, "largest")]),
    ];
    const setup = await prepareServer(ctx.server);
    const server = await startChatServer(setup);
    try {
      const count = Math.max(members, ...sizes);
      progress(`registering ${count} people, each with a device...`);
      const { users } = await registerUsers(server.url, count, 4);
      const all = await mapBounded(users.length, 4, async (i): Promise<Member> => {
        const user = users[i] as BenchUser;
        const api = new ApiClient({ baseUrl: server.url, token: user.token });
        return { user, api, device: await registerDevice(api.devices, user.id, "bench", 6) };
      });
      const group = all.slice(0, members);
      progress(`${members} members, ${senders} senders x ${messages}: unencrypted...`);
      const decrypting = Math.min(flag(ctx, "decrypting"), members - senders);
      const phase = (encrypted: boolean) =>
        messagingPhase(server.wsUrl, group, senders, messages, ctx.deadline, encrypted, decrypting);
      const plain = await phase(false);
      progress("...and encrypted");
      const sealed = await phase(true);
      progress(`commits adding the n-th member, n = ${sizes.join(", ")}...`);
      const commits = await commitTimes(all, sizes);
      const table = [
        ["measure", "unencrypted", "encrypted", "encrypted / unencrypted"],
        [
          "msgs/s",
          String(plain.msgs_per_s),
          String(sealed.msgs_per_s),
          (sealed.msgs_per_s / plain.msgs_per_s).toFixed(2),
        ],
        [
          "deliveries/s",
          String(plain.deliveries_per_s),
          String(sealed.deliveries_per_s),
          (sealed.deliveries_per_s / plain.deliveries_per_s).toFixed(2),
        ],
        ["p50 ms", String(plain.latency_ms.p50), String(sealed.latency_ms.p50), ""],
        ["p99 ms", String(plain.latency_ms.p99), String(sealed.latency_ms.p99), ""],
        ...sizes.map((n) => [
          `add member ${n}: commit ms / join ms`,
          "",
          `${commits[n]?.add_ms} / ${commits[n]?.join_ms}`,
          `welcome ${commits[n]?.welcome_bytes} B`,
        ]),
      ];
      printTable(
        `e2ee: ${members} members, ${senders} senders x ${messages} msgs (${ctx.server.database})`,
        table,
      );
      const problems = [plain, sealed]
        .filter((p) => p.delivered !== p.expected)
        .map((p) => `${p.delivered} of ${p.expected} deliveries`);
      return {
        record: {
          params: { members, senders, messages, decrypting, sizes },
          unencrypted: plain,
          encrypted: sealed,
          commits,
        },
        table,
        problems,
      };
    } finally {
      await server.stop();
    }
  },
};
