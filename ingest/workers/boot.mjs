// Worker threads don't inherit tsx's loader from `node --import tsx` (nor vitest's): register
// it here, then load the TypeScript worker named in workerData.
import { register } from 'tsx/esm/api'
import { workerData } from 'node:worker_threads'

register()
await import(workerData.entry)
