// Preloaded into each worker's shared workflow context right after zod (PRELOADED_MODULES in
// src/app/supportWorker.ts). zod fills in its global defaults (English messages, the memoizer)
// when the first schemas are built and used, and the SDK freezes the shared modules as soon as
// preloading ends; so that happens here, before the freeze, rather than in the first workflow.
import { z } from 'zod';

const warmUp = z.object({ list: z.array(z.string()) });
warmUp.safeParse({ list: ['x'] });
warmUp.safeParse({ list: [1] });
