/**
 * `npm run registry:demo-csv > places.csv`: writes the demo registry in the import format — a
 * template for a real registry, and the round trip the import test relies on.
 */
import { loadConfig } from '../../server/config.ts'
import { demoRegistry } from './demo.ts'
import { registryToCsv } from './csv.ts'

process.stdout.write(registryToCsv(demoRegistry(loadConfig().demoSeed)))
