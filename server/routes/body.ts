/** Request bodies checked with zod: the parsed value, or a 400 naming the first bad field. */
import type { z } from 'zod'
import { HttpError } from '../auth/http.ts'

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body)
  if (!r.success) {
    const i = r.error.issues[0]!
    throw new HttpError(400, `${i.path.join('.') || 'body'}: ${i.message}`)
  }
  return r.data
}
