/**
 * How much more a lookup among `sizes.big` records costs than one among `sizes.small`: the median
 * of 60 alternating rounds each (the first ten, the warm-up of statement caches and connections,
 * not counted), side by side in one run, so machine load cancels out. A seek costs the same on
 * either side; a scan of the big side would cost ~100× more. `lookup` answers one lookup's ms.
 */
export async function seekCostRatio(lookup: (side: "small" | "big", n: number) => Promise<number>, sizes: { small: number; big: number }): Promise<number> {
  const small: number[] = [];
  const big: number[] = [];
  for (let round = 0; round < 60; round++) {
    small.push(await lookup("small", (round * 7) % sizes.small));
    big.push(await lookup("big", (round * 997) % sizes.big));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
  return median(big.slice(10)) / median(small.slice(10));
}
