/** The monthly pack (PDF, XLSX, CSV) of the leaders' review: built in a later step. */
import express from 'express'
import type { TrendsRouteDeps } from './trends.ts'

export function trendsPackRoutes(_deps: TrendsRouteDeps) {
  return express.Router()
}
