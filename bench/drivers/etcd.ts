import { call, loadService } from "./grpc-call.js";
import type { Driver, DriverFactory } from "./driver.js";

/**
 * BENCH_CLIENT=etcd: etcd 3.4's `v3lock` service through @grpc/grpc-js, from the same process
 * as the Baton clients. Each client grants itself one lease (`Lease/LeaseGrant`, 300 s) and
 * calls `v3lockpb.Lock/Lock` with it and `Unlock` with the key Lock returned. Lock always waits,
 * so "try once" is a wait on a lock nobody else takes (the uncontended scenario's own lock).
 */
export function etcdDrivers(target: string): DriverFactory {
  const lockClient = loadService("bench/etcd", ["v3lock.proto"], "v3lockpb.Lock");
  const leaseClient = loadService("bench/etcd", ["lease.proto"], "etcdserverpb.Lease");
  return () => {
    const locks = lockClient(target);
    const leases = leaseClient(target);
    let lease: Promise<string> | undefined;
    return {
      async acquire(name, _waitMs, onQueued) {
        if (onQueued !== undefined) throw new Error("the etcd driver does not watch queue positions");
        lease ??= call<{ id: string }>(leases, "LeaseGrant", { ttl: 300 }).then((r) => r.id);
        const { key } = await call<{ key: Buffer }>(locks, "Lock", { name: Buffer.from(name), lease: await lease });
        return key.toString("latin1");
      },
      async release(_name, token) {
        await call(locks, "Unlock", { key: Buffer.from(token, "latin1") });
      },
      close() {
        locks.close();
        leases.close();
      },
    } satisfies Driver;
  };
}
