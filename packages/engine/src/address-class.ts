import { BlockList, isIP } from "node:net";

/**
 * Address ranges a production server must not fetch for a function (`step.fetch`, `step.ai.infer`):
 * they reach the server's own host, its private network or its cloud metadata service. Checked on
 * the resolved address, so a public name pointing at one of them is caught as well.
 */
const ranges: [name: string, ipv4: [string, number][], ipv6: [string, number][]][] = [
  // 0.0.0.0 and :: connect to the local host on Linux; the rest of 0/8 is "this network".
  ["unspecified", [["0.0.0.0", 8]], [["::", 128]]],
  ["loopback", [["127.0.0.0", 8]], [["::1", 128]]],
  // fec0::/10 is the deprecated IPv6 site-local range: private by another name.
  [
    "private",
    [
      ["10.0.0.0", 8],
      ["172.16.0.0", 12],
      ["192.168.0.0", 16],
    ],
    [
      ["fc00::", 7],
      ["fec0::", 10],
    ],
  ],
  // 169.254.169.254 is the cloud metadata service.
  ["link-local", [["169.254.0.0", 16]], [["fe80::", 10]]],
  ["carrier-grade NAT (shared)", [["100.64.0.0", 10]], []],
  ["multicast", [["224.0.0.0", 4]], [["ff00::", 8]]],
  // IETF protocol assignments, benchmarking, and 240/4 up to the broadcast address.
  [
    "reserved",
    [
      ["192.0.0.0", 24],
      ["198.18.0.0", 15],
      ["240.0.0.0", 4],
    ],
    [],
  ],
];

const lists = ranges.map(([name, ipv4, ipv6]) => {
  const list = new BlockList();
  for (const [net, prefix] of ipv4) list.addSubnet(net, prefix, "ipv4");
  for (const [net, prefix] of ipv6) list.addSubnet(net, prefix, "ipv6");
  return { name, list };
});

/**
 * The class of a non-public address (`"loopback"`, `"private"`, …), or undefined for a public one
 * (or a string that is no IP address). IPv6 forms that carry an IPv4 address (IPv4-mapped
 * `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged
 * by that IPv4 address, since that is where the packets end up.
 */
export function nonPublicAddressClass(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return undefined;
  const type = family === 4 ? "ipv4" : "ipv6";
  for (const { name, list } of lists) if (list.check(address, type)) return name;
  const embedded = family === 6 ? embeddedIPv4(address) : undefined;
  return embedded === undefined ? undefined : nonPublicAddressClass(embedded);
}

/** The IPv4 address inside an IPv6 address of a form that carries one (see above). */
function embeddedIPv4(address: string): string | undefined {
  const words = ipv6Words(address);
  if (words === undefined) return undefined;
  const [w0, w1, w2, w3, w4, w5, w6, w7] = words as [number, number, number, number, number, number, number, number];
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeroUpTo = (n: number) => words.slice(0, n).every((w) => w === 0);
  if (zeroUpTo(5) && (w5 === 0xffff || w5 === 0)) return v4(w6, w7); // mapped, compatible
  if (w0 === 0x64 && w1 === 0xff9b && w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0) return v4(w6, w7); // NAT64
  if (w0 === 0x2002) return v4(w1, w2); // 6to4
  return undefined;
}

/** The eight 16-bit words of an IPv6 address (a trailing dotted IPv4 part counts as two). */
function ipv6Words(address: string): number[] | undefined {
  let text = address.replace(/%.*$/, ""); // zone id
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const part = (s: string) => (s === "" ? [] : s.split(":").map((w) => Number.parseInt(w, 16)));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const words = [...left, ...Array<number>(fill).fill(0), ...right];
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : undefined;
}
