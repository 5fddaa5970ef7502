/**
 * Reads a PDF the way a viewer's copy-and-paste does, for tests that must see the words on a
 * page without a system tool: inflates the streams, takes each font's ToUnicode map, and decodes
 * the glyph codes of every text-showing operator (Tj, TJ) with the font set before it (Tf).
 * Enough for pdfkit's output (hex strings, Identity-H CID fonts); not a general PDF parser.
 */
import zlib from 'node:zlib'

interface PdfObject {
  dict: string
  stream?: Buffer
}

function objects(pdf: Buffer): Map<number, PdfObject> {
  const text = pdf.toString('latin1')
  const out = new Map<number, PdfObject>()
  const re = /(\d+) 0 obj\s*/g
  let m: RegExpExecArray | null
  while ((m = re.exec(text))) {
    const start = m.index + m[0].length
    const end = text.indexOf('endobj', start)
    const body = text.slice(start, end)
    const s = body.indexOf('stream')
    if (s < 0) {
      out.set(Number(m[1]), { dict: body })
      continue
    }
    const dict = body.slice(0, s)
    let dataStart = start + s + 'stream'.length
    if (text[dataStart] === '\r') dataStart++
    if (text[dataStart] === '\n') dataStart++
    const length = /\/Length (\d+)(?! \d+ R)/.exec(dict)
    const dataEnd = length ? dataStart + Number(length[1]) : text.indexOf('endstream', dataStart)
    let data = pdf.subarray(dataStart, dataEnd)
    if (/\/FlateDecode/.test(dict)) data = zlib.inflateSync(data)
    out.set(Number(m[1]), { dict, stream: data })
    re.lastIndex = end
  }
  return out
}

const utf16be = (hex: string) => Buffer.from(hex, 'hex').swap16().toString('utf16le')

function parseCMap(cmap: string): Map<number, string> {
  const map = new Map<number, string>()
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g))
    for (const [, src, dst] of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) map.set(parseInt(src!, 16), utf16be(dst!))
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const [, lo, hi, rest] of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)/g)) {
      const a = parseInt(lo!, 16)
      const b = parseInt(hi!, 16)
      if (rest!.startsWith('[')) [...rest!.matchAll(/<([0-9a-fA-F]+)>/g)].forEach((d, i) => map.set(a + i, utf16be(d[1]!)))
      else {
        const first = parseInt(rest!.slice(1, -1), 16)
        for (let c = a; c <= b; c++) map.set(c, String.fromCodePoint(first + c - a))
      }
    }
  }
  return map
}

/** The text of every page, one entry per text-showing operator, in stream order. */
export function pdfText(pdf: Buffer): string[] {
  const objs = objects(pdf)
  // Resource name (/F1) → font object → its ToUnicode map. pdfkit names each font once per document.
  const fonts = new Map<string, Map<number, string>>()
  for (const o of objs.values()) {
    for (const [, name, ref] of o.dict.matchAll(/\/(F\d+) (\d+) 0 R/g)) {
      const font = objs.get(Number(ref))
      const tu = font && /\/ToUnicode (\d+) 0 R/.exec(font.dict)
      const cmap = tu && objs.get(Number(tu[1]))?.stream
      if (cmap) fonts.set(name!, parseCMap(cmap.toString('latin1')))
    }
  }
  const out: string[] = []
  for (const o of objs.values()) {
    if (!o.stream || !/ Tf\b/.test(o.stream.toString('latin1', 0, Math.min(o.stream.length, 1 << 20)))) continue
    const content = o.stream.toString('latin1')
    let map: Map<number, string> | undefined
    for (const t of content.matchAll(/\/(F\d+)\s+[\d.]+\s+Tf|\[((?:[^\]]|\n)*?)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj/g)) {
      if (t[1]) {
        map = fonts.get(t[1])
        continue
      }
      const hexes = t[2] !== undefined ? [...t[2].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1]!) : [t[3]!]
      let s = ''
      for (const h of hexes) for (let i = 0; i + 4 <= h.length; i += 4) s += map?.get(parseInt(h.slice(i, i + 4), 16)) ?? '\uFFFD'
      out.push(s)
    }
  }
  return out
}

/** Pages in the document (its /Type /Page objects). */
export function pdfPageCount(pdf: Buffer): number {
  return [...objects(pdf).values()].filter((o) => /\/Type \/Page\b(?!s)/.test(o.dict)).length
}
