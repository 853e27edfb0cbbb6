import type { Prober, Protocol } from './prober.js';
import { probeTcp } from './tcp.js';
import { probeUdp } from './udp.js';

/** The prober of each protocol: adding a protocol is a prober file and an entry here. */
export const probers: { readonly [P in Protocol]: Prober<P> } = {
  tcp: probeTcp,
  udp: probeUdp,
};
