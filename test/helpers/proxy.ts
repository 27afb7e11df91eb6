/**
 * A TCP proxy on 127.0.0.1 that a test can cut: it drops every open connection on
 * demand, or refuses new ones, to play a flaky network between a client and the server.
 */
import net from "node:net";

export interface FlakyProxy {
  url: string;
  /** Destroys every connection passing through now. */
  cut(): void;
  /** While down, new connections are refused at once. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export async function startProxy(targetUrl: string): Promise<FlakyProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut() {
      for (const s of sockets) s.destroy();
    },
    setDown(value) {
      down = value;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
